"""Builds the Bolt app: our own Web API client, our listener pool, and every handler registered."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.config import Settings
from bot.platform.metrics import Metrics
from bot.platform.people import Readers
from bot.services import Services
from bot.slack.access import SlackAccess
from bot.slack.client import MeteredWebClient
from bot.slack.intake import DeferredClicks, RequireAUser
from bot.texts import DEFAULT_LANGUAGE, Texts
from handlers import register_all

logger = logging.getLogger(__name__)


def slack_client(
    settings: Settings,
    *,
    timeout: int = 10,
    metrics: Metrics | None = None,
    access: SlackAccess | None = None,
) -> WebClient:
    """A Web API client bound to SLACK_API_URL, the only host besides the file hosts that sees the token;
    with `metrics`, Slack's refusals are counted for /metrics; with `access`, it stops calling Slack once
    the token is refused."""
    return MeteredWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[],
        metrics=metrics,
        access=access,
    )


class OurClientForListeners(Middleware):
    """Listeners get our client, not the plain WebClient Bolt makes for each request: its calls are counted
    for /metrics and stop once Slack refuses the token. It holds no per-request state (the token is fixed),
    so one client serves every thread."""

    def __init__(self, client: WebClient):
        self.client = client

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["client"] = self.client
        return next()


def build_app(settings: Settings, services: Services, *, client: WebClient | None = None) -> App:
    app = App(
        client=client or slack_client(settings, metrics=services.metrics, access=services.slack_access),
        signing_secret=settings.slack_signing_secret.get_secret_value()
        if settings.slack_signing_secret
        else None,
        # Listeners ack from the HTTP server's own worker thread (no 10 ms polling of Bolt's ack wait);
        # anything slow is either a lazy listener or outbox work, so acks never wait on it.
        process_before_response=True,
        # Bolt would call auth.test at construction; start-up must not depend on Slack being reachable.
        token_verification_enabled=False,
        # The HTTP front door (bot/slack/server.py) checks every request's signature before even parsing
        # its body; Socket Mode requests come over the authenticated socket. Checked once, not twice.
        request_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="bolt-lazy"),
        raise_error_for_unhandled_request=False,
    )

    app.use(RequireAUser())
    # Before DeferredClicks, so that a stored and acknowledged click also has its clicker looked up.
    app.use(LookUpReaders(services.readers))
    app.use(DeferredClicks(services.clicks))
    app.use(OurClientForListeners(app.client))
    register_all(app, services)

    @app.error
    def answer_failures(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        logger.error("a listener failed (%s)", _kind_of(body), exc_info=error)
        if body.get("command"):
            # A slash command still gets a clear private answer; its transaction rolled back.
            payload = {"response_type": "ephemeral", "text": _generic_error(services, body)}
            headers: dict[str, str | Sequence[str]] = {"content-type": "application/json"}
            return BoltResponse(status=200, body=json.dumps(payload), headers=headers)
        if isinstance(error, (KeyError, TypeError, AttributeError, ValueError, IndexError)):
            # A body of the wrong shape (Slack never sends one; a forged one might): refused, not a 500.
            return BoltResponse(status=400, body="")
        # For clicks and modals a non-200 makes Slack show its own error and keep what the user typed.
        return None

    return app


class LookUpReaders(Middleware):
    """Once a request from a person is acknowledged (its listener has returned its response), their Slack
    locale is looked up in the background if it is not known yet (bot/platform/people.py): never before
    the acknowledgement, so no answer waits for Slack. Only requests that get a private answer count."""

    def __init__(self, readers: Readers):
        self.readers = readers

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        response = next()
        user_id = _reader_of(req.body)
        if user_id:
            self.readers.look_up_later(user_id)
        return response


def _reader_of(body: dict[str, Any]) -> str:
    """Who gets a private answer to this request: the one who typed the command, clicked, submitted, opened
    App Home or shared a file; empty for any other event."""
    if body.get("command"):
        return str(body.get("user_id") or "")
    if body.get("type") in ("block_actions", "view_submission"):
        user = body.get("user")
        return str(user.get("id") or "") if isinstance(user, dict) else ""
    event = body.get("event") if body.get("type") == "event_callback" else None
    if not isinstance(event, dict):
        return ""
    if event.get("type") == "app_home_opened" or (
        event.get("type") == "message" and event.get("subtype") == "file_share"
    ):
        return str(event.get("user") or "")
    if event.get("type") == "file_shared":
        return str(event.get("user_id") or "")
    return ""


def _generic_error(services: Services, body: dict[str, Any]) -> str:
    """The failed command's answer in its reader's language, or English when even that cannot be read (the
    failure may be the database's)."""
    try:
        texts = services.readers.texts(str(body.get("user_id") or ""))
    except Exception:
        texts = Texts.of(DEFAULT_LANGUAGE)
    return texts.text("error.generic")


def _kind_of(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "slash command"
    return str(body.get("type") or body.get("event", {}).get("type") or "request")
