"""SIGTERM under load: `msi-bot run` as a real process gets signed `/msi status` commands and Mark done
clicks from several threads while Slack fails every chat.postMessage, and is told to stop in the middle.

Every request that got an answer got a whole, well-formed one; the process exits 0 within 10 seconds; the
notifications it could not deliver are still in the database, unclaimed, and a restart on the same database
delivers them.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select, update

from storage.db import Database
from storage.models import OutboxItem, WorkerProcess
from tests.fake_slack import FakeSlack
from tests.flow_helpers import text_of
from tests.harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackSender,
    block_action,
    start_form_values,
    view_submission,
)
from tests.test_cli import bot_env, free_port

THREADS = 6
LOAD_SECONDS = 2.0
SIGTERM_AFTER = 1.2
STOP_WITHIN = 10.0


class BotProcess:
    def __init__(self, tmp_path: Path, database_url: str, fake: FakeSlack, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{name}.log"
        env = bot_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.url,
            DATABASE_URL=database_url,
            HOST="127.0.0.1",
            PORT=str(self.port),
            MSI_WORKING_HOURS="always",
        )
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=tmp_path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the bot did not become healthy: {self.log.read_text()[-2000:]}")

    def terminate(self) -> float:
        """SIGTERM; returns how long the process took to exit (and asserts it exited 0)."""
        signalled = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=STOP_WITHIN + 5)
        took = time.monotonic() - signalled
        assert status == 0, self.log.read_text()[-3000:]
        return took

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.kill()


# ---------------------------------------------------------------- the load


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int | None = None
    problem: str | None = None  # a malformed answer
    failure: str | None = None  # no answer at all: why


def well_formed(kind: str, response: httpx.Response) -> str | None:
    """What is wrong with an answer, or None. httpx has already read the whole body (Content-Length)."""
    if response.status_code not in (200, 401, 413):
        return f"status {response.status_code}"
    if response.status_code == 200 and kind == "status":
        try:
            body = response.json()
        except ValueError:
            return "a status answer that is not JSON"
        if body.get("response_type") != "ephemeral" or not body.get("text"):
            return f"a status answer without its text: {body}"
    elif response.content and "json" in response.headers.get("content-type", ""):
        try:
            json.loads(response.content)
        except ValueError:
            return f"a body that is not the JSON it says it is: {response.content[:100]!r}"
    return None


def done_value(message: dict[str, Any]) -> str:
    return str(
        next(
            element["value"]
            for block in message["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == "msi_step_done"
        )
    )


class Load:
    def __init__(self, base_url: str, step1: dict[str, Any], step6: dict[str, Any], fake: FakeSlack):
        self.base_url = base_url
        # The buttons as first posted: the message loses them once the step is done, the clicks go on.
        self.values = {id(message): done_value(message) for message in (step1, step6)}
        self.requests: list[tuple[str, Callable[[SlackSender], httpx.Response]]] = [
            ("status", lambda s: s.slash("status", channel="C_MKTO")),
            ("status", lambda s: s.slash("status Production", user="U_SFDC", channel="C_SFDC")),
            ("click", lambda s: s.interact(self.click(step1, "U_MKTO"))),
            ("click", lambda s: s.interact(self.click(step6, "U_OTHER"))),
            (
                "oversized",
                lambda s: s.post_raw(
                    urlencode({"command": "/msi", "text": "x" * (1024 * 1024)}),
                    "application/x-www-form-urlencoded",
                ),
            ),
            (
                "unsigned",
                lambda s: s.post_raw(
                    urlencode({"command": "/msi"}), "application/x-www-form-urlencoded", sign=False
                ),
            ),
        ]
        self.fake = fake
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.numbers = itertools.count(1)

    def click(self, message: dict[str, Any], user: str) -> dict[str, Any]:
        return block_action(
            "msi_step_done",
            self.values[id(message)],
            user=user,
            channel=message["channel"],
            message_ts=message["ts"],
            response_url=self.fake.response_url(f"load-{next(self.numbers)}"),
        )

    def run(self, worker: int) -> None:
        refused_in_a_row = 0
        turn = worker
        sender = StreamingSender(self.base_url)
        while not self.stop.is_set() and refused_in_a_row < 5:
            kind, send = self.requests[turn % len(self.requests)]
            turn += 1
            outcome = Outcome(kind, started=time.monotonic(), ended=0.0)
            try:
                response = send(sender)
                outcome.status = response.status_code
                outcome.problem = well_formed(kind, response)
                refused_in_a_row = 0
            except httpx.TransportError as error:
                if sender.head_received:
                    outcome.problem = f"an answer broken after its head: {error!r}"
                else:  # never answered: refused, or reset before a byte of the answer
                    outcome.failure = (
                        "refused" if isinstance(error, httpx.ConnectError) else type(error).__name__
                    )
                    refused_in_a_row += isinstance(error, httpx.ConnectError)
                    time.sleep(0.02)
            except Exception as error:  # the test's own mistake must show, not end the thread quietly
                outcome.problem = f"unexpected {error!r}"
            finally:
                outcome.ended = time.monotonic()
                with self.lock:
                    self.outcomes.append(outcome)
        sender.close()


class StreamingSender(SlackSender):
    """Reads an answer's head and body apart, to tell a request never answered from an answer cut short.

    One connection per request ("Connection: close"): a refused or reset connection then says something
    about that request alone, not about an idle keep-alive connection the server closed."""

    def __init__(self, base_url: str):
        super().__init__(base_url)
        self.http.headers["Connection"] = "close"
        self.head_received = False

    def post_raw(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        sign: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            all_headers["X-Slack-Request-Timestamp"] = stamp
            all_headers["X-Slack-Signature"] = self.verifier.generate_signature(timestamp=stamp, body=body)
        self.head_received = False
        with self.http.stream(
            "POST", f"{self.base_url}/slack/events", content=body.encode("utf-8"), headers=all_headers
        ) as response:
            self.head_received = True
            response.read()
        return response


def pending_items(database_url: str) -> list[OutboxItem]:
    database = Database(database_url)
    try:
        with database.read() as session:
            return list(session.scalars(select(OutboxItem).where(OutboxItem.status == "pending")))
    finally:
        database.dispose()


def registered_processes(database_url: str) -> set[int | None]:
    database = Database(database_url)
    try:
        with database.read() as session:
            return set(session.scalars(select(WorkerProcess.id)))
    finally:
        database.dispose()


def step_message(fake: FakeSlack, number: int, channel: str) -> dict[str, Any] | None:
    for message in fake.posts(channel):
        blocks = message["blocks"] or []
        if (
            blocks
            and blocks[0].get("type") == "header"
            and blocks[0]["text"]["text"].startswith(f"Step {number} ")
        ):
            return message
    return None


def test_sigterm_under_load_answers_what_it_answers_whole_exits_0_and_keeps_undelivered_notifications(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, processes: list[BotProcess]
) -> None:
    fake = fake_slack
    bot = BotProcess(tmp_path, database_url, fake, "first")
    processes.append(bot)
    sender = SlackSender(bot.url)
    response = sender.interact(view_submission("msi_start_rollout", start_form_values()))
    sender.close()
    assert response.status_code == 200 and not response.content, response.text
    step1 = fake.wait_for(lambda: step_message(fake, 1, "C_MKTO"))
    step6 = fake.wait_for(lambda: step_message(fake, 6, "C_SFDC"))
    fake.wait_for(lambda: fake.posts("D_OWNER"))

    # From now on Slack refuses every new message: what the clicks cause must wait in the database.
    fake.fail("chat.postMessage", "500", times=1_000_000)
    load = Load(bot.url, step1, step6, fake)
    threads = [threading.Thread(target=load.run, args=(n,), daemon=True) for n in range(THREADS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(SIGTERM_AFTER)
    signalled = time.monotonic()
    took = bot.terminate()
    time.sleep(max(0.0, began + LOAD_SECONDS - time.monotonic()))
    load.stop.set()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)

    outcomes = load.outcomes
    answered = [o for o in outcomes if o.status is not None]
    summary = Counter(o.failure or o.status for o in outcomes)
    in_flight = [o for o in answered if o.started < signalled < o.ended]
    print(
        f"\n[shutdown] {len(outcomes)} requests: {dict(summary)}; "
        f"{len(in_flight)} in flight at SIGTERM answered; exit after {took:.2f}s"
    )
    after = Counter(o.failure or o.status for o in outcomes if o.started > signalled)
    print(f"[shutdown] sent after the signal: {dict(after)}; threads ran {time.monotonic() - began:.2f}s")
    assert took < STOP_WITHIN
    assert [o.problem for o in outcomes if o.problem] == []
    assert {o.status for o in answered} <= {200, 401, 413}
    assert {o.status for o in answered if o.kind == "unsigned"} <= {401}
    assert {o.status for o in answered if o.kind == "oversized"} <= {413}
    assert len(answered) >= 20  # the load really ran
    assert in_flight, "no request was in flight when the signal came"

    # What Slack refused is still there, waiting, and no stopped worker holds a claim on it.
    left = pending_items(database_url)
    assert left, "nothing was left undelivered"
    # A clean stop removes the process's heartbeat row, so any claim still naming it is free at once.
    assert registered_processes(database_url) == set()
    now = datetime.now(UTC)

    # Slack recovers; the next start delivers. (The back-off those failures earned is not the subject here.)
    fake.failures.clear()
    database = Database(database_url)
    try:
        with database.write() as session:
            session.execute(update(OutboxItem).where(OutboxItem.status == "pending").values(not_before=now))
    finally:
        database.dispose()
    again = BotProcess(tmp_path, database_url, fake, "second")
    processes.append(again)
    step2 = fake.wait_for(lambda: step_message(fake, 2, "C_MKTO"), timeout=20)
    fake.wait_for(lambda: step_message(fake, 2, "C_SFDC"), timeout=20)
    fake.wait_for(lambda: step_message(fake, 3, "C_MKTO"), timeout=20)
    fake.wait_for(lambda: not pending_items(database_url), timeout=20)
    assert "Step 2 of 7" in text_of(step2)
    assert again.terminate() < STOP_WITHIN
