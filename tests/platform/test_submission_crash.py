"""A modal submission is recorded as acted on in the same transaction as the change it makes: a crash
before that change is committed leaves nothing recorded, so the person's next try of the same modal acts
(before, the view was recorded first, and the next try was ignored as a replay: what they typed was lost)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.db import Database
from storage.models import ActedSubmission, AuditEvent, Step
from tests.fake_slack import FakeSlack
from tests.harness import view_submission
from tests.platform.test_crash_recovery import Bot, send_quietly, start_and_settle


def help_submission(step_id: int) -> dict[str, object]:
    return view_submission(
        "msi_step_help_view",
        {"problem": {"problem": {"type": "plain_text_input", "value": "The sync field is missing"}}},
        user="U_MKTO",
        private_metadata=str(step_id),
    )


def blocked_audits(database: Database) -> int:
    with database.read() as session:
        return len(session.scalars(select(AuditEvent).where(AuditEvent.action == "step_blocked")).all())


def test_a_crash_while_acting_on_a_submission_lets_the_same_modal_act_after_the_restart(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, database: Database
) -> None:
    bot = Bot(tmp_path, database_url, fake_slack, crash_at="submission_acting")
    start_and_settle(bot, fake_slack)
    with database.read() as session:
        step_id = session.scalars(select(Step.id).where(Step.number == 1)).one()
    submission = help_submission(step_id)
    send_quietly(bot.slack.interact, submission)
    bot.wait_killed()
    with database.read() as session:
        assert session.scalars(select(ActedSubmission)).all() == []
    assert blocked_audits(database) == 0

    bot = Bot(tmp_path, database_url, fake_slack)
    try:
        # Slack keeps a modal open when its submission got no answer: the same view is submitted again.
        assert bot.slack.interact(submission).status_code == 200
        assert blocked_audits(database) == 1
        # and a replay of it after that changes nothing
        assert bot.slack.interact(submission).status_code == 200
        assert blocked_audits(database) == 1
        with database.read() as session:
            assert [row.view_id for row in session.scalars(select(ActedSubmission))] == [
                submission["view"]["id"]  # type: ignore[index]
            ]
    finally:
        bot.stop()
