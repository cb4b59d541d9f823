"""Reminders for a persona given as a Slack user group: the group is mentioned as a group, when it is working
time for one of its current members (each in their own zone); a group with nobody in it counts as nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import delete, select

from bot.slack.usergroups import UserGroups
from storage.db import Database
from storage.models import MemberKind, OutboxItem, RolloutMember
from tests.fake_slack import FakeSlack
from tests.reminders.test_reminders import Clock, known_zones, make_service, seed


def groups_for(fake: FakeSlack, clock: Clock) -> UserGroups:
    return UserGroups(WebClient(token=fake.expected_token, base_url=fake.url), clock)


def only_the_group(database: Database, rollout_id: int, group_id: str) -> None:
    with database.write() as session:
        session.execute(
            delete(RolloutMember).where(
                RolloutMember.rollout_id == rollout_id, RolloutMember.persona == "marketo_admin"
            )
        )
        session.add(
            RolloutMember(
                rollout_id=rollout_id, persona="marketo_admin", user_id=group_id, kind=MemberKind.GROUP
            )
        )


def reminder_texts(database: Database) -> list[str]:
    with database.read() as session:
        return [
            str(item.payload.get("text"))
            for item in session.scalars(select(OutboxItem).order_by(OutboxItem.id))
            if item.message_id is not None
        ]


def test_a_group_is_mentioned_in_its_members_hours_not_the_rollouts(
    database: Database, fake_slack: FakeSlack
) -> None:
    # Tuesday 10:00 in Tokyo is Tuesday 02:00 in Paris, the rollout's zone.
    moment = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    rollout_id, _ = seed(database, opened=moment - timedelta(days=2))
    fake_slack.add_usergroup("S_MKTO", "mkto-admins", users=["U_TOKYO"])
    only_the_group(database, rollout_id, "S_MKTO")
    clock = Clock(moment - timedelta(hours=4))  # Tuesday 06:00 in Tokyo: before the group's hours
    service = make_service(database, clock)
    service.groups = groups_for(fake_slack, clock)
    known_zones(database, U_TOKYO="Asia/Tokyo")
    assert service.sweep() == 0
    clock.now = moment
    assert service.sweep() == 1
    texts = reminder_texts(database)
    assert len(texts) == 1 and "<!subteam^S_MKTO>" in texts[0] and "<!channel>" not in texts[0]


def test_a_group_nobody_is_in_any_more_counts_as_nobody(database: Database, fake_slack: FakeSlack) -> None:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
    rollout_id, _ = seed(database, opened=moment - timedelta(days=2))
    fake_slack.add_usergroup("S_MKTO", "mkto-admins", users=[])
    only_the_group(database, rollout_id, "S_MKTO")
    service = make_service(database, Clock(moment))
    service.groups = groups_for(fake_slack, Clock(moment))
    assert service.sweep() == 1
    texts = reminder_texts(database)
    assert len(texts) == 1 and "<!subteam^" not in texts[0]
