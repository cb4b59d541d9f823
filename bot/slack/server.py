"""The HTTP front door: `POST /slack/events` into Bolt, and the probes (`GET /livez`, `/readyz`, `/healthz`)
and `GET /metrics`, served by waitress.

This layer refuses oversized bodies with 413 before reading them, checks the signature (401 for a missing,
wrong or stale one) before parsing the body, and refuses bodies of an unexpected shape with 400, so none of
them reaches a listener. Bolt's own signature check is off (bot/app.py): each request is checked once.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import waitress.server
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from waitress import wasyncore

from bot.platform import logs
from bot.platform.foreground import Foreground
from bot.platform.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.platform.metrics import Metrics, request_kind
from storage.db import Database, urgent_writes

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
EVENTS_PATH = "/slack/events"
LIVE_PATH = "/livez"
READY_PATH = "/readyz"
HEALTH_PATH = "/healthz"  # an alias of /readyz, for probes configured before /readyz existed
METRICS_PATH = "/metrics"

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
        metrics: Metrics | None = None,
    ):
        if bolt_app is not None and not signing_secret:
            # Bolt's own check is off; without a secret nothing would check who sent a request.
            raise ValueError("the HTTP front door needs the signing secret to serve Slack's requests")
        self.bolt_app = bolt_app
        self.database = database
        self.max_body = max_body
        self.foreground = foreground or Foreground()
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.metrics = metrics
        # Why the bot cannot do its work right now (Socket Mode not connected, a worker stopped, the
        # outbox stuck, the schema behind…), or None; checked after the database answered.
        self.readiness: Callable[[], str | None] | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in (LIVE_PATH, READY_PATH, HEALTH_PATH, METRICS_PATH):
            if method not in ("GET", "HEAD"):
                return _reply(start_response, "405 Method Not Allowed", {"error": "method not allowed"})
            if path == LIVE_PATH:
                # The process answers: nothing else is checked, so a database blip restarts nobody.
                return _reply(start_response, "200 OK", {"status": "ok"})
            if path == METRICS_PATH:
                return self._metrics(start_response)
            return self._ready(start_response)
        if path != EVENTS_PATH or self.bolt_app is None:
            return _reply(start_response, "404 Not Found", {"error": "not found"})
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", {"error": "method not allowed"})
        arrived = time.perf_counter()
        with self.foreground.request(), urgent_writes():
            kind, status, reply = self._dispatch(environ, start_response)
        if self.metrics is not None:
            self.metrics.requests.labels(kind, str(status)).inc()
            if status < 400:
                self.metrics.ack_seconds.labels(kind).observe(time.perf_counter() - arrived)
        return reply

    def _ready(self, start_response: StartResponse) -> list[bytes]:
        if not self.database.ping():
            return _reply(
                start_response,
                "503 Service Unavailable",
                {"status": "unavailable", "database": "down", "reason": "the database does not answer"},
            )
        not_ready = self.readiness() if self.readiness is not None else None
        if not_ready is not None:
            return _reply(
                start_response, "503 Service Unavailable", {"status": "unavailable", "reason": not_ready}
            )
        return _reply(start_response, "200 OK", {"status": "ok"})

    def _metrics(self, start_response: StartResponse) -> list[bytes]:
        if self.metrics is None:
            return _reply(start_response, "404 Not Found", {"error": "not found"})
        payload = self.metrics.exposition()
        start_response(
            "200 OK", [("Content-Type", METRICS_CONTENT_TYPE), ("Content-Length", str(len(payload)))]
        )
        return [payload]

    def _signed(self, body: str, headers: dict[str, str | Sequence[str]]) -> bool:
        if self.verifier is None:
            return False
        timestamp = str(headers.get("x-slack-request-timestamp", ""))
        signature = str(headers.get("x-slack-signature", ""))
        if not _TIMESTAMP.fullmatch(timestamp) or not signature:
            return False
        return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)

    def _dispatch(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> tuple[str, int, Iterable[bytes]]:
        """The request's kind (for metrics; "unverified" until its signature is checked), the status
        answered, and the answer."""
        assert self.bolt_app is not None
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return (
                "unverified",
                400,
                _reply(start_response, "400 Bad Request", {"error": "bad content length"}),
            )
        if declared > self.max_body:
            return "unverified", 413, _too_large(start_response)
        stream = environ["wsgi.input"]
        raw = stream.read(declared) if declared else stream.read(self.max_body + 1)
        if len(raw) > self.max_body:
            return "unverified", 413, _too_large(start_response)
        body = raw.decode("utf-8", errors="replace")
        headers = _headers(environ)
        if not self._signed(body, headers):
            # Checked before Bolt parses the body, so nothing unsigned is even read.
            return "unverified", 401, _reply(start_response, "401 Unauthorized", {"error": "invalid request"})
        try:
            request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError):
            logger.warning("a signed request with a malformed body was refused")
            return "other", 400, _reply(start_response, "400 Bad Request", {"error": "malformed request"})
        kind = request_kind(request.body)
        if not well_formed(request.body):
            logger.warning("a signed request of an unexpected shape was refused")
            return kind, 400, _reply(start_response, "400 Bad Request", {"error": "malformed request"})
        with logs.context(kind=kind):
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
        return kind, response.status, [payload]


def _too_large(start_response: StartResponse) -> list[bytes]:
    return _reply(start_response, "413 Payload Too Large", {"error": "payload too large"})


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
    """waitress in a background thread, so the main thread can wait for signals and stop it cleanly.

    waitress reads every request whole in one event loop (asyncore over poll(), so thousands of sockets are
    fine) and only then hands it to a worker thread: idle, half-sent or trickling connections cost a buffer,
    never a thread, so they cannot hold up anyone else's acknowledgement. Oversized bodies, with a
    Content-Length or chunked, are refused with 413 as soon as the limit is passed, without reading on.
    """

    def __init__(
        self,
        wsgi_app: SlackWsgiApp,
        host: str,
        port: int,
        *,
        threads: int = 32,
        connection_limit: int = 2000,
        idle_timeout: int = 30,
    ):
        with warnings.catch_warnings():
            # send_bytes is deprecated in waitress 3 but still honoured; dropping it costs the ack latency
            # measured in bench/README.md, so it stays until waitress offers another way.
            warnings.filterwarnings("ignore", "send_bytes", DeprecationWarning)
            self.server = self._create(wsgi_app, host, port, threads, connection_limit, idle_timeout)
        self.wsgi_app = wsgi_app
        self._map = self.server._map  # the event loop's sockets: the listener, its trigger, the channels
        self._draining = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _create(
        wsgi_app: SlackWsgiApp, host: str, port: int, threads: int, connection_limit: int, idle_timeout: int
    ) -> Any:
        return waitress.server.create_server(
            wsgi_app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=connection_limit,
            # A connection with no traffic for this long is closed, even half way through a request.
            channel_timeout=idle_timeout,
            cleanup_interval=max(1, idle_timeout // 3),
            # waitress refuses a body of max_request_body_size bytes or more; ours refuses only more.
            max_request_body_size=wsgi_app.max_body + 1,
            max_request_header_size=64 * 1024,
            # poll(), not select(): select() cannot watch file descriptors above 1024.
            asyncore_use_poll=True,
            # An answer is sent by the worker thread that made it, at once: waiting for the event loop's
            # thread to take the GIL back from the background workers cost acknowledgements milliseconds.
            send_bytes=1,
            asyncore_loop_timeout=0.2,
            backlog=1024,
            ident="msi-bot",
            clear_untrusted_proxy_headers=True,
        )

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> None:
        # create_server has bound the socket: a taken port fails at construction, and port 0 is resolved.
        self._thread = threading.Thread(target=self._serve, name="http-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._draining.is_set():
            wasyncore.loop(timeout=0.2, map=self._map, use_poll=True, count=1)
        # Draining: no new connections; requests already read are answered and their answers flushed.
        self.server.accepting = False
        self.server.del_channel()
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and any(_busy(channel) for channel in list(self._map.values())):
            wasyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)
        for channel in list(self._map.values()):
            if channel is not self.server:
                channel.close()
        self.server.socket.close()

    def stop(self) -> None:
        """Stop accepting, let requests already read finish (up to DRAIN_SECONDS), close the rest, return."""
        self._draining.set()
        if self._thread is not None:
            self._thread.join(timeout=DRAIN_SECONDS + 2)
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=2)


# How long SIGTERM waits for requests in flight; with the workers' and scheduler's stops, within SPEC's 10 s.
DRAIN_SECONDS = 5.0


def _busy(channel: Any) -> bool:
    """A connection with a request read and not yet fully answered (idle and half-sent ones are not busy)."""
    return bool(getattr(channel, "requests", None)) or bool(getattr(channel, "total_outbufs_len", 0))
