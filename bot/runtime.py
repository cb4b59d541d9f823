"""Assembles and runs the bot: settings → database → app → outbox worker → scheduler → server."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient as SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app import build_app, slack_client
from bot.config import Settings
from bot.platform import logs, outbox, readiness
from bot.platform.foreground import Foreground
from bot.platform.metrics import Metrics, request_kind
from bot.platform.outbox import OutboxWorker
from bot.reminders import housekeeping
from bot.services import Clock, build_services, utc_now
from bot.slack.server import HttpServer, SlackWsgiApp
from bot.uploads.service import ImportWorker
from storage import migrate
from storage.db import Database

logger = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        worker_options: dict[str, Any] | None = None,
        importer_options: dict[str, Any] | None = None,
    ):
        self.settings = settings
        self.clock = clock
        self.database = Database(settings.database_url)
        # Requests in flight, which the background workers let go first (see bot/foreground.py).
        self.foreground = Foreground()
        migrate.upgrade(self.database)
        self._schema_head = migrate.head()
        self.services = build_services(
            settings,
            self.database,
            clock=clock,
            foreground=self.foreground,
            slack_client=lambda **options: slack_client(settings, **options),
        )
        self.clicks = self.services.clicks
        self.reminders = self.services.reminders
        self.app = build_app(settings, self.services)
        self.worker = OutboxWorker(
            self.database,
            slack_client(settings, metrics=self.services.metrics, access=self.services.slack_access),
            clock=clock,
            foreground=self.foreground,
            liveness=self.services.liveness,
            access=self.services.slack_access,
            producers=self.services.producers,
            **(worker_options or {}),
        )
        self.database.on_commit(self.worker.wake, marked=outbox.QUEUED)
        self.importer = ImportWorker(
            self.services.uploads, wake_event=self.services.upload_arrived, **(importer_options or {})
        )
        self.scheduler = BackgroundScheduler(timezone="UTC")
        housekeeping.schedule(
            self.scheduler,
            self.database,
            clock,
            self.services.uploads,
            records=self.services.records,
            retention=settings.msi_retention,
        )
        self.reminders.schedule(self.scheduler, settings.msi_sweep_every)
        self.services.groups.schedule(self.scheduler, self.database)
        wsgi_app = SlackWsgiApp(
            None if settings.socket_mode else self.app,
            self.database,
            signing_secret=settings.slack_signing_secret.get_secret_value()
            if settings.slack_signing_secret
            else None,
            foreground=self.foreground,
            metrics=self.services.metrics,
        )
        self._stopping = threading.Event()
        self.socket_mode = (
            SocketModeConnection(
                self.app,
                settings.slack_app_token.get_secret_value(),
                self._stopping,
                metrics=self.services.metrics,
            )
            if settings.socket_mode and settings.slack_app_token is not None
            else None
        )
        wsgi_app.readiness = self.not_ready
        self.server = HttpServer(wsgi_app, settings.host, settings.port)

    def start(self) -> None:
        self.services.liveness.start()  # registered before any worker claims
        self.worker.start()
        self.clicks.start()
        self.importer.start()
        self.scheduler.start()
        self.server.start()
        if self.socket_mode is not None:
            self.socket_mode.start()
            logger.info("msi-bot connecting in Socket Mode; health check on port %s", self.server.port)
        else:
            logger.info("msi-bot listening on %s:%s", self.settings.host, self.server.port)

    def not_ready(self) -> str | None:
        """Why this process cannot do its work now, for /readyz (None: ready). The database answered."""
        if self.socket_mode is not None:
            reason = self.socket_mode.not_ready()
            if reason is not None:
                return reason
        refused = self.services.slack_access.not_ready()
        if refused is not None:
            return refused
        for name, worker in (("outbox", self.worker), ("click", self.clicks), ("import", self.importer)):
            if not worker.alive:
                return f"the {name} worker is not running"
        if not self.scheduler.running:
            return "the scheduler is not running"
        if not self.services.liveness.beating:
            return "this process's heartbeat is stale"
        return readiness.not_ready(self.database, self.clock(), schema_head=self._schema_head)

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if signum is not None:
            logger.info("received %s; stopping", signal.Signals(signum).name)
        self._stopping.set()

    def wait(self) -> None:
        while not self._stopping.wait(0.5):
            pass

    def stop(self) -> None:
        """Finish in-flight requests, stop background work, leave undelivered items in the database."""
        self._stopping.set()
        if self.socket_mode is not None:
            self.socket_mode.close()
        self.server.stop()
        self.scheduler.shutdown(wait=False)
        self.importer.stop(timeout=2)
        self.clicks.stop(timeout=2)
        self.worker.stop(timeout=3)
        # After the workers: what they still hold is free for the next process at once, not in seconds.
        self.services.liveness.stop()
        self.services.close()
        self.database.dispose()
        logger.info("msi-bot stopped")


class MeteredSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, counting each request and its acknowledgement's time as the HTTP front
    door does, and logging within the request's kind."""

    def __init__(self, app: Any, app_token: str, *, metrics: Metrics | None) -> None:
        super().__init__(app, app_token)
        self.metrics = metrics

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        arrived = time.perf_counter()
        kind = request_kind(req.payload)
        with logs.context(kind=kind):
            response = run_bolt_app(self.app, req)
            send_response(client, req, response, time.time())
        if self.metrics is not None:
            self.metrics.requests.labels(kind, str(response.status)).inc()
            if response.status < 400:
                self.metrics.ack_seconds.labels(kind).observe(time.perf_counter() - arrived)


class SocketModeConnection:
    """Socket Mode, connected in a thread of its own so that a bad app token or no network never holds up
    start-up or SIGTERM: it retries with a capped back-off, says why once per distinct reason, and reports
    itself not ready (`/healthz` 503) until connected."""

    FIRST_WAIT = 1.0
    MAX_WAIT = 60.0

    def __init__(self, app: Any, app_token: str, stopping: threading.Event, metrics: Metrics | None = None):
        self.handler = MeteredSocketModeHandler(app, app_token, metrics=metrics)
        # slack_sdk logs an ERROR per failed attempt; the reason is reported here, once per distinct reason.
        self.handler.client.logger.addFilter(_drop_reported_failures)
        self._stopping = stopping
        self._thread: threading.Thread | None = None
        self.reason = "socket mode not connected: connecting"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._connect, name="socket-mode", daemon=True)
        self._thread.start()

    def _connect(self) -> None:
        wait = self.FIRST_WAIT
        reported = ""
        while not self._stopping.is_set():
            try:
                self.handler.connect()
            except Exception as error:
                reason = _connection_failure(error)
                if reason != reported:
                    logger.warning(
                        "Socket Mode could not connect (%s); retrying with back-off up to %.0f s. "
                        "Check SLACK_APP_TOKEN (an app-level token with connections:write) and the network.",
                        reason,
                        self.MAX_WAIT,
                    )
                    reported = reason
                self.reason = f"socket mode not connected: {reason}"
                self._stopping.wait(wait)
                wait = min(wait * 2, self.MAX_WAIT)
                continue
            # From here slack_sdk's own monitor keeps the WebSocket up and reconnects it when it drops.
            self.reason = "socket mode not connected: the WebSocket is not open yet"
            if reported:
                logger.warning("Socket Mode got a connection URL after earlier failures")
            else:
                logger.info("Socket Mode got a connection URL")
            return

    def not_ready(self) -> str | None:
        """Why the bot cannot take Slack's requests now, or None once Socket Mode is connected."""
        return None if self.handler.client.is_connected() else self.reason

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=3)
        self.handler.close()


def _drop_reported_failures(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Failed to retrieve WSS URL")


def _connection_failure(error: Exception) -> str:
    """A short reason without secrets: Slack's error code, or the kind of network failure."""
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "get"):
        return str(response.get("error") or "slack_error")
    return type(error).__name__


def freeze_startup_heap() -> None:
    """Once per process, right after start: leave everything built so far (modules, the Bolt app, SQLAlchemy's
    mappers) out of the cycle collector's full passes, which then scan only what came after. Reading a 5 MB
    CSV allocates enough to set off several full passes; over the whole start-up heap they made the preview
    about a quarter slower (bench/README.md). Not for tests, which build many bots in one process."""
    gc.collect()  # garbage left by start-up is freed, not frozen
    gc.freeze()


# How long a thread may keep the interpreter lock while others wait for it (CPython's default: 5 ms).
SWITCH_INTERVAL = 0.001


def shorten_interpreter_turns() -> None:
    """Once per process: hand the interpreter lock over every millisecond instead of every 5. A request
    thread that holds SQLite's write lock gives up the interpreter lock while SQLite commits, and then
    waited up to a full turn of every other busy thread to get it back and let the next writer in; under a
    burst of clicks that wait was most of the acknowledgement's p99 (bench/README.md, 2026-12-02)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def run(settings: Settings) -> int:
    runtime = Runtime(settings)
    signal.signal(signal.SIGTERM, runtime.request_stop)
    signal.signal(signal.SIGINT, runtime.request_stop)
    try:
        # Inside the try: whatever happens while starting, SIGTERM and errors still stop everything.
        runtime.start()
        shorten_interpreter_turns()
        freeze_startup_heap()
        runtime.wait()
    finally:
        runtime.stop()
    return 0
