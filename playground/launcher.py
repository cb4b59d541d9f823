"""`msi-bot playground`: the real bot, started as `msi-bot run` starts it, against the emulator in the same
process, with settings of its own (a generated token and signing secret, its own SQLite file, reminders
after minutes at any hour unless the environment says otherwise)."""

from __future__ import annotations

import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any, cast

from bot.config import Settings, load_settings
from bot.platform import logs
from bot.runtime import Runtime, freeze_startup_heap, shorten_interpreter_turns
from bot.slack.server import HttpServer
from playground.emulator import Emulator
from playground.limits import POST_BURST, POSTS_PER_SECOND
from playground.slack_side import SlackSide
from playground.workspace import Workspace

DEFAULT_DATABASE = "msi-playground.db"
# Time made visible: a stuck step is reminded of after minutes, whatever the hour (SPEC section 10).
PLAYGROUND_DEFAULTS = {
    "msi_reminder_after": "3m",
    "msi_sweep_every": "15s",
    "msi_working_hours": "always",
    "log_level": "WARNING",
}


def playground_settings(
    api_url: str, file_host: str, database: Path, bot_token: str, secret: str
) -> Settings:
    """The bot's settings for the playground: Slack's side is always the emulator; the MSI_* settings and
    LOG_LEVEL given in the environment or `.env` still win over the playground's defaults."""
    forced: dict[str, Any] = {
        "slack_bot_token": bot_token,
        "slack_signing_secret": secret,
        "slack_app_token": "",
        "slack_api_url": api_url,
        "slack_file_hosts": file_host,
        "database_url": f"sqlite:///{database}",
        "host": "127.0.0.1",
        "port": 0,
    }
    given = load_settings(**forced)
    defaults = {
        name: value for name, value in PLAYGROUND_DEFAULTS.items() if name not in given.model_fields_set
    }
    return load_settings(**forced, **defaults)


class Playground:
    def __init__(
        self,
        *,
        port: int = 0,
        database: str | Path = DEFAULT_DATABASE,
        host: str = "127.0.0.1",
        post_burst: int = POST_BURST,
        posts_per_second: float = POSTS_PER_SECOND,
    ):
        self.database = Path(database).resolve()
        self.bot_token = "xoxb-playground-" + secrets.token_hex(12)
        signing_secret = secrets.token_hex(16)
        # Slack's limit on posting per channel (429 with Retry-After beyond it), which the bot must honour.
        self.workspace = Workspace(
            bot_token=self.bot_token, post_burst=post_burst, posts_per_second=posts_per_second
        )
        self.slack = SlackSide(self.workspace, signing_secret, lambda: self.bot_url)
        self.workspace.emit = self.slack.event
        self.emulator = Emulator(self.workspace, self.slack, self.reset)
        # The page and the emulated Slack are served like the bot: waitress, safe from slow clients.
        self.server = HttpServer(cast(Any, self.emulator), host, port, threads=48)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.workspace.base_url = self.url
        self.settings = playground_settings(
            self.url + "/api/", f"127.0.0.1:{self.server.port}", self.database, self.bot_token, signing_secret
        )
        self.runtime: Runtime | None = None
        self.bot_url = ""
        self._reset_lock = threading.Lock()

    def start(self) -> None:
        self.server.start()
        self._start_bot()

    def _start_bot(self) -> None:
        runtime = Runtime(self.settings)
        self.runtime = runtime
        runtime.start()
        self.bot_url = f"http://127.0.0.1:{runtime.server.port}"

    def reset(self) -> None:
        """A fresh workspace: the bot stopped, its database removed, the emulator's state seeded again, and
        the bot started again on a new database."""
        with self._reset_lock:
            if self.runtime is not None:
                self.runtime.stop()
                self.runtime = None
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.database) + suffix).unlink(missing_ok=True)
            self.workspace.reset()
            self._start_bot()

    def stop(self) -> None:
        self.workspace.close()
        if self.runtime is not None:
            self.runtime.stop()
        self.server.stop()
        self.slack.close()


def run(port: int, database: str) -> int:
    """Runs until SIGTERM or SIGINT, like `msi-bot run`."""
    try:
        playground = Playground(port=port, database=database)
    except OSError as error:
        print(
            f"msi-bot: cannot listen on 127.0.0.1:{port} ({error.strerror}); choose another --port",
            file=sys.stderr,
        )
        return 2
    settings = playground.settings
    logs.configure(settings.log_level, settings.secrets(), log_format=settings.log_format)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        playground.start()
        shorten_interpreter_turns()
        freeze_startup_heap()
        print(f"{playground.url}/", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        playground.stop()
    return 0
