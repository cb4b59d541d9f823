"""A PostgreSQL outage while `msi-bot run` works: the workers wait it out quietly and lose nothing.

The bot reaches PostgreSQL through a TCP proxy on 127.0.0.1 that the test cuts (every connection closed,
new ones refused) and restores, so the outage is real for the bot's driver and harmless for everyone else
using the same server. Bounded: one cut of a few seconds.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _fresh_postgres_database
from tests.fake_slack import FakeSlack
from tests.flow_helpers import is_step_message
from tests.harness import SlackSender, start_form_values, view_submission
from tests.platform.test_shutdown import BotProcess

OUTAGE_SECONDS = 6.0


class CuttableProxy:
    """Forwards 127.0.0.1:port to the database; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.stopped = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up.is_set():
                client.close()  # refused, as a database that is down would
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while not self.stopped.is_set():
                for key, _ in selector.select(timeout=0.2):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            client.close()
            server.close()

    def cut(self) -> None:
        self.up.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, server in pairs:
            for conn in (client, server):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.stopped.set()
        self.cut()
        self.listener.close()


@pytest.fixture
def proxied_postgres() -> Iterator[tuple[str, CuttableProxy]]:
    for url in _fresh_postgres_database():
        parsed = make_url(url)
        proxy = CuttableProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        try:
            yield parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
        finally:
            proxy.close()


def test_a_database_outage_is_logged_once_each_way_and_nothing_is_lost(
    tmp_path: Path, fake_slack: FakeSlack, proxied_postgres: tuple[str, CuttableProxy]
) -> None:
    url, proxy = proxied_postgres
    bot = BotProcess(tmp_path, url, fake_slack, "outage")
    try:
        sender = SlackSender(bot.url)
        # Slack fails the first posts, so the step messages are still in the outbox when the database goes.
        fake_slack.fail("chat.postMessage", "500", times=2)
        answer = sender.interact(view_submission("msi_start_rollout", start_form_values(name="Production")))
        assert answer.status_code == 200 and not answer.content, answer.text
        proxy.cut()
        started = time.monotonic()
        # The probes during the outage: alive, not ready, and saying why.
        assert httpx.get(f"{bot.url}/livez", timeout=5).json() == {"status": "ok"}
        down = httpx.get(f"{bot.url}/readyz", timeout=5)
        assert down.status_code == 503 and down.json()["database"] == "down", down.text
        assert httpx.get(f"{bot.url}/healthz", timeout=5).status_code == 503
        time.sleep(max(OUTAGE_SECONDS - (time.monotonic() - started), 0))
        proxy.restore()
        fake_slack.wait_for(lambda: httpx.get(f"{bot.url}/readyz", timeout=5).status_code == 200, timeout=30)
        fake_slack.wait_for(
            lambda: all(
                any(is_step_message(m, number) for m in fake_slack.posts(channel))
                for number, channel in ((1, "C_MKTO"), (6, "C_SFDC"))
            ),
            timeout=30,
        )
        time.sleep(1.0)
        for number, channel in ((1, "C_MKTO"), (6, "C_SFDC")):
            assert len([m for m in fake_slack.posts(channel) if is_step_message(m, number)]) == 1
        sender.close()
        bot.terminate()
    finally:
        bot.kill()
    log = bot.log.read_text()
    assert log.count("the database is unreachable") == 1, log[-3000:]
    assert log.count("the database is reachable again") == 1, log[-3000:]
    assert log.count("Traceback") <= 2, log[-5000:]
    assert len(log) < 50_000
