"""A rollout's own non-working dates (set by the owner in Edit) hold its reminders, in each recipient's own
local date, exactly as MSI_HOLIDAYS does; with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.config import parse_working_hours
from bot.reminders.calendar import WorkingCalendar, off_days
from storage.db import Database
from storage.models import Rollout
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import audit_actions, start_rollout, wait_step_message
from tests.harness import start_form_values, view_submission
from tests.reminders.test_reminders import (
    Clock,
    add_member,
    known_zones,
    make_service,
    mentioned_in_reminders,
    seed,
)


def set_off_dates(database: Database, rollout_id: int, *rows: list[str]) -> None:
    with database.write() as session:
        rollout = session.get(Rollout, rollout_id)
        assert rollout is not None
        rollout.off_dates = [list(row) for row in rows]


def test_the_calendar_skips_a_rollouts_own_dates_and_opens_after_them() -> None:
    calendar = WorkingCalendar(parse_working_hours("Mon-Fri 09:00-18:00"))
    off = off_days([["2026-12-29", "2027-01-03", "年末年始"], ["bad", "row"]])
    assert off == ((date(2026, 12, 29), date(2027, 1, 3)),)
    tuesday = datetime(2026, 12, 29, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert calendar.is_working(tuesday, "Europe/Paris")
    assert not calendar.is_working(tuesday, "Europe/Paris", off)
    # The next opening is Monday 4 January, 09:00 in Paris.
    assert calendar.next_opening(tuesday, "Europe/Paris", off) == datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def test_a_shutdown_is_judged_on_each_recipients_own_date(database: Database) -> None:
    # 2027-01-06 00:30 UTC: Wednesday 09:30 in Tokyo, still Tuesday 5 January 16:30 in Los Angeles.
    moment = datetime(2027, 1, 6, 0, 30, tzinfo=UTC)
    rollout_id, _ = seed(database, opened=moment - timedelta(days=2))
    add_member(database, rollout_id, "U_LA")
    known_zones(database, U_MKTO="Asia/Tokyo", U_GONE="Asia/Tokyo", U_LA="America/Los_Angeles")
    set_off_dates(database, rollout_id, ["2027-01-05", "2027-01-05", "棚卸し"])
    assert make_service(database, Clock(moment)).sweep() == 1
    assert mentioned_in_reminders(database) == [["U_MKTO", "U_GONE"]]  # not U_LA, on his 5 January


def test_an_owners_shutdown_dates_hold_reminders_over_http_and_they_resume_after(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # Monday 28 December 2026, 10:00 in Paris (everyone's zone in the fake Slack).
    clock = Clock(datetime(2026, 12, 28, 9, 0, tzinfo=UTC))
    bot = RunningBot(database_url, fake_slack, clock=clock)
    try:
        rollout_id = start_rollout(bot)
        wait_step_message(bot, 1, "C_MKTO")
        edit = start_form_values(off_dates="2026-12-29..2027-01-03 年末年始")
        for block_id in ("name", "environment", "prerequisites"):
            edit.pop(block_id)
        answer = bot.slack.interact(
            view_submission("msi_edit_rollout", edit, private_metadata=str(rollout_id))
        )
        assert answer.status_code == 200 and not answer.content, answer.text
        # Due on Tuesday, and on every working hour of the shutdown: nothing is sent.
        for day in (29, 30, 31):
            clock.now = datetime(2026, 12, day, 9, 0, tzinfo=UTC)
            assert bot.runtime.reminders.sweep() == 0
        clock.now = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
        assert bot.runtime.reminders.sweep() == 0
        # Monday 4 January, 10:00 in Paris: the shutdown is over.
        clock.now = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
        assert bot.runtime.reminders.sweep() >= 1
        reminded = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "reminder_sent"]
        assert reminded and {d.get("step") for d in reminded} <= {1, 6}
        with bot.database.read() as session:
            rollout = session.scalars(select(Rollout).where(Rollout.id == rollout_id)).one()
            assert rollout.off_dates == [["2026-12-29", "2027-01-03", "年末年始"]]
    finally:
        bot.stop()


def test_snoozing_until_the_next_working_day_or_monday_skips_the_rollouts_own_dates(
    database: Database,
) -> None:
    service = make_service(database, Clock(datetime(2026, 12, 28, 9, 0, tzinfo=UTC)))
    monday = datetime(2026, 12, 28, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    off = off_days([["2026-12-29", "2027-01-05", "年末年始"]])
    assert service.snooze_until("workday", monday, "Europe/Paris") == datetime(2026, 12, 29, 8, 0, tzinfo=UTC)
    assert service.snooze_until("workday", monday, "Europe/Paris", off) == datetime(
        2027, 1, 6, 8, 0, tzinfo=UTC
    )
    # Next Monday is 4 January, inside the dates: the first working day after them.
    assert service.snooze_until("monday", monday, "Europe/Paris", off) == datetime(
        2027, 1, 6, 8, 0, tzinfo=UTC
    )
    assert service.snooze_until("hour", monday, "Europe/Paris", off) == monday + timedelta(hours=1)
