"""Claims of a dead process are taken over within seconds; claims of a live one never, however long its work.

Real `msi-bot run` processes (tests/platform/test_crash_recovery.py's `Bot`) share one database and the fake
Slack; a crash point kills one of them (SIGKILL) while it holds a claim. The bounds asserted are the ones
the leased queues promise (bot/platform/leases.py: a heartbeat a second, stale after 3 s): a dead holder's
click is acted on, and its card updated, within 5 s of another process running; a large CSV interrupted
while read is previewed within 10 s of the restart.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.platform.leases import STALE_AFTER
from storage.db import Database
from storage.models import AuditEvent, OutboxItem, PendingClick, WorkerProcess
from tests.fake_slack import FakeSlack
from tests.flow_helpers import text_of
from tests.harness import start_form_values, view_submission
from tests.platform.test_crash_recovery import (
    Bot,
    all_delivered,
    click,
    start_and_settle,
    step_posts,
)
from tests.uploads.test_uploads_scenario import message_event, shared_event

LARGE_CSV_ROWS = 40_000


def large_csv() -> bytes:
    rows = "".join(f"person{n}@example.com,First{n},Last{n},Team\r\n" for n in range(LARGE_CSV_ROWS))
    return ("Email,First Name,Last Name,Team\r\n" + rows).encode("utf-8")


def posts_per_message(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """How often each distinct message was posted (channel and text), over every chat.postMessage call."""
    return Counter(
        (str(call.params.get("channel")), str(call.params.get("text")))
        for call in fake.calls_to("chat.postMessage")
    )


def test_a_click_claimed_when_the_process_died_is_done_within_seconds_of_the_restart(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="click_claimed")
    step1 = start_and_settle(bot, fake_slack)
    fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
    click(bot, fake_slack, step1, "msi_step_done", "U_MKTO")
    bot.wait_killed()
    with database.read() as session:
        claimed = session.scalars(select(PendingClick)).one()
        assert claimed.claimed_by is not None  # held by the dead process, not merely stored
    bot = Bot(tmp_path, database_url, fake_slack)
    running = time.monotonic()
    try:
        fake_slack.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1), timeout=5)
        print(f"\n[takeover] step 1 shown done {time.monotonic() - running:.1f}s after the restart")
        fake_slack.wait_for(lambda: step_posts(fake_slack, 3, "C_MKTO"), timeout=20)
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        assert len(step_posts(fake_slack, 2, "C_MKTO")) == 1 and len(step_posts(fake_slack, 2, "C_SFDC")) == 1
        assert len(step_posts(fake_slack, 3, "C_MKTO")) == 1
        with database.read() as session:
            assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "step_done")).all()) == 1
            assert session.scalars(select(PendingClick)).all() == []
    finally:
        bot.stop()


def test_a_crash_while_a_large_csv_is_read_still_gives_one_preview_soon_after_the_restart(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="csv_reading")
    start_and_settle(bot, fake_slack)
    fake_slack.add_file("F1", "users.csv", large_csv())
    bot.slack.event(message_event("F1", "users.csv"))
    bot.slack.event(shared_event("F1"))
    bot.wait_killed()

    def previews() -> list[dict[str, object]]:
        return [m for m in fake_slack.posts("D_MKTO") if "Invitations from" in text_of(m)]

    def asked_to_upload_again() -> list[dict[str, object]]:
        return [m for m in fake_slack.posts("D_MKTO") if "again" in text_of(m)]

    assert previews() == []
    bot = Bot(tmp_path, database_url, fake_slack)
    running = time.monotonic()
    try:
        fake_slack.wait_for(lambda: previews() or asked_to_upload_again(), timeout=10)
        print(f"\n[takeover] large CSV answered {time.monotonic() - running:.1f}s after the restart")
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        assert len(previews()) + len(asked_to_upload_again()) == 1
        if previews():
            assert f"{LARGE_CSV_ROWS} row(s) read" in text_of(previews()[0])
    finally:
        bot.stop()


def test_the_survivor_takes_over_what_a_killed_process_held_and_nothing_is_sent_twice(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    survivor = Bot(tmp_path, database_url, fake_slack)
    doomed = Bot(tmp_path, database_url, fake_slack, crash_at="outbox_claimed")
    try:
        # Started through the doomed process: its outbox worker is woken by the commit and claims first.
        doomed.slack.interact(view_submission("msi_start_rollout", start_form_values()))
        doomed.wait_killed()
        killed = time.monotonic()
        with database.read() as session:
            alive = set(session.scalars(select(WorkerProcess.id)))
            held = [
                item.id
                for item in session.scalars(select(OutboxItem).where(OutboxItem.status == "pending"))
                if item.claimed_by is not None and item.claimed_by in alive
            ]
        assert len(alive) == 2, "both processes were registered"
        assert held, "the killed process held a claim"

        def taken_over() -> bool:
            with database.read() as session:
                return all(session.get(OutboxItem, item_id).status == "done" for item_id in held)  # type: ignore[union-attr]

        fake_slack.wait_for(taken_over, timeout=5)
        print(f"\n[takeover] claims of the killed process delivered {time.monotonic() - killed:.1f}s after")
        fake_slack.wait_for(lambda: all_delivered(database), timeout=20)
        assert len(step_posts(fake_slack, 1, "C_MKTO")) == 1 and len(step_posts(fake_slack, 6, "C_SFDC")) == 1
        assert len(fake_slack.posts("D_OWNER")) == 1
        counts = posts_per_message(fake_slack)
        assert counts and set(counts.values()) == {1}, counts
        assert fake_slack.calls_to("chat.update") == []  # nothing was posted, so nothing needed correcting
    finally:
        survivor.stop()
        doomed.slack.close()


def test_a_live_process_keeps_its_claims_through_slack_calls_longer_than_the_stale_threshold(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    slow = STALE_AFTER.total_seconds() + 3
    first = Bot(tmp_path, database_url, fake_slack)
    second = Bot(tmp_path, database_url, fake_slack)
    try:
        fake_slack.delays["chat.postMessage"] = slow
        first.slack.interact(view_submission("msi_start_rollout", start_form_values()))
        fake_slack.wait_for(lambda: all_delivered(database), timeout=60)
        assert len(step_posts(fake_slack, 1, "C_MKTO")) == 1 and len(step_posts(fake_slack, 6, "C_SFDC")) == 1
        counts = posts_per_message(fake_slack)
        assert len(counts) == 3 and set(counts.values()) == {1}, counts
        with database.read() as session:
            # Each item was claimed once: nobody took over a claim whose holder was busy but alive.
            assert [item.attempts for item in session.scalars(select(OutboxItem))] == [1, 1, 1]
    finally:
        fake_slack.delays.clear()
        first.stop()
        second.stop()
