"""The one refusal path (bot.platform.access) on a real database: whatever the domain wrote before it refused
is rolled back, and the refusal leaves exactly its private answer and its `click_denied` audit row, written
in one transaction: the one a queued click is finished with."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.platform.access import Click, Refusal, answers_refusals, answers_refusals_as
from bot.platform.clicks import ClickQueue
from bot.texts import Texts
from storage.db import Database
from storage.models import AuditEvent, OutboxItem, PendingClick, Rollout

texts = Texts.of("en")  # the English table, which these checks read

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RESPONSE_URL = "https://hooks.slack.com/actions/T1/1/x"


class RenamingService:
    """A domain that changes a rollout and then finds the clicker may not: what a refusal must undo."""

    def __init__(self, database: Database, rollout_id: int):
        self.database = database
        self.rollout_id = rollout_id

    def clock(self) -> datetime:
        return NOW

    def _rename_then_refuse(self, user_id: str) -> str:
        with self.database.write() as session:
            rollout = session.get(Rollout, self.rollout_id)
            assert rollout is not None
            rollout.name = "Renamed before the refusal"
            session.flush()
            raise Refusal(
                "deny.owner_only",
                {"rollout": rollout.name, "owner": "<@U_OWNER>"},
                attempted="rename",
                rollout_id=self.rollout_id,
                step=3,
            )

    @answers_refusals
    def rename(self, *, click: Click) -> str:
        return self._rename_then_refuse(click.user_id)

    @answers_refusals_as(lambda text: f"answered: {text}")
    def rename_command(self, *, user_id: str) -> str:
        return self._rename_then_refuse(user_id)


@pytest.fixture
def rollout_id(database: Database) -> int:
    with database.write() as session:
        rollout = Rollout(
            name="Production",
            name_key="production",
            environment="production",
            owner_id="U_OWNER",
            time_zone="UTC",
            marketo_channel="C_MKTO",
            salesforce_channel="C_SFDC",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(rollout)
        session.flush()
        assert rollout.id is not None
        return rollout.id


def rollout_name(database: Database, rollout_id: int) -> str:
    with database.read() as session:
        rollout = session.get(Rollout, rollout_id)
        assert rollout is not None
        return rollout.name


def audit_rows(database: Database) -> list[tuple[int | None, str, str, dict[str, object]]]:
    with database.read() as session:
        rows = session.scalars(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(row.rollout_id, row.actor, row.action, row.details) for row in rows]


def outbox_rows(database: Database) -> list[tuple[str, dict[str, object]]]:
    with database.read() as session:
        rows = session.scalars(select(OutboxItem).order_by(col(OutboxItem.id))).all()
        return [(row.kind, row.payload) for row in rows]


# The text the catalog gives "deny.owner_only" with the params above: the answer is the catalog's, filled
# with the params as raised.
ANSWER = texts.text("deny.owner_only", rollout="Renamed before the refusal", owner="<@U_OWNER>")


def test_a_refused_click_rolls_the_domain_back_and_leaves_only_its_answer_and_audit_row(
    database: Database, rollout_id: int
) -> None:
    service = RenamingService(database, rollout_id)
    assert service.rename(click=Click(user_id="U_OTHER", response_url=RESPONSE_URL)) is None
    assert rollout_name(database, rollout_id) == "Production"
    assert audit_rows(database) == [
        (rollout_id, "U_OTHER", "click_denied", {"attempted": "rename", "step": 3})
    ]
    assert outbox_rows(database) == [("respond", {"url": RESPONSE_URL, "text": ANSWER})]


def test_a_refused_click_without_a_response_url_is_answered_by_direct_message(
    database: Database, rollout_id: int
) -> None:
    RenamingService(database, rollout_id).rename(click=Click(user_id="U_OTHER"))
    assert outbox_rows(database) == [("post", {"channel": "U_OTHER", "text": ANSWER})]
    assert [action for _r, _a, action, _d in audit_rows(database)] == ["click_denied"]


def test_a_refused_command_is_audited_and_answered_in_its_acknowledgement(
    database: Database, rollout_id: int
) -> None:
    answer = RenamingService(database, rollout_id).rename_command(user_id="U_OTHER")
    assert answer == f"answered: {ANSWER}"
    assert rollout_name(database, rollout_id) == "Production"
    assert audit_rows(database) == [
        (rollout_id, "U_OTHER", "click_denied", {"attempted": "rename", "step": 3})
    ]
    assert outbox_rows(database) == []  # the acknowledgement carries the answer


def test_a_queued_refused_click_is_finished_with_its_answer_and_nothing_else(
    database: Database, rollout_id: int
) -> None:
    service = RenamingService(database, rollout_id)
    queue = ClickQueue(database, clock=lambda: NOW)
    queue.register("rename", lambda queued: service.rename(click=queued.click))
    body = {
        "type": "block_actions",
        "user": {"id": "U_OTHER"},
        "actions": [{"action_id": "rename", "value": "1"}],
        "response_url": RESPONSE_URL,
    }
    assert queue.accept(body)
    assert queue.run_once() == 1
    with database.read() as session:
        assert session.scalars(select(PendingClick)).all() == []
    assert rollout_name(database, rollout_id) == "Production"
    assert len(audit_rows(database)) == 1 and len(outbox_rows(database)) == 1


def test_the_answer_the_audit_row_and_the_clicks_completion_commit_together_or_not_at_all(
    database: Database, rollout_id: int
) -> None:
    service = RenamingService(database, rollout_id)
    finished: list[bool] = []

    def finish_then_fail(session: object) -> None:
        # The click was taken over meanwhile (bot/platform/clicks.py): its completion rolls back, and with it
        # everything written in the same transaction.
        finished.append(True)
        raise LookupError("taken over")

    with pytest.raises(LookupError), database.finishing_with(finish_then_fail):
        service.rename(click=Click(user_id="U_OTHER", response_url=RESPONSE_URL))
    assert finished == [True]  # the completion ran in the refusal's transaction (the domain's rolled back)
    assert audit_rows(database) == [] and outbox_rows(database) == []
    assert rollout_name(database, rollout_id) == "Production"


def test_only_the_refusal_is_caught(database: Database, rollout_id: int) -> None:
    class Failing(RenamingService):
        @answers_refusals
        def rename(self, *, click: Click) -> str:
            raise RuntimeError("a bug is not a refusal")

    with pytest.raises(RuntimeError):
        Failing(database, rollout_id).rename(click=Click(user_id="U_OTHER"))
    assert audit_rows(database) == [] and outbox_rows(database) == []
