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

from bot import texts
from bot.config import Settings
from bot.platform.metrics import Metrics
from bot.services import Services
from bot.slack.access import SlackAccess
from bot.slack.client import MeteredWebClient
from bot.slack.intake import DeferredClicks, RequireAUser
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
    app.use(DeferredClicks(services.clicks))
    app.use(OurClientForListeners(app.client))
    register_all(app, services)

    @app.error
    def answer_failures(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        logger.error("a listener failed (%s)", _kind_of(body), exc_info=error)
        if body.get("command"):
            # A slash command still gets a clear private answer; its transaction rolled back.
            payload = {"response_type": "ephemeral", "text": texts.text("error.generic")}
            headers: dict[str, str | Sequence[str]] = {"content-type": "application/json"}
            return BoltResponse(status=200, body=json.dumps(payload), headers=headers)
        if isinstance(error, (KeyError, TypeError, AttributeError, ValueError, IndexError)):
            # A body of the wrong shape (Slack never sends one; a forged one might): refused, not a 500.
            return BoltResponse(status=400, body="")
        # For clicks and modals a non-200 makes Slack show its own error and keep what the user typed.
        return None

    return app


def _kind_of(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "slash command"
    return str(body.get("type") or body.get("event", {}).get("type") or "request")
