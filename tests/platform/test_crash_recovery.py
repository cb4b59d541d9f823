"""Crash points: the process kills itself (SIGKILL) at a named point; after a restart on the same database
everything is consistent, nothing confirmed is lost, pending deliveries complete, nothing is done twice.

Nothing here frees the dead process's claims by hand: the restarted process (or one that was running all
along) takes them over once the dead one's heartbeat is stale, within seconds (bot/platform/leases.py)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Approval, AuditEvent, OutboxItem, PendingClick, Rollout, Step
from tests.fake_slack import FakeSlack
from tests.flow_helpers import is_step_message, text_of
from tests.harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackSender,
    block_action,
    start_form_values,
    view_submission,
)
from tests.test_cli import bot_env, free_port
from tests.uploads.test_uploads_scenario import GOOD_CSV, message_event, shared_event


class Bot:
    """`msi-bot run` as a real process, optionally armed with a crash point."""

    def __init__(self, tmp_path: Path, database_url: str, fake: FakeSlack, crash_at: str = "", **extra: str):
        self.port = free_port()
        env = bot_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.url,
            DATABASE_URL=database_url,
            HOST="127.0.0.1",
            PORT=str(self.port),
            MSI_WORKING_HOURS="always",
            **extra,
        )
        if crash_at:
            env["MSI_CRASH_AT"] = crash_at
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.slack = SlackSender(f"http://127.0.0.1:{self.port}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.process.kill()
        raise AssertionError("the bot did not become healthy")

    def wait_killed(self) -> None:
        assert self.process.wait(timeout=20) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=10) == 0
        self.slack.close()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


def step_posts(fake: FakeSlack, number: int, channel: str) -> list[dict[str, Any]]:
    return [m for m in fake.posts(channel) if m["thread_ts"] is None and is_step_message(m, number)]


def send_quietly(send: Any, *args: Any) -> None:
    """A request the server dies answering: the connection drops, which is the point."""
    with contextlib.suppress(httpx.HTTPError):
        send(*args)


def start_and_settle(bot: Bot, fake: FakeSlack) -> dict[str, Any]:
    assert bot.slack.interact(view_submission("msi_start_rollout", start_form_values())).status_code == 200
    return fake.wait_for(lambda: (step_posts(fake, 1, "C_MKTO") or [None])[0], timeout=20)


def click(bot: Bot, fake: FakeSlack, message: dict[str, Any], action_id: str, user: str) -> None:
    button = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    payload = block_action(
        action_id,
        button["value"],
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
        response_url=fake.response_url("c"),
    )
    send_quietly(bot.slack.interact, payload)


def all_delivered(database: Database) -> bool:
    with database.read() as session:
        return all(item.status == "done" for item in session.scalars(select(OutboxItem)))


def test_a_crash_right_after_a_rollout_is_stored_loses_nothing(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="rollout_started")
    send_quietly(bot.slack.interact, view_submission("msi_start_rollout", start_form_values()))
    bot.wait_killed()
    with database.read() as session:
        assert len(session.scalars(select(Rollout)).all()) == 1
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(
            lambda: step_posts(fake_slack, 1, "C_MKTO") and step_posts(fake_slack, 6, "C_SFDC"), timeout=20
        )
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        assert len(step_posts(fake_slack, 1, "C_MKTO")) == 1 and len(fake_slack.posts("D_OWNER")) == 1
    finally:
        bot.stop()


def test_a_crash_right_after_a_step_is_done_opens_its_dependants_once(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="step_done")
    step1 = start_and_settle(bot, fake_slack)
    click(bot, fake_slack, step1, "msi_step_done", "U_MKTO")
    bot.wait_killed()
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1), timeout=20)
        fake_slack.wait_for(lambda: step_posts(fake_slack, 3, "C_MKTO"), timeout=20)
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        assert len(step_posts(fake_slack, 2, "C_MKTO")) == 1 and len(step_posts(fake_slack, 3, "C_MKTO")) == 1
        with database.read() as session:
            done = session.scalars(select(AuditEvent).where(AuditEvent.action == "step_done")).all()
        assert len(done) == 1
    finally:
        bot.stop()


def test_a_crash_right_after_an_approval_keeps_the_decision_and_tells_the_requester(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="approval_decided")
    step1 = start_and_settle(bot, fake_slack)
    click(bot, fake_slack, step1, "msi_step_done", "U_MKTO")
    step2 = fake_slack.wait_for(lambda: (step_posts(fake_slack, 2, "C_MKTO") or [None])[0], timeout=20)
    click(bot, fake_slack, step2, "msi_step_done", "U_MKTO")
    request = fake_slack.wait_for(
        lambda: next((m for m in fake_slack.posts("C_SFDC") if "Approval needed" in text_of(m)), None),
        timeout=20,
    )
    click(bot, fake_slack, request, "msi_approval_approve", "U_SFDC")
    bot.wait_killed()
    with database.read() as session:
        assert [a.status for a in session.scalars(select(Approval))] == ["approved"]
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(request), timeout=20)
        fake_slack.wait_for(
            lambda: [m for m in fake_slack.posts("D_MKTO") if "approved" in (m["text"] or "")], timeout=20
        )
        with database.read() as session:
            assert session.scalars(select(Step.state).where(Step.number == 2)).one() == "approved"
    finally:
        bot.stop()


def test_a_crash_between_download_and_preview_still_gives_one_preview(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="csv_downloaded")
    start_and_settle(bot, fake_slack)
    fake_slack.add_file("F1", "users.csv", GOOD_CSV)
    bot.slack.event(message_event("F1", "users.csv"))
    send_quietly(bot.slack.event, shared_event("F1"))
    bot.wait_killed()
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(
            lambda: [m for m in fake_slack.posts("D_MKTO") if "Invitations from" in text_of(m)], timeout=20
        )
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        assert len([m for m in fake_slack.posts("D_MKTO") if "Invitations from" in text_of(m)]) == 1
        assert len([d for d in fake_slack.downloads if d["path"].startswith("/files/F1")]) == 1
    finally:
        bot.stop()


def test_a_crash_after_slack_accepted_a_post_does_not_post_it_twice(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="outbox_delivered")
    send_quietly(bot.slack.interact, view_submission("msi_start_rollout", start_form_values()))
    bot.wait_killed()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # Slack has it; the outbox does not know
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(
            lambda: all_delivered(database) and step_posts(fake_slack, 6, "C_SFDC"), timeout=20
        )
        assert len(step_posts(fake_slack, 1, "C_MKTO")) == 1 and len(step_posts(fake_slack, 6, "C_SFDC")) == 1
        assert len(fake_slack.posts("D_OWNER")) == 1
    finally:
        bot.stop()


def test_a_crash_after_a_reminder_is_claimed_still_delivers_it_once(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(
        tmp_path,
        database_url,
        fake_slack,
        crash_at="reminder_claimed",
        MSI_REMINDER_AFTER="2s",
        MSI_SWEEP_EVERY="1s",
    )
    step1 = start_and_settle(bot, fake_slack)
    bot.wait_killed()
    with database.read() as session:
        claimed = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).all()
    assert len(claimed) == 1
    bot = Bot(tmp_path, database_url, fake_slack, MSI_REMINDER_AFTER="1h")
    try:
        replies = fake_slack.wait_for(
            lambda: [m for m in fake_slack.posts(step1["channel"]) if m["thread_ts"] == step1["ts"]],
            timeout=20,
        )
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        # Exactly the one reminder claimed before the crash: delivered once, and not claimed again.
        assert len(replies) == 1
        with database.read() as session:
            sent = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).all()
        assert len(sent) == len(claimed) == 1
    finally:
        bot.stop()


def test_a_crash_between_a_files_upload_and_its_completion_shares_it_once(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="outbox_file_uploaded")
    start_and_settle(bot, fake_slack)
    assert bot.slack.slash("audit", user="U_MKTO", channel="C_MKTO").status_code == 200
    bot.wait_killed()
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1 and not fake_slack.completed_uploads()
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(fake_slack.completed_uploads, timeout=20)
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        shares = fake_slack.completed_uploads()
        assert len(shares) == 1 and shares[0]["channel"] == "D_MKTO"
        # The bytes already at Slack were completed, not uploaded again.
        assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1
    finally:
        bot.stop()


def test_a_click_stored_before_a_crash_is_acted_on_once_after_the_restart(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="click_stored")
    step1 = start_and_settle(bot, fake_slack)
    click(bot, fake_slack, step1, "msi_step_done", "U_MKTO")
    bot.wait_killed()
    with database.read() as session:
        assert [c.action_id for c in session.scalars(select(PendingClick))] == ["msi_step_done"]
        assert session.scalars(select(Step.state).where(Step.number == 1)).one() == "open"
    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1), timeout=20)
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        with database.read() as session:
            done = session.scalars(select(AuditEvent).where(AuditEvent.action == "step_done")).all()
            assert session.scalars(select(PendingClick)).all() == []
        assert len(done) == 1
        assert len(step_posts(fake_slack, 2, "C_MKTO")) == 1
    finally:
        bot.stop()
