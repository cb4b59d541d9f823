"""Chaos: a whole rollout driven over HTTP while the fake Slack fails about a third of its Web API calls.

Failures are drawn at random but seeded (per method and per call number, so the draw does not depend on how
threads interleave): 429 with Retry-After 1, 500, a connection dropped before the call is applied ("drop")
and one dropped after it was applied ("drop_after": Slack did it, the bot never heard). Nothing may be lost:
every step message, approval request, batch task, file and notification eventually reaches Slack in its
latest form. A kept message may only appear twice where a "drop_after" swallowed the answer of its
chat.postMessage; the bot marks its posts with metadata and looks for an earlier attempt before posting
again (SPEC: "record a marker such as message metadata and check before re-posting").
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.platform import outbox
from storage.models import OutboxItem, SlackMessage, Step
from tests.conftest import RunningBot, _fresh_postgres_database
from tests.fake_slack import Failure, FakeSlack
from tests.harness import block_action, start_form_values, view_submission

SEED = 20_240_808
FAILURE_RATE = 1 / 3
CHAOS_KINDS = ("429", "500", "drop", "drop_after")
# Bolt calls auth.test once, on the first request, to learn the bot's user id: a failure there is Bolt's
# own business (it answers "please install this app"), not the outbox's.
EXEMPT = frozenset({"auth.test"})
WAIT = 45.0  # seconds for one thing to show up in Slack while a third of the calls fail

_clicks = itertools.count(1)

# ---------------------------------------------------------------- a fake Slack that fails at random


class _ChaosFailures(dict[str, list[Failure]]):
    """The fake's failure queues, plus a seeded random failure for calls nobody queued one for.

    The fake's request handler calls `get(method)` once per Web API call (under its lock) and then pops the
    first entry; this records which failure that call got, so a lost answer can be traced to its message.
    """

    def __init__(self, fake: ChaosSlack, seed: int, rate: float, exempt: frozenset[str]):
        super().__init__()
        self.fake = fake
        self.seed = seed
        self.rate = rate
        self.exempt = exempt
        self.enabled = False
        self.numbers: Counter[str] = Counter()

    def get(self, method: str, default: Any = None) -> Any:  # type: ignore[override]
        queued = super().get(method)
        chosen: Failure | None = None
        result: Any = default
        if queued:
            chosen, result = queued[0], queued
        elif self.enabled and method not in self.exempt:
            number = self.numbers[method]
            self.numbers[method] += 1
            draw = random.Random(f"{self.seed}:{method}:{number}")
            if draw.random() < self.rate:
                chosen = Failure(draw.choice(CHAOS_KINDS), retry_after=1)
                result = [chosen]
        self.fake.local.failure = chosen
        self.fake.draws.append((method, chosen.kind if chosen is not None else "ok"))
        if chosen is not None:
            self.fake.injected.append((method, chosen.kind))
        return result


class ChaosSlack(FakeSlack):
    def __init__(self, seed: int = SEED, rate: float = FAILURE_RATE, exempt: frozenset[str] = EXEMPT):
        super().__init__()
        self.local = threading.local()
        self.injected: list[tuple[str, str]] = []
        self.draws: list[tuple[str, str]] = []  # every Web API call in order, with what it got
        # Calls Slack applied but whose answer was dropped: (method, what Slack answered).
        self.lost_answers: list[tuple[str, dict[str, Any]]] = []
        self.chaos = _ChaosFailures(self, seed, rate, exempt)
        self.failures = self.chaos

    def handle(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        result = super().handle(method, params)
        failure = getattr(self.local, "failure", None)
        if failure is not None and failure.kind == "drop_after":
            self.lost_answers.append((method, result))
        return result

    def lost_posts(self) -> set[tuple[str, str]]:
        """(channel, ts) of every message Slack posted while the bot never heard it had."""
        with self.lock:
            return {
                (str(result["channel"]), str(result["ts"]))
                for method, result in self.lost_answers
                if method == "chat.postMessage" and result.get("ok")
            }


def people(fake: FakeSlack) -> None:
    fake.add_channel("C_MKTO", members=["U_OWNER", "U_MKTO"])
    fake.add_channel("C_SFDC", members=["U_SFDC"])
    for user in ("U_OWNER", "U_MKTO", "U_MKTO2", "U_SFDC", "U_SFDC2", "U_OTHER"):
        fake.add_user(user)


@pytest.fixture
def chaos_slack() -> Iterator[ChaosSlack]:
    fake = ChaosSlack().start()
    people(fake)
    yield fake
    fake.stop()


# ---------------------------------------------------------------- reading what Slack shows


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + (message.get("text") or "")


def tracked(bot: RunningBot) -> set[tuple[str, str]]:
    """(channel, ts) of every message the bot keeps up to date, as its database knows them."""
    with bot.database.read() as session:
        return {
            (m.posted_channel or m.channel_id, m.ts)
            for m in session.scalars(select(SlackMessage))
            if m.ts is not None
        }


def shown(
    bot: RunningBot, channel: str, predicate: Callable[[dict[str, Any]], bool]
) -> dict[str, Any] | None:
    """The message the bot keeps in `channel` that matches: the copy its database points at."""
    keys = tracked(bot)
    for message in bot.fake.posts(channel):
        if message["thread_ts"] is None and (channel, message["ts"]) in keys and predicate(message):
            return message
    return None


def header(message: dict[str, Any]) -> str:
    blocks = message.get("blocks") or []
    if blocks and blocks[0].get("type") == "header":
        return str(blocks[0]["text"]["text"])
    return ""


def wait_shown(
    bot: RunningBot, channel: str, predicate: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = shown(bot, channel, predicate)
        if found is not None:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} never showed in {channel}")


def wait_text(bot: RunningBot, message: dict[str, Any], wanted: str) -> None:
    bot.fake.wait_for(lambda: wanted in text_of(message), timeout=WAIT)


def step_in(bot: RunningBot, number: int, channel: str) -> dict[str, Any]:
    return wait_shown(bot, channel, lambda m: header(m).startswith(f"Step {number} of 7"), f"step {number}")


def approval_in(bot: RunningBot, subject: str) -> dict[str, Any]:
    return wait_shown(
        bot,
        "C_SFDC",
        lambda m: header(m) == "Approval needed" and subject in text_of(m),
        f"the approval request for {subject}",
    )


def click(bot: RunningBot, message: dict[str, Any], action_id: str, user: str) -> str:
    button = next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element.get("action_id") == action_id
    )
    response_url = bot.fake.response_url(f"chaos-{next(_clicks)}")
    payload = block_action(
        action_id,
        button["value"],
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
        response_url=response_url,
    )
    response = bot.slack.interact(payload)
    assert response.status_code == 200, response.text
    return response_url


def step_states(bot: RunningBot) -> dict[int, str]:
    with bot.database.read() as session:
        return {step.number: step.state for step in session.scalars(select(Step))}


def finish(bot: RunningBot, number: int, channel: str, user: str) -> dict[str, Any]:
    message = step_in(bot, number, channel)
    click(bot, message, "msi_step_done", user)
    wait_text(bot, message, "Done by")
    return message


def start_rollout(bot: RunningBot) -> None:
    """Submit the Start form; a channel check Slack failed is refused beside the field, so submit again."""
    for _attempt in range(15):
        response = bot.slack.interact(view_submission("msi_start_rollout", start_form_values()))
        assert response.status_code == 200, response.text
        if not response.content:
            return
        errors = response.json().get("errors", {})
        assert set(errors) <= {"marketo_channel", "salesforce_channel"}, errors
    raise AssertionError("the rollout never started")


def wait_settled(bot: RunningBot, timeout: float = 60.0) -> None:
    """Every outbox item delivered or ended (back-off makes the last ones take a few seconds)."""

    def settled() -> bool:
        with bot.database.read() as session:
            return all(item.status != "pending" for item in session.scalars(select(OutboxItem)))

    bot.fake.wait_for(settled, timeout=timeout, interval=0.1)


# ---------------------------------------------------------------- what arrived, what arrived twice


@dataclass
class Delivery:
    """What the database asked for against what the fake Slack shows."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    kept_copies: dict[str, int] = field(default_factory=dict)  # kept message -> copies posted
    orphans: list[tuple[str, str]] = field(default_factory=list)  # extra copies of kept messages
    notice_copies: dict[str, int] = field(default_factory=dict)  # one-off notice -> copies posted
    upload_copies: dict[str, int] = field(default_factory=dict)
    dead: list[str] = field(default_factory=list)

    @property
    def kept_duplicates(self) -> int:
        return sum(count - 1 for count in self.kept_copies.values() if count > 1)

    @property
    def notice_duplicates(self) -> int:
        return sum(count - 1 for count in self.notice_copies.values() if count > 1)

    @property
    def upload_duplicates(self) -> int:
        return sum(count - 1 for count in self.upload_copies.values() if count > 1)


def identity(text: str) -> str:
    """What a kept message is about, whatever state it shows: its text up to the first " (" (the state)."""
    return text.split(" (", 1)[0]


def direct_channel(target: str) -> str:
    return "D" + target[1:] if target.startswith(("U", "W")) else target


def delivery(bot: RunningBot) -> Delivery:
    fake = bot.fake
    report = Delivery()
    with bot.database.read() as session:
        kept = list(session.scalars(select(SlackMessage)))
        items = list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    by_id = {message.id: message for message in kept}
    top_level = [m for m in fake.posts() if m["thread_ts"] is None]
    for message in kept:
        name = f"{message.purpose}@{message.channel_id}"
        if message.gone:
            continue
        channel = message.posted_channel or direct_channel(message.channel_id)
        showing = fake.messages.get((channel, message.ts or ""))
        if showing is None:
            report.missing.append(name)
            continue
        if showing["text"] != message.text or showing["blocks"] != message.blocks:
            report.stale.append(name)
        copies = [
            m
            for m in top_level
            if m["channel"] == channel and identity(m["text"] or "") == identity(message.text)
        ]
        report.kept_copies[name] = len(copies)
        report.orphans += [(m["channel"], m["ts"]) for m in copies if m["ts"] != message.ts]
    notices: dict[tuple[str, str | None, str], list[int]] = {}
    for item in items:
        if item.status == "dead":
            report.dead.append(f"{item.kind} {item.target}: {item.last_error}")
        if item.kind == "post":
            parent = by_id.get(item.message_id) if item.message_id is not None else None
            if parent is not None:
                where = (parent.posted_channel or direct_channel(parent.channel_id), parent.ts)
            else:
                where = (direct_channel(str(item.payload["channel"])), None)
            notices.setdefault((*where, str(item.payload["text"])), []).append(item.id or 0)
        elif item.kind == "respond":
            path = "/" + str(item.payload["url"]).split("127.0.0.1:", 1)[1].split("/", 1)[1]
            answers = [r for r in fake.responses if r["path"] == path]
            if not [r for r in answers if r["body"].get("text") == item.payload["text"]]:
                report.missing.append(f"private answer {item.id}")
        elif item.kind == "upload":
            parent = by_id.get(item.message_id) if item.message_id is not None else None
            copies = [
                u
                for u in fake.completed_uploads()
                if u["filename"] == item.payload["filename"]
                and (parent is None or u["thread_ts"] == parent.ts)
            ]
            name = f"file {item.payload['filename']}"
            report.upload_copies[name] = len(copies)
            if not copies:
                report.missing.append(name)
    # The same words to the same place may legitimately be asked for more than once: compare counts.
    for (channel, thread, text), asked in notices.items():
        copies = [m for m in fake.posts(channel) if m["thread_ts"] == thread and m["text"] == text]
        name = f"notice {asked} to {channel}" + (f" in thread {thread}" if thread else "")
        report.notice_copies[name] = len(copies) - len(asked) + 1
        if len(copies) < len(asked):
            report.missing.append(name)
    return report


# ---------------------------------------------------------------- the whole rollout, under chaos


@dataclass
class ChaosRun:
    bot: RunningBot
    fake: ChaosSlack
    seconds: float
    report: Delivery


def invite_and_approve_a_batch(bot: RunningBot) -> None:
    response = bot.slack.slash("invite ana@example.com ben@example.com", user="U_MKTO", channel="C_MKTO")
    assert response.status_code == 200
    assert "Batch #1" in response.json()["text"], response.text
    batch_request = approval_in(bot, "Invitations batch #1")
    click(bot, batch_request, "msi_approval_approve", "U_SFDC")
    wait_text(bot, batch_request, "Approved by <@U_SFDC>")


def walk_to_step_5(bot: RunningBot) -> None:
    """Steps 1, 6, 2, 3 done; step 4 asked, approved and done."""
    finish(bot, 1, "C_MKTO", "U_MKTO")
    finish(bot, 6, "C_SFDC", "U_SFDC")
    copy_marketo = step_in(bot, 2, "C_MKTO")
    finish(bot, 2, "C_SFDC", "U_SFDC")
    wait_text(bot, copy_marketo, "Done by <@U_SFDC>")
    finish(bot, 3, "C_MKTO", "U_MKTO")
    step4 = step_in(bot, 4, "C_MKTO")
    click(bot, step4, "msi_step_done", "U_MKTO")
    step4_request = approval_in(bot, "Step 4 of 7")
    click(bot, step4_request, "msi_approval_approve", "U_SFDC")
    wait_text(bot, step4_request, "Approved by <@U_SFDC>")
    wait_text(bot, step4, "Approved by <@U_SFDC>")
    finish(bot, 4, "C_MKTO", "U_MKTO")


def batch_task(bot: RunningBot) -> dict[str, Any]:
    return wait_shown(bot, "C_MKTO", lambda m: header(m).startswith("Invite 2 people"), "the batch task")


def upload_waiting(bot: RunningBot) -> bool:
    """The file for the task's thread is queued and not being sent this very moment."""
    with bot.database.read() as session:
        return any(
            item.claimed_by is None
            for item in session.scalars(
                select(OutboxItem).where(OutboxItem.kind == "upload", OutboxItem.status == "pending")
            )
        )


def files_in_thread(fake: FakeSlack, message: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for u in fake.completed_uploads() if u["thread_ts"] == message["ts"]]


def drive_a_whole_rollout(bot: RunningBot, fake: ChaosSlack) -> None:
    start_rollout(bot)
    wait_settled(bot)
    # One fault combination on purpose, so the gap it shows does not depend on the draw: the answer of the
    # next post (the batch's approval request or the requester's card) is lost, and the first look in the
    # channel's history for it fails with a 500.
    fake.fail("chat.postMessage", "drop_after")
    fake.fail("conversations.history", "500", times=3)
    invite_and_approve_a_batch(bot)
    walk_to_step_5(bot)
    task = batch_task(bot)
    # The Marketo admin needs the list to send the invitations: they wait for the file in the thread.
    fake.wait_for(lambda: files_in_thread(fake, task), timeout=WAIT)
    click(bot, task, "msi_batch_sent", "U_MKTO")
    wait_text(bot, task, "Invitations sent by <@U_MKTO>")
    finish(bot, 5, "C_MKTO", "U_MKTO")
    finish(bot, 7, "C_SFDC", "U_SFDC")
    assert step_states(bot) == dict.fromkeys(range(1, 8), "done")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def chaos_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosRun]:
    """One whole rollout under chaos per database, shared by the tests that judge it."""
    directory: Path = tmp_path_factory.mktemp("chaos")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{directory / 'msi-bot.db'}"
        else:
            databases = _fresh_postgres_database()
            url = next(databases)
            stack.callback(lambda: next(databases, None))
        monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
        # What conftest's _no_dotenv does for each test, done here for the whole module: no developer's
        # .env file, no SLACK_/MSI_ variables from the shell.
        monkeypatch.chdir(directory)
        for name in list(os.environ):
            if (name.startswith(("SLACK_", "MSI_")) and name != "MSI_TEST_POSTGRES_URL") or name in (
                "DATABASE_URL",
                "PORT",
                "HOST",
                "LOG_LEVEL",
            ):
                monkeypatch.delenv(name, raising=False)
        # A third of all calls failing for minutes on end would push the outbox's exponential back-off (cap:
        # 5 minutes) far beyond this test's patience: the waits are capped at a second; their growth is
        # tests/test_outbox.py's subject, not this one's.
        monkeypatch.setattr(outbox, "MAX_BACKOFF_SECONDS", 1.0)
        fake = ChaosSlack().start()
        stack.callback(fake.stop)
        people(fake)
        bot = RunningBot(url, fake)
        stack.callback(bot.stop)
        fake.chaos.enabled = True
        started = time.monotonic()
        drive_a_whole_rollout(bot, fake)
        wait_settled(bot)
        seconds = time.monotonic() - started
        fake.chaos.enabled = False
        run = ChaosRun(bot, fake, seconds, delivery(bot))
        kinds = Counter(kind for _method, kind in fake.injected)
        print(  # shown with -s: the numbers the report quotes
            f"\n[chaos {request.param}] {seconds:.1f}s, {len(fake.calls)} Web API calls, "
            f"{len(fake.injected)} failed ({dict(kinds)}), "
            f"{len(fake.lost_posts())} chat.postMessage answers lost; duplicates: "
            f"kept {run.report.kept_duplicates}, notices {run.report.notice_duplicates}, "
            f"files {run.report.upload_duplicates}"
        )
        yield run


def test_under_chaos_a_whole_rollout_reaches_7_of_7_and_everything_arrives_in_its_latest_form(
    chaos_run: ChaosRun,
) -> None:
    report = chaos_run.report
    assert chaos_run.fake.injected, "no failure was injected"
    assert {kind for _method, kind in chaos_run.fake.injected} == set(CHAOS_KINDS)
    assert report.missing == []
    assert report.stale == []
    assert report.dead == []
    kept = report.kept_copies
    # 7 steps, step 2 twice, 2 approval requests, the batch task and the requester's batch card.
    assert len(kept) == 12, kept
    assert sum(1 for name in kept if name.startswith("step:")) == 8
    assert len(report.notice_copies) >= 4  # owner's confirmation, two approvals told, invitations sent
    assert report.upload_copies and all(count >= 1 for count in report.upload_copies.values())


def test_under_chaos_a_kept_message_appears_twice_only_where_slack_swallowed_the_answer_of_its_post(
    chaos_run: ChaosRun,
) -> None:
    lost = chaos_run.fake.lost_posts()
    assert [orphan for orphan in chaos_run.report.orphans if orphan not in lost] == []


def test_under_chaos_no_kept_message_notice_or_file_is_posted_twice(chaos_run: ChaosRun) -> None:
    report = chaos_run.report
    assert {name: n for name, n in report.kept_copies.items() if n != 1} == {}
    assert {name: n for name, n in report.notice_copies.items() if n != 1} == {}
    assert {name: n for name, n in report.upload_copies.items() if n != 1} == {}


# ---------------------------------------------------------------- the same faults, one at a time


@pytest.fixture
def quiet_bot(database_url: str, chaos_slack: ChaosSlack) -> Iterator[RunningBot]:
    running = RunningBot(database_url, chaos_slack)
    yield running
    running.stop()


def test_a_post_whose_answer_was_lost_is_found_by_its_marker_and_not_posted_again(
    quiet_bot: RunningBot,
) -> None:
    bot = quiet_bot
    bot.fake.fail("chat.postMessage", "drop_after", times=3)
    start_rollout(bot)
    wait_settled(bot)
    report = delivery(bot)
    assert len(bot.fake.lost_answers) == 3
    assert report.missing == [] and report.stale == []
    assert report.kept_duplicates == 0 and report.notice_duplicates == 0


def test_a_post_whose_answer_was_lost_is_not_posted_again_when_the_first_look_for_it_fails(
    quiet_bot: RunningBot,
) -> None:
    bot = quiet_bot
    bot.fake.fail("chat.postMessage", "drop_after", times=3)
    bot.fake.fail("conversations.history", "500", times=3)
    start_rollout(bot)
    wait_settled(bot)
    report = delivery(bot)
    assert report.missing == [] and report.stale == []
    assert report.kept_duplicates == 0 and report.notice_duplicates == 0


def test_a_file_whose_upload_answer_was_lost_is_not_uploaded_twice(quiet_bot: RunningBot) -> None:
    bot = quiet_bot
    start_rollout(bot)
    invite_and_approve_a_batch(bot)
    bot.fake.fail("files.completeUploadExternal", "drop_after")
    walk_to_step_5(bot)
    task = batch_task(bot)
    bot.fake.wait_for(lambda: files_in_thread(bot.fake, task), timeout=WAIT)
    wait_settled(bot)
    assert len(files_in_thread(bot.fake, task)) == 1
    # The retry asked Slack where the file already was instead of uploading it again.
    assert len(bot.fake.calls_to("files.getUploadURLExternal")) == 1
    assert bot.fake.calls_to("files.info")


def test_a_file_slack_forgot_before_it_was_shared_is_uploaded_afresh(quiet_bot: RunningBot) -> None:
    bot = quiet_bot
    start_rollout(bot)
    invite_and_approve_a_batch(bot)
    # The completion is refused: Slack no longer knows the file (its upload expired). Nothing was shared.
    bot.fake.fail("files.completeUploadExternal", "file_not_found")
    bot.fake.fail("files.info", "file_not_found")
    walk_to_step_5(bot)
    task = batch_task(bot)
    bot.fake.wait_for(lambda: files_in_thread(bot.fake, task), timeout=WAIT)
    wait_settled(bot)
    assert len(files_in_thread(bot.fake, task)) == 1
    assert len(bot.fake.calls_to("files.getUploadURLExternal")) == 2


def test_a_change_made_while_a_file_for_the_thread_is_still_queued_reaches_slack(
    quiet_bot: RunningBot,
) -> None:
    bot = quiet_bot
    start_rollout(bot)
    invite_and_approve_a_batch(bot)
    # The list for the task's thread cannot be uploaded for a while: its outbox entry waits, unclaimed.
    bot.fake.fail("files.getUploadURLExternal", "500", times=1000)
    walk_to_step_5(bot)
    task = batch_task(bot)
    # Click right after a failed attempt was recorded: the next one is at least 150 ms away (back-off), so
    # the click meets the entry queued and unclaimed, as it would any time but the instant of an attempt.
    attempts = len(bot.fake.calls_to("files.getUploadURLExternal"))
    bot.fake.wait_for(
        lambda: len(bot.fake.calls_to("files.getUploadURLExternal")) > max(attempts, 2),
        timeout=WAIT,
        interval=0.001,
    )
    bot.fake.wait_for(lambda: upload_waiting(bot), timeout=WAIT, interval=0.001)
    click(bot, task, "msi_batch_sent", "U_MKTO")
    bot.fake.wait_for(lambda: bot.fake.calls_to("files.getUploadURLExternal")[4:], timeout=WAIT)
    bot.fake.failures.clear()
    wait_settled(bot)
    assert files_in_thread(bot.fake, task)
    assert "Invitations sent by <@U_MKTO>" in text_of(task)
    assert delivery(bot).stale == []
