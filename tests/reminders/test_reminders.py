"""Reminders: the sweep's decisions with an injected clock (no sleeping), exactly once, and over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.approvals.service import ApprovalService
from bot.config import parse_working_hours
from bot.platform.access import Click
from bot.platform.people import Readers
from bot.reminders import housekeeping
from bot.reminders.blocks import reminder_message as reminder_blocks
from bot.reminders.calendar import WorkingCalendar
from bot.reminders.service import ReminderService
from bot.slack.directory import SlackProfile
from bot.texts import Texts
from storage.db import Database
from storage.models import (
    Approval,
    AuditEvent,
    OutboxItem,
    ReminderDigest,
    Rollout,
    RolloutMember,
    SlackMessage,
    SlackPerson,
    Step,
)
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import (
    buttons,
    choose,
    click,
    start_rollout,
    text_of,
    wait_private_answer,
    wait_step_message,
)
from tests.harness import block_action

# Monday 2026-03-02 10:00 in Paris is 09:00 UTC.
MONDAY_PARIS_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_service(
    database: Database,
    clock: Clock,
    *,
    hours: str = "Mon-Fri 09:00-18:00",
    active: Any = None,
    holidays: tuple[str, ...] = (),
) -> ReminderService:
    approvals = ApprovalService(database, clock)
    from bot.steps.service import StepApprovals

    approvals.register(StepApprovals())
    return ReminderService(
        database,
        clock,
        approvals,
        after=timedelta(hours=24),
        escalate_after=3,
        working_hours=parse_working_hours(hours),
        holidays=holidays,
        is_active_user=active or (lambda user_id: True),
    )


def seed(
    database: Database,
    *,
    opened: datetime,
    time_zone: str = "Europe/Paris",
    state: str = "open",
    name: str = "Production",
    paused: bool = False,
    status: str = "active",
    marketo_admins: tuple[str, ...] = ("U_MKTO", "U_GONE"),
) -> tuple[int, int]:
    """A rollout whose step 1 is in `state` since `opened`, its message posted; returns (rollout, step)."""
    with database.write() as session:
        rollout = Rollout(
            name=name,
            name_key=name.lower(),
            environment="production",
            owner_id="U_OWNER",
            time_zone=time_zone,
            marketo_channel="C_MKTO",
            salesforce_channel="C_SFDC",
            created_at=opened,
            updated_at=opened,
            reminders_paused=paused,
            status=status,
        )
        session.add(rollout)
        session.flush()
        for user_id in marketo_admins:
            session.add(RolloutMember(rollout_id=rollout.id or 0, persona="marketo_admin", user_id=user_id))
        session.add(RolloutMember(rollout_id=rollout.id or 0, persona="salesforce_admin", user_id="U_SFDC"))
        step = Step(
            rollout_id=rollout.id or 0,
            number=1,
            state=state,
            opened_at=opened,
            changed_at=opened,
            remind_from=opened if state in ("open", "approved") else None,
        )
        session.add(step)
        session.flush()
        session.add(
            SlackMessage(
                rollout_id=rollout.id,
                purpose=f"step:{step.id}",
                channel_id="C_MKTO",
                ts="1.1",
                text="s",
                blocks=[],
                created_at=opened,
                posted_version=1,
            )
        )
        return rollout.id or 0, step.id or 0


def reminder_posts(database: Database) -> list[OutboxItem]:
    with database.read() as session:
        return [
            item
            for item in session.scalars(select(OutboxItem).order_by(OutboxItem.id))
            if item.kind == "post" and item.message_id is not None
        ]


def owner_messages(database: Database) -> list[str]:
    with database.read() as session:
        return [
            item.payload["text"] for item in session.scalars(select(OutboxItem)) if item.target == "U_OWNER"
        ]


def test_a_step_is_reminded_once_it_has_waited_the_reminder_period(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    seed(database, opened=MONDAY_PARIS_10 - timedelta(hours=23, minutes=59))
    service = make_service(database, clock)
    assert service.sweep() == 0
    clock.now = MONDAY_PARIS_10 + timedelta(minutes=2)
    assert service.sweep() == 1
    posts = reminder_posts(database)
    assert len(posts) == 1
    assert "<@U_MKTO>" in posts[0].payload["text"] and "1 day(s)" in posts[0].payload["text"]
    assert posts[0].payload["blocks"][1]["elements"][0]["action_id"] == "msi_reminder_snooze"
    # The next reminder is due a full period after this one, not at the next sweep.
    assert service.sweep() == 0
    clock.now += timedelta(hours=24)
    assert service.sweep() == 1


@pytest.mark.parametrize("state", ["done", "locked", "awaiting_approval"])
def test_steps_that_wait_on_nobody_are_never_reminded(database: Database, state: str) -> None:
    clock = Clock(MONDAY_PARIS_10 + timedelta(days=10))
    seed(database, opened=MONDAY_PARIS_10, state=state)
    assert make_service(database, clock).sweep() == 0
    assert reminder_posts(database) == []


def test_paused_and_cancelled_rollouts_are_never_reminded(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10 + timedelta(days=3))
    seed(database, opened=MONDAY_PARIS_10, paused=True, name="Paused")
    seed(database, opened=MONDAY_PARIS_10, status="cancelled", name="Gone")
    assert make_service(database, clock).sweep() == 0


def test_a_reminder_due_on_friday_evening_waits_for_monday_morning(database: Database) -> None:
    friday_paris_1830 = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    clock = Clock(friday_paris_1830)
    seed(database, opened=friday_paris_1830 - timedelta(days=2))
    service = make_service(database, clock)
    for hours_later in (0, 12, 24, 36, 48, 62):  # Friday night, Saturday, Sunday, Monday 08:30
        clock.now = friday_paris_1830 + timedelta(hours=hours_later)
        assert service.sweep() == 0, clock.now
    clock.now = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
    assert service.sweep() == 1


def test_working_hours_are_read_in_each_rollouts_own_time_zone(database: Database) -> None:
    # 2026-03-03 00:30 UTC is Tuesday 09:30 in Tokyo (open) and Monday 19:30 in New York (closed).
    moment = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)
    tokyo, _ = seed(database, opened=moment - timedelta(days=2), time_zone="Asia/Tokyo", name="Tokyo")
    seed(database, opened=moment - timedelta(days=2), time_zone="America/New_York", name="New York")
    assert make_service(database, Clock(moment)).sweep() == 1
    with database.read() as session:
        reminded = session.scalars(
            select(AuditEvent.rollout_id).where(AuditEvent.action == "reminder_sent")
        ).all()
    assert reminded == [tokyo]


def test_always_ignores_the_clock(database: Database) -> None:
    sunday_night = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    seed(database, opened=sunday_night - timedelta(days=2))
    assert make_service(database, Clock(sunday_night), hours="always").sweep() == 1


def test_the_third_reminder_also_tells_the_owner_once(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    seed(database, opened=MONDAY_PARIS_10 - timedelta(days=1))
    service = make_service(database, clock)
    for _ in range(4):
        assert service.sweep() == 1
        clock.now += timedelta(days=1)
    escalations = [text for text in owner_messages(database) if "despite 3 reminders" in text]
    assert len(escalations) == 1


def test_people_who_left_the_workspace_are_not_mentioned_and_the_owner_is_told_once(
    database: Database,
) -> None:
    clock = Clock(MONDAY_PARIS_10)
    seed(database, opened=MONDAY_PARIS_10 - timedelta(days=1))
    service = make_service(database, clock, active=lambda user_id: user_id != "U_GONE")
    service.sweep()
    clock.now += timedelta(days=1)
    service.sweep()
    assert all("U_GONE" not in post.payload["text"] for post in reminder_posts(database))
    departed = [text for text in owner_messages(database) if "left the workspace" in text]
    assert len(departed) == 1 and "<@U_GONE>" in departed[0]


def add_pending_approval(session: Session, rollout_id: int, step_id: int, *, ts: str) -> None:
    """A step's approval requested by U_MKTO two days before MONDAY_PARIS_10, posted in C_SFDC at `ts`."""
    approval = Approval(
        rollout_id=rollout_id,
        subject_kind="step",
        subject_id=step_id,
        requested_by="U_MKTO",
        requested_at=MONDAY_PARIS_10 - timedelta(days=2),
        remind_from=MONDAY_PARIS_10 - timedelta(days=2),
    )
    session.add(approval)
    session.flush()
    session.add(
        SlackMessage(
            rollout_id=rollout_id,
            purpose=f"approval:{approval.id}",
            channel_id="C_SFDC",
            ts=ts,
            text="a",
            blocks=[],
            created_at=MONDAY_PARIS_10,
            posted_version=1,
        )
    )


def test_a_pending_approval_is_reminded_in_its_thread_without_the_requester(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    rollout_id, step_id = seed(
        database, opened=MONDAY_PARIS_10 - timedelta(days=2), state="awaiting_approval"
    )
    with database.write() as session:
        session.add(RolloutMember(rollout_id=rollout_id, persona="salesforce_admin", user_id="U_MKTO"))
        add_pending_approval(session, rollout_id, step_id, ts="2.2")
    assert make_service(database, clock).sweep() == 1
    posts = reminder_posts(database)
    assert len(posts) == 1 and posts[0].target == "C_SFDC"
    assert "<@U_SFDC>" in posts[0].payload["text"] and "<@U_MKTO>" not in posts[0].payload["text"]


def test_two_schedulers_sweeping_at_once_post_each_reminder_exactly_once(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    for number in range(12):
        # Different people in each: one waiting item each, so each is reminded in its thread (no digest).
        seed(
            database,
            opened=MONDAY_PARIS_10 - timedelta(days=1, minutes=number),
            name=f"R{number}",
            marketo_admins=(f"U_M{number}",),
        )
    services = [make_service(database, clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run(service: ReminderService) -> None:
        barrier.wait()
        results.append(service.sweep())

    threads = [threading.Thread(target=run, args=(service,)) for service in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 12
    posts = reminder_posts(database)
    assert len(posts) == 12 and len({post.message_id for post in posts}) == 12


# ---------------------------------------------------------------- each recipient's own hours and holidays


def known_zones(database: Database, fetched_at: datetime = MONDAY_PARIS_10, **zones: str) -> None:
    """What bot/platform/people.py would have cached from users.info: each person's Slack time zone."""
    with database.write() as session:
        for user_id, tz in zones.items():
            session.merge(SlackPerson(user_id=user_id, locale="en-US", tz=tz, fetched_at=fetched_at))


def add_member(database: Database, rollout_id: int, user_id: str, persona: str = "marketo_admin") -> None:
    with database.write() as session:
        session.add(RolloutMember(rollout_id=rollout_id, persona=persona, user_id=user_id))


def mentioned_in_reminders(database: Database) -> list[list[str]]:
    with database.read() as session:
        return [
            event.details["mentioned"]
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "reminder_sent").order_by(AuditEvent.id)
            )
        ]


@pytest.mark.parametrize(
    ("moment", "mentioned"),
    [
        # Monday 12:00 in Los Angeles, Tuesday 05:00 in Tokyo, Monday 21:00 in Paris (the rollout's zone).
        (datetime(2026, 3, 2, 20, 0, tzinfo=UTC), ["U_LA"]),
        # Tuesday 10:00 in Tokyo, Monday 17:00 in Los Angeles: both, at the same moment.
        (datetime(2026, 3, 3, 1, 0, tzinfo=UTC), ["U_MKTO", "U_LA"]),
        # Tuesday 12:00 in Tokyo, Monday 19:00 in Los Angeles.
        (datetime(2026, 3, 3, 3, 0, tzinfo=UTC), ["U_MKTO"]),
        # Tuesday 10:00 in Paris: only U_GONE, whose zone is unknown and so is the rollout's.
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), ["U_GONE"]),
    ],
)
def test_each_recipient_is_reminded_in_their_own_working_hours(
    database: Database, moment: datetime, mentioned: list[str]
) -> None:
    rollout_id, _ = seed(database, opened=moment - timedelta(days=2))
    add_member(database, rollout_id, "U_LA")
    known_zones(database, U_MKTO="Asia/Tokyo", U_LA="America/Los_Angeles")
    assert make_service(database, Clock(moment)).sweep() == 1
    assert mentioned_in_reminders(database) == [mentioned]
    text = reminder_posts(database)[0].payload["text"]
    assert all(f"<@{person}>" in text for person in mentioned)
    assert all(
        f"<@{person}>" not in text for person in ("U_MKTO", "U_LA", "U_GONE") if person not in mentioned
    )


def test_a_reminder_outside_everyones_hours_waits_and_asks_slack_nothing(database: Database) -> None:
    # Saturday 2026-03-07 02:00 UTC: Saturday in Tokyo, Friday 18:00 in Los Angeles, 03:00 in Paris.
    moment = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
    rollout_id, _ = seed(database, opened=moment - timedelta(days=2))
    add_member(database, rollout_id, "U_LA")
    known_zones(database, U_MKTO="Asia/Tokyo", U_LA="America/Los_Angeles")
    asked: list[str] = []
    service = make_service(database, Clock(moment), active=lambda user_id: asked.append(user_id) or True)
    assert service.sweep() == 0
    assert asked == [] and reminder_posts(database) == []


def test_people_still_here_outside_their_hours_are_waited_for_even_if_a_departed_one_is_in_his(
    database: Database,
) -> None:
    # Tuesday 10:00 in Paris: U_GONE (rollout's zone) would be in hours, but has left; U_MKTO is in Tokyo.
    moment = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    seed(database, opened=moment - timedelta(days=2))
    known_zones(database, U_MKTO="Asia/Tokyo")
    service = make_service(database, Clock(moment), active=lambda user_id: user_id != "U_GONE")
    assert service.sweep() == 0
    assert reminder_posts(database) == []


def test_the_owners_escalation_waits_for_the_owners_own_hours(database: Database) -> None:
    # 2026-03-03 03:00 UTC: Tuesday 12:00 in Tokyo (the recipients), Monday 19:00 in Los Angeles (the owner).
    moment = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    seed(database, opened=moment - timedelta(days=1))
    known_zones(database, U_MKTO="Asia/Tokyo", U_GONE="Asia/Tokyo", U_OWNER="America/Los_Angeles")
    clock = Clock(moment)
    service = make_service(database, clock)
    for _ in range(3):
        assert service.sweep() == 1
        clock.now += timedelta(days=1)
    with database.read() as session:
        escalations = [
            item
            for item in session.scalars(select(OutboxItem).where(OutboxItem.target == "U_OWNER"))
            if "despite 3 reminders" in item.payload["text"]
        ]
    assert len(escalations) == 1
    # Written on Thursday 03:00 UTC (Wednesday 19:00 in Los Angeles); held until Thursday 09:00 there.
    assert escalations[0].created_at.replace(tzinfo=UTC) == moment + timedelta(days=2)
    assert escalations[0].not_before.replace(tzinfo=UTC) == datetime(2026, 3, 5, 17, 0, tzinfo=UTC)


def test_an_escalation_in_the_owners_hours_is_sent_at_once(database: Database) -> None:
    moment = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris, the owner's (unknown) zone
    seed(database, opened=moment - timedelta(days=1))
    clock = Clock(moment)
    service = make_service(database, clock)
    for _ in range(3):
        assert service.sweep() == 1
        clock.now += timedelta(days=1)
    with database.read() as session:
        held = [
            item.not_before.replace(tzinfo=UTC) - item.created_at.replace(tzinfo=UTC)
            for item in session.scalars(select(OutboxItem).where(OutboxItem.target == "U_OWNER"))
        ]
    assert held == [timedelta(0)]


def test_japanese_public_holidays_are_skipped_with_msi_holidays_jp(database: Database) -> None:
    seijin_no_hi = datetime(2027, 1, 11, 1, 0, tzinfo=UTC)  # Monday 10:00 in Tokyo, 成人の日
    seed(database, opened=seijin_no_hi - timedelta(days=3))
    known_zones(database, U_MKTO="Asia/Tokyo", U_GONE="Asia/Tokyo")
    clock = Clock(seijin_no_hi)
    assert make_service(database, clock).sweep() == 1  # without MSI_HOLIDAYS it is a working Monday
    with database.write() as session:
        for step in session.scalars(select(Step)):
            step.remind_from = seijin_no_hi - timedelta(days=3)
    service = make_service(database, clock, holidays=("JP",))
    assert service.sweep() == 0
    clock.now = datetime(2027, 1, 12, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Tokyo
    assert service.sweep() == 1


def test_new_years_day_is_skipped_and_the_next_opening_is_the_next_working_day() -> None:
    calendar = WorkingCalendar(parse_working_hours("Mon-Fri 09:00-18:00"), ("JP",))
    new_year = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # Friday 10:00 in Tokyo
    assert not calendar.is_working(new_year, "Asia/Tokyo")
    assert calendar.is_working(new_year, "Europe/Paris") is False  # 02:00 in Paris: outside the hours anyway
    opening = calendar.next_opening(new_year, "Asia/Tokyo")
    assert opening == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
    assert WorkingCalendar(parse_working_hours("always"), ("JP",)).next_opening(new_year, "Asia/Tokyo") == (
        datetime(2027, 1, 1, 15, 0, tzinfo=UTC)  # 2 January 00:00 in Tokyo
    )


def test_a_holiday_is_judged_on_each_recipients_own_date(database: Database) -> None:
    # 2027-01-19 00:30 UTC: Tuesday 09:30 in Tokyo, but still Monday 18 January (MLK Day) in Los Angeles.
    moment = datetime(2027, 1, 19, 0, 30, tzinfo=UTC)
    rollout_id, _ = seed(database, opened=moment - timedelta(days=2))
    add_member(database, rollout_id, "U_LA")
    known_zones(database, U_MKTO="Asia/Tokyo", U_GONE="Asia/Tokyo", U_LA="America/Los_Angeles")
    assert make_service(database, Clock(moment), holidays=("US",)).sweep() == 1
    assert mentioned_in_reminders(database) == [["U_MKTO", "U_GONE"]]


# ---------------------------------------------------------------- Snooze choices


def snooze_as(service: ReminderService, value: str, user: str = "U_MKTO") -> None:
    service.snooze(value=value, click=Click(user_id=user))


def due_again_at(database: Database, step_id: int) -> datetime:
    """When the step's next reminder falls due: its wait is measured from remind_from."""
    with database.read() as session:
        step = session.get(Step, step_id)
        assert step is not None and step.remind_from is not None
        return step.remind_from.replace(tzinfo=UTC) + timedelta(hours=24)


def thread_notes(database: Database) -> list[str]:
    return [post.payload["text"] for post in reminder_posts(database) if "snoozed" in post.payload["text"]]


FRIDAY_TOKYO_11 = datetime(2027, 1, 8, 2, 0, tzinfo=UTC)  # Friday 11:00 in Tokyo; Monday the 11th is 成人の日


@pytest.mark.parametrize(
    ("now", "choice", "zone", "holidays", "until"),
    [
        # Monday 10:00 in Paris (the snoozer's zone unknown: the rollout's).
        (MONDAY_PARIS_10, "hour", None, (), MONDAY_PARIS_10 + timedelta(hours=1)),
        (MONDAY_PARIS_10, "workday", None, (), datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),  # Tuesday 09:00
        (MONDAY_PARIS_10, "monday", None, (), datetime(2026, 3, 9, 8, 0, tzinfo=UTC)),  # next Monday 09:00
        # The snoozer's own zone: Monday 18:00 in Tokyo, so the next working day starts Tuesday 09:00 there.
        (MONDAY_PARIS_10, "workday", "Asia/Tokyo", (), datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
        # From a Friday, past the weekend and (with MSI_HOLIDAYS=JP) past 成人の日: Tuesday 09:00 in Tokyo.
        (FRIDAY_TOKYO_11, "workday", "Asia/Tokyo", ("JP",), datetime(2027, 1, 12, 0, 0, tzinfo=UTC)),
        (FRIDAY_TOKYO_11, "monday", "Asia/Tokyo", ("JP",), datetime(2027, 1, 12, 0, 0, tzinfo=UTC)),
        (FRIDAY_TOKYO_11, "monday", "Asia/Tokyo", (), datetime(2027, 1, 11, 0, 0, tzinfo=UTC)),
    ],
)
def test_each_snooze_choice_moves_the_next_reminder_as_stated(
    database: Database,
    now: datetime,
    choice: str,
    zone: str | None,
    holidays: tuple[str, ...],
    until: datetime,
) -> None:
    _, step_id = seed(database, opened=now - timedelta(days=2), marketo_admins=("U_MKTO",))
    if zone is not None:
        known_zones(database, U_MKTO=zone)
    clock = Clock(now)
    service = make_service(database, clock, holidays=holidays)
    snooze_as(service, f"{choice}:step:{step_id}")
    assert due_again_at(database, step_id) == until
    # The thread is told who snoozed it and until when, as a <!date> each reader sees in their own zone.
    assert thread_notes(database) == [
        f":zzz: <@U_MKTO> snoozed this reminder until <!date^{int(until.timestamp())}^"
        f"{{date_short_pretty}} at {{time}}|{until:%Y-%m-%d %H:%M} UTC>."
    ]
    clock.now = until - timedelta(minutes=1)
    assert service.sweep() == 0
    clock.now = until
    assert service.sweep() == 1


def test_a_click_on_an_old_snooze_1_day_button_snoozes_until_the_next_working_day(database: Database) -> None:
    friday_paris_10 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    _, step_id = seed(database, opened=friday_paris_10 - timedelta(days=2))
    snooze_as(make_service(database, Clock(friday_paris_10)), f"step:{step_id}")
    assert due_again_at(database, step_id) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris


def test_only_the_personas_people_may_snooze_and_a_refusal_changes_nothing(database: Database) -> None:
    _, step_id = seed(database, opened=MONDAY_PARIS_10 - timedelta(days=2))
    service = make_service(database, Clock(MONDAY_PARIS_10))
    before = due_again_at(database, step_id)
    snooze_as(service, f"workday:step:{step_id}", user="U_SFDC")  # a Salesforce admin; step 1 is Marketo's
    for forged in (f"week:step:{step_id}", f"hour:rollout:{step_id}", "hour:step:²", "hour:step:1:2", ""):
        snooze_as(service, forged)
    assert due_again_at(database, step_id) == before
    assert thread_notes(database) == []
    with database.read() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        answers = [
            item.payload["text"] for item in session.scalars(select(OutboxItem)) if item.target == "U_SFDC"
        ]
    assert [(event.action, event.actor, event.details.get("attempted")) for event in events] == [
        ("click_denied", "U_SFDC", "snooze")
    ]
    assert answers == ["Only the people this reminder is for can snooze it."]


# ---------------------------------------------------------------- the morning digest


def direct_messages(database: Database, user_id: str) -> list[OutboxItem]:
    with database.read() as session:
        return [
            item
            for item in session.scalars(select(OutboxItem).order_by(OutboxItem.id))
            if item.target == user_id and item.message_id is None
        ]


def test_a_person_with_three_waiting_items_gets_one_digest_and_no_thread_pings(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    steps = [
        seed(
            database,
            opened=MONDAY_PARIS_10 - timedelta(days=1, hours=number),
            name=f"R{number}",
            marketo_admins=("U_MKTO", "U_BOTH") if number == 0 else ("U_MKTO",),
        )[1]
        for number in range(3)
    ]
    seed(database, opened=MONDAY_PARIS_10 - timedelta(days=1), name="Solo", marketo_admins=("U_SOLO",))
    service = make_service(database, clock)
    assert service.sweep() == 4
    digests = direct_messages(database, "U_MKTO")
    assert len(digests) == 1
    digest = digests[0].payload
    assert "3 items are waiting on you" in digest["text"]
    listed = "\n".join(block["text"]["text"] for block in digest["blocks"])
    for number in range(3):
        assert f"*R{number}*: step 1 (Set up the Marketo Sales account), waiting for 1 day(s)." in listed
    assert listed.count("<https://slack.com/archives/C_MKTO/p11|Open>") == 3
    # In the threads: the one-item people only; the digest's reader is not pinged there that morning.
    texts = [post.payload["text"] for post in reminder_posts(database)]
    assert len(texts) == 2 and all("<@U_MKTO>" not in text for text in texts)
    assert sorted(text.split(":")[2].strip() for text in texts) == ["<@U_BOTH>", "<@U_SOLO>"]
    assert direct_messages(database, "U_SOLO") == [] and direct_messages(database, "U_BOTH") == []
    with database.read() as session:
        sent = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).all()
    assert sorted(event.details["digested"] for event in sent) == [[], ["U_MKTO"], ["U_MKTO"], ["U_MKTO"]]
    # Nothing more that morning; the next morning, the items still waiting come in one digest again.
    clock.now += timedelta(hours=3)
    assert service.sweep() == 0
    clock.now = MONDAY_PARIS_10 + timedelta(days=1)
    assert service.sweep() == 4
    assert len(direct_messages(database, "U_MKTO")) == 2
    assert len(reminder_posts(database)) == 4
    assert steps  # three steps of U_MKTO's


def test_a_person_with_one_waiting_item_gets_the_thread_reminder_and_no_digest(database: Database) -> None:
    seed(database, opened=MONDAY_PARIS_10 - timedelta(days=1), marketo_admins=("U_MKTO",))
    assert make_service(database, Clock(MONDAY_PARIS_10)).sweep() == 1
    assert direct_messages(database, "U_MKTO") == []
    assert ["<@U_MKTO>" in post.payload["text"] for post in reminder_posts(database)] == [True]


def test_two_schedulers_sweeping_at_once_send_each_digest_once(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    for number in range(6):
        # U_MKTO waits on six items; U_P0, U_P1 and U_P2 on two each.
        seed(
            database,
            opened=MONDAY_PARIS_10 - timedelta(days=1, minutes=number),
            name=f"R{number}",
            marketo_admins=("U_MKTO", f"U_P{number // 2}"),
        )
    services = [make_service(database, clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run(service: ReminderService) -> None:
        barrier.wait()
        results.append(service.sweep())

    threads = [threading.Thread(target=run, args=(service,)) for service in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 6
    for person, count in (("U_MKTO", 6), ("U_P0", 2), ("U_P1", 2), ("U_P2", 2)):
        digests = direct_messages(database, person)
        assert len(digests) == 1, person
        assert f"{count} items are waiting on you" in digests[0].payload["text"]
    with database.read() as session:
        assert len(session.scalars(select(ReminderDigest)).all()) == 4
    assert reminder_posts(database) == []  # everyone it mentions had it in their digest


def test_a_digest_lists_approvals_with_their_subject_and_link(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)
    for number in range(2):
        rollout_id, step_id = seed(
            database,
            opened=MONDAY_PARIS_10 - timedelta(days=2),
            state="awaiting_approval",
            name=f"A{number}",
            marketo_admins=("U_MKTO",),
        )
        with database.write() as session:
            step = session.get(Step, step_id)
            assert step is not None
            step.number = 4  # the data sync: a step that asks the Salesforce admins' approval
            add_pending_approval(session, rollout_id, step_id, ts=f"2.{number}")
    assert make_service(database, clock).sweep() == 2
    digests = direct_messages(database, "U_SFDC")
    assert len(digests) == 1 and "2 items are waiting on you" in digests[0].payload["text"]
    listed = "\n".join(block["text"]["text"] for block in digests[0].payload["blocks"])
    for number in range(2):
        assert f"*A{number}*: Step 4 of 7: Start the data sync, waiting for a decision" in listed
        assert f"<https://slack.com/archives/C_SFDC/p2{number}|Open>" in listed
    assert listed.count("waiting for a decision for 2 day(s).") == 2
    assert reminder_posts(database) == []


def test_digest_records_older_than_a_week_are_pruned(database: Database) -> None:
    with database.write() as session:
        for days in (1, 8):
            session.add(
                ReminderDigest(
                    user_id="U_MKTO",
                    day=f"2026-03-0{days}",
                    items=[],
                    sent_at=MONDAY_PARIS_10 - timedelta(days=days),
                )
            )
    assert housekeeping.prune_digests(database, MONDAY_PARIS_10) == 1
    with database.read() as session:
        assert [row.day for row in session.scalars(select(ReminderDigest))] == ["2026-03-01"]


# ---------------------------------------------------------------- zones of people who never used the bot


def test_an_unseen_person_in_tokyo_is_looked_up_and_reminded_in_their_own_hours(database: Database) -> None:
    clock = Clock(MONDAY_PARIS_10)  # Monday 18:00 in Tokyo: over; 10:00 in Paris, the rollout's zone
    _, step_id = seed(database, opened=MONDAY_PARIS_10 - timedelta(days=2), marketo_admins=("U_TOKYO",))
    asked: list[str] = []

    def users_info(user_id: str) -> SlackProfile:
        asked.append(user_id)
        return SlackProfile(locale="ja-JP", tz="Asia/Tokyo")

    readers = Readers(database, clock, users_info)
    try:
        approvals = ApprovalService(database, clock)
        service = ReminderService(
            database,
            clock,
            approvals,
            after=timedelta(hours=24),
            escalate_after=3,
            working_hours=parse_working_hours("Mon-Fri 09:00-18:00"),
            is_active_user=lambda user_id: True,
            look_up_person=readers.look_up_now,
        )
        assert service.sweep() == 0  # in the rollout's hours, but not in U_TOKYO's own
        assert asked == ["U_TOKYO"]
        with database.read() as session:
            person = session.get(SlackPerson, "U_TOKYO")
            assert person is not None and person.tz == "Asia/Tokyo"
        clock.now = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)  # Tuesday 08:59 in Tokyo
        assert service.sweep() == 0
        clock.now = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # Tuesday 09:00 in Tokyo, 01:00 in Paris
        assert service.sweep() == 1
        assert asked == ["U_TOKYO"]  # cached: asked once
        assert mentioned_in_reminders(database) == [["U_TOKYO"]]
        assert step_id
    finally:
        readers.close()


def test_waited_is_said_in_the_largest_whole_unit() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    texts = Texts.of("en")
    assert texts.duration(start + timedelta(seconds=20) - start) == "1 minute(s)"
    assert texts.duration(start + timedelta(hours=5, minutes=59) - start) == "5 hour(s)"
    assert texts.duration(start + timedelta(days=2, hours=23) - start) == "2 day(s)"


# ---------------------------------------------------------------- over HTTP, with short durations


@pytest.fixture
def quick_bot(database_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    running = RunningBot(database_url, fake_slack, msi_reminder_after="2s", msi_sweep_every="1s")
    yield running
    running.stop()


def thread_replies(bot: RunningBot, parent: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in bot.fake.posts(parent["channel"]) if m["thread_ts"] == parent["ts"]]


def test_reminders_arrive_in_the_thread_and_can_be_snoozed_by_the_persona(quick_bot: RunningBot) -> None:
    bot = quick_bot
    start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    step6 = wait_step_message(bot, 6, "C_SFDC")
    reminder = bot.fake.wait_for(lambda: thread_replies(bot, step1), timeout=15)[0]
    assert "<@U_MKTO>" in reminder["text"] and "step 1" in reminder["text"]
    step_id = int(buttons(reminder)["msi_reminder_snooze"]["options"][0]["value"].rsplit(":", 1)[1])
    refused = choose(bot, reminder, "msi_reminder_snooze", f"monday:step:{step_id}", "U_SFDC")
    assert "Only the people this reminder is for" in wait_private_answer(bot, refused)["text"]
    answer = wait_private_answer(
        bot, choose(bot, reminder, "msi_reminder_snooze", f"monday:step:{step_id}", "U_MKTO")
    )
    assert "Snoozed" in answer["text"]
    # The thread is told who snoozed it, and until when (a <!date> each reader sees in their own zone).
    note = bot.fake.wait_for(
        lambda: [m for m in thread_replies(bot, step1) if "snoozed this reminder" in m["text"]]
    )
    assert "<@U_MKTO> snoozed this reminder until <!date^" in note[0]["text"]
    with bot.database.read() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "click_denied")).all()
        snoozed = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_snoozed")).all()
    assert [(event.actor, event.details.get("attempted")) for event in denied] == [("U_SFDC", "snooze")]
    assert [(event.actor, event.details["choice"]) for event in snoozed] == [("U_MKTO", "monday")]
    # A click on a "Snooze 1 day" button of a reminder posted before the menu: until the next working day.
    old_button = block_action(
        "msi_reminder_snooze",
        f"step:{step_id}",
        user="U_MKTO",
        channel=reminder["channel"],
        message_ts=reminder["ts"],
        response_url=bot.fake.response_url("old-snooze"),
    )
    assert bot.slack.interact(old_button).status_code == 200
    assert "Snoozed" in wait_private_answer(bot, old_button["response_url"])["text"]
    with bot.database.read() as session:
        choices = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reminder_snoozed").order_by(AuditEvent.id)
        ).all()
    assert [event.details["choice"] for event in choices] == ["monday", "workday"]
    seen = len(thread_replies(bot, step1))
    # Step 6 is finished: it is never reminded again, while step 1 stays snoozed.
    click(bot, step6, "msi_step_done", "U_SFDC")
    bot.fake.wait_for(lambda: "Done by" in text_of(step6))
    after_done = len(thread_replies(bot, step6))
    time.sleep(4)  # several sweeps (every second) with a 2 s reminder period
    assert len(thread_replies(bot, step1)) == seen
    assert len(thread_replies(bot, step6)) == after_done
    assert "msi_reminder_snooze" in buttons(reminder)
    # /metrics counts the sweeps and the reminders they sent.
    metrics = httpx.get(f"{bot.url}/metrics").text
    sweeps = next(line for line in metrics.splitlines() if line.startswith("msi_reminder_sweeps_total "))
    assert float(sweeps.split()[1]) >= 4
    step_reminders = next(
        line for line in metrics.splitlines() if line.startswith('msi_reminders_sent_total{kind="step"}')
    )
    assert float(step_reminders.split()[1]) >= 2  # steps 1 and 6 at least


def etc_zone(hours_east: int) -> str:
    """The fixed-offset IANA zone `hours_east` hours ahead of UTC (Etc/ names count the other way)."""
    return "Etc/GMT" if hours_east == 0 else f"Etc/GMT{-hours_east:+d}"


def test_over_http_each_persona_is_reminded_in_their_own_working_hours(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # The real clock: a zone where it is now about noon (in MSI_WORKING_HOURS), and one where it is midnight.
    hour = datetime.now(UTC).hour
    noon_east = 12 - hour
    midnight_east = noon_east - 12 if noon_east - 12 >= -12 else noon_east + 12
    bot = RunningBot(
        database_url,
        fake_slack,
        msi_reminder_after="2s",
        msi_sweep_every="1s",
        msi_working_hours="Mon-Sun 10:00-14:00",
    )
    try:
        # What bot/platform/people.py caches from users.info once these people have used the bot.
        # Fresh rows (the real clock), so the bot does not ask Slack again and overwrite them.
        fresh = datetime.now(UTC)
        known_zones(bot.database, fresh, U_MKTO=etc_zone(midnight_east), U_SFDC=etc_zone(noon_east))
        start_rollout(bot)
        step1 = wait_step_message(bot, 1, "C_MKTO")
        step6 = wait_step_message(bot, 6, "C_SFDC")
        reminder6 = bot.fake.wait_for(lambda: thread_replies(bot, step6), timeout=15)[0]
        assert "<@U_SFDC>" in reminder6["text"]
        time.sleep(3)  # several sweeps past the 2 s reminder period: step 1's admin is asleep
        assert thread_replies(bot, step1) == []
        known_zones(bot.database, fresh, U_MKTO=etc_zone(noon_east))  # now seen in a daytime zone
        reminder1 = bot.fake.wait_for(lambda: thread_replies(bot, step1), timeout=15)[0]
        assert "<@U_MKTO>" in reminder1["text"]
    finally:
        bot.stop()


@pytest.mark.postgres
def test_two_bot_processes_on_one_postgresql_database_post_each_reminder_once(
    database_url: str, fake_slack: FakeSlack
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    first = RunningBot(database_url, fake_slack, msi_reminder_after="2s", msi_sweep_every="1s")
    second = RunningBot(database_url, fake_slack, msi_reminder_after="2s", msi_sweep_every="1s")
    try:
        start_rollout(first)
        step1 = wait_step_message(first, 1, "C_MKTO")
        first.fake.wait_for(lambda: len(thread_replies(first, step1)) >= 2, timeout=20)
        with first.database.read() as session:
            counts = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).all()
        step_reminders = [event.details for event in counts if event.details.get("step") == 1]
        assert len(thread_replies(first, step1)) == len(step_reminders)
        assert sorted(details["count"] for details in step_reminders) == list(
            range(1, len(step_reminders) + 1)
        )
    finally:
        first.stop()
        second.stop()


def test_over_http_a_person_the_bot_never_saw_is_looked_up_and_waited_for_in_their_own_hours(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # The real clock: U_MKTO's Slack zone is one where it is now about midnight; nothing tells the bot so but
    # users.info. Without the look-up he would be reminded in the rollout's zone (the owner's).
    hour = datetime.now(UTC).hour
    noon_east = 12 - hour
    midnight_east = noon_east - 12 if noon_east - 12 >= -12 else noon_east + 12
    fake_slack.add_user("U_MKTO", tz=etc_zone(midnight_east))
    for user in ("U_OWNER", "U_SFDC"):
        fake_slack.add_user(user, tz=etc_zone(noon_east))
    bot = RunningBot(
        database_url,
        fake_slack,
        msi_reminder_after="2s",
        msi_sweep_every="1s",
        msi_working_hours="Mon-Sun 10:00-14:00",
    )
    try:
        start_rollout(bot)
        step1 = wait_step_message(bot, 1, "C_MKTO")
        step6 = wait_step_message(bot, 6, "C_SFDC")
        bot.fake.wait_for(lambda: thread_replies(bot, step6), timeout=15)
        with bot.database.read() as session:
            person = session.get(SlackPerson, "U_MKTO")
            assert person is not None and person.tz == etc_zone(midnight_east)
        time.sleep(3)  # several sweeps past the 2 s reminder period: U_MKTO is asleep where he is
        assert thread_replies(bot, step1) == []
        assert len(fake_slack.locale_lookups("U_MKTO")) == 1  # cached: not asked again at every sweep
    finally:
        bot.stop()


@pytest.mark.postgres
def test_two_bot_processes_on_one_postgresql_database_send_each_digest_once(
    database_url: str, fake_slack: FakeSlack
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    first = RunningBot(database_url, fake_slack, msi_reminder_after="30s", msi_sweep_every="1s")
    second = RunningBot(database_url, fake_slack, msi_reminder_after="30s", msi_sweep_every="1s")
    try:
        start_rollout(first, "Production")
        start_rollout(first, "Sandbox", environment="sandbox")
        # Both rollouts' open steps wait since a minute ago: due together, at the next sweep of either bot.
        with first.database.write() as session:
            for step in session.scalars(select(Step).where(col(Step.remind_from).is_not(None))):
                step.remind_from = datetime.now(UTC) - timedelta(minutes=1)

        def digests(user: str) -> list[dict[str, Any]]:
            # The fake opens a direct message to U… as channel D… (as Slack gives a DM its own id).
            return [m for m in fake_slack.posts("D" + user[1:]) if "items are waiting on you" in m["text"]]

        fake_slack.wait_for(lambda: digests("U_MKTO") and digests("U_SFDC"), timeout=20)
        time.sleep(3)  # several more sweeps of both bots
        assert len(digests("U_MKTO")) == 1 and len(digests("U_SFDC")) == 1
        assert "2 items are waiting on you" in digests("U_MKTO")[0]["text"]
        with first.database.read() as session:
            sent = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).all()
        assert len(sent) == len({(e.rollout_id, e.details.get("step")) for e in sent})  # each claimed once
        assert all(event.details["digested"] and not event.details["mentioned"] for event in sent)
        steps = [message for message in fake_slack.posts() if message["thread_ts"] is None]
        assert all(thread_replies(first, message) == [] for message in steps)
    finally:
        first.stop()
        second.stop()


def test_the_snooze_menu_is_within_slacks_limits_and_the_fake_slack_refuses_one_that_is_not() -> None:
    from playground.limits import block_problems

    for language in ("en", "ja"):
        message = reminder_blocks(Texts.of(language), "x", f"approval:{'9' * 11}")
        assert block_problems(message, 50) == []
        menu = message[1]["elements"][0]
        assert [option["value"].split(":")[0] for option in menu["options"]] == ["hour", "workday", "monday"]
    menu["options"][0]["value"] = "v" * 151
    assert block_problems(message, 50) == [
        "option value must be 1 to 150 characters [json-pointer:/blocks/1]"
    ]
    menu["options"] = []
    assert block_problems(message, 50) == ["must provide between 1 and 100 options [json-pointer:/blocks/1]"]
    menu.update(type="overflow", options=[{"text": {"type": "plain_text", "text": "o"}, "value": "v"}] * 6)
    assert block_problems(message, 50) == ["must provide between 1 and 5 options [json-pointer:/blocks/1]"]
