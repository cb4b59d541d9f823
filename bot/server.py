"""The HTTP front door: `POST /slack/events` into Bolt, `GET /healthz`, served by cheroot's thread pool.

Bolt checks the signature (401 for a missing, wrong or stale one); this layer refuses oversized bodies with
413 before reading them, so neither reaches a listener.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cheroot import wsgi
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.foreground import Foreground
from storage.db import Database, urgent_writes

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def _headers(environ: dict[str, Any]) -> dict[str, str | Sequence[str]]:
    headers: dict[str, str | Sequence[str]] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    return headers


class SlackWsgiApp:
    """The WSGI application: routing, body limit, health check, and Bolt dispatch."""

    def __init__(
        self,
        bolt_app: App | None,
        database: Database,
        *,
        max_body: int = MAX_BODY_BYTES,
        signing_secret: str | None = None,
        foreground: Foreground | None = None,
        intake: Callable[[dict[str, Any]], bool] | None = None,
    ):
        self.bolt_app = bolt_app
        # Answers a signed request before Bolt when it returns True (bot.clicks.ClickQueue.intake). Only used
        # when this layer checks signatures itself, so nothing unsigned ever skips Bolt's own check.
        self.intake = intake if signing_secret else None
        self.database = database
        self.max_body = max_body
        self.foreground = foreground or Foreground()
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return _reply(start_response, "405 Method Not Allowed", {"error": "method not allowed"})
            if self.database.ping():
                return _reply(start_response, "200 OK", {"status": "ok"})
            return _reply(
                start_response, "503 Service Unavailable", {"status": "unavailable", "database": "down"}
            )
        if path != EVENTS_PATH or self.bolt_app is None:
            return _reply(start_response, "404 Not Found", {"error": "not found"})
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", {"error": "method not allowed"})
        with self.foreground.request(), urgent_writes():
            return self._dispatch(environ, start_response)

    def _signed(self, body: str, headers: dict[str, str | Sequence[str]]) -> bool:
        assert self.verifier is not None
        timestamp = str(headers.get("x-slack-request-timestamp", ""))
        signature = str(headers.get("x-slack-signature", ""))
        if not _TIMESTAMP.fullmatch(timestamp) or not signature:
            return False
        return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)

    def _dispatch(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        assert self.bolt_app is not None
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", {"error": "bad content length"})
        if declared > self.max_body:
            return _reply(start_response, "413 Payload Too Large", {"error": "payload too large"})
        stream = environ["wsgi.input"]
        raw = stream.read(declared) if declared else stream.read(self.max_body + 1)
        if len(raw) > self.max_body:
            return _reply(start_response, "413 Payload Too Large", {"error": "payload too large"})
        body = raw.decode("utf-8", errors="replace")
        headers = _headers(environ)
        if self.verifier is not None and not self._signed(body, headers):
            # Checked before Bolt parses the body, so nothing unsigned is even read.
            return _reply(start_response, "401 Unauthorized", {"error": "invalid request"})
        try:
            request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError):
            logger.warning("a signed request with a malformed body was refused")
            return _reply(start_response, "400 Bad Request", {"error": "malformed request"})
        if not well_formed(request.body):
            logger.warning("a signed request of an unexpected shape was refused")
            return _reply(start_response, "400 Bad Request", {"error": "malformed request"})
        if self.intake is not None:
            try:
                taken = self.intake(request.body)
            except Exception:
                # As a failing Bolt listener would: a 500, so Slack tells the person the click did not work.
                logger.exception("storing a click failed")
                return _reply(start_response, "500 Internal Server Error", {"error": "internal error"})
            if taken:
                start_response("200 OK", [("Content-Type", _ACK_TYPE), ("Content-Length", "0")])
                return [b""]
        response = self.bolt_app.dispatch(request)
        payload = (response.body or "").encode("utf-8")
        reply_headers = [
            (name, value)
            for name, values in response.headers.items()
            for value in values
            if name.lower() != "content-length"
        ]
        reply_headers.append(("Content-Length", str(len(payload))))
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", reply_headers)
        return [payload]


# What Bolt answers for a bare ack().
_ACK_TYPE = "text/plain;charset=utf-8"

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    500: "Internal Server Error",
}


def well_formed(body: object) -> bool:
    """The fields Bolt's routing reads without checking, present with the right types.

    Slack never sends anything else; a signed request that does is refused with 400 rather than failing
    inside Bolt with a 500.
    """
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    if kind in ("block_actions", "view_submission", "view_closed", "shortcut", "message_action"):
        user = body.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            return False
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id", ""), str):
            return False
        state = view.get("state", {})
        if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
            return False
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not all(
            isinstance(action, dict) and isinstance(action.get("action_id", ""), str) for action in actions
        ):
            return False
    return not (kind == "event_callback" and not isinstance(body.get("event"), dict))


_TIMESTAMP = re.compile(r"\d{1,12}")


class HttpServer:
    """cheroot in a background thread, so the main thread can wait for signals and stop it cleanly."""

    def __init__(self, wsgi_app: SlackWsgiApp, host: str, port: int, *, threads: int = 32):
        self.server = wsgi.Server(
            (host, port),
            wsgi_app,
            numthreads=threads,
            request_queue_size=128,
            timeout=10,
            shutdown_timeout=5,
            server_name="msi-bot",
        )
        self.server.max_request_body_size = wsgi_app.max_body
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.bind_addr[1])

    def start(self) -> None:
        self.server.prepare()  # binds now, so a taken port fails at start and port 0 is resolved
        self._thread = threading.Thread(target=self.server.serve, name="http-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, let in-flight requests finish (up to the shutdown timeout), then return."""
        self.server.stop()
        if self._thread is not None:
            self._thread.join(timeout=6)
