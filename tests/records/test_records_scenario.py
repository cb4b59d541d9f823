"""Scenario: what the bot keeps about invitees is erased after MSI_RETENTION, exported and erased on request.

The bot runs as in production; the data commands run as the real `msi-bot` processes an admin would start,
against the same database, while the bot runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.records.service import RecordService
from bot.reminders import housekeeping
from storage.models import AuditEvent, CsvDraft, Invitee, OutboxItem, Step
from tests.approvals.test_approvals_scenario import request_step_4
from tests.conftest import RunningBot
from tests.flow_helpers import audit_actions, click, home_click, start_rollout, text_of
from tests.invitations.test_invitations_scenario import invite
from tests.uploads.test_uploads_scenario import GOOD_CSV, upload, wait_preview

REPO_ROOT = Path(__file__).resolve().parents[2]
YEAR = timedelta(days=365)


def invitees(bot: RunningBot) -> list[Invitee]:
    with bot.database.read() as session:
        return list(session.scalars(select(Invitee).order_by(Invitee.id)))


def msi_bot(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SLACK_", "MSI_"))}
    env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *arguments],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_cancelled_rollouts_invitees_are_erased_after_the_retention_leaving_counts_and_an_audit_row(
    bot: RunningBot,
) -> None:
    ended = start_rollout(bot, name="Production")
    invite(bot, "ana@example.com ben@example.com carl@example.com")
    home_click(bot, "msi_home_cancel", str(ended), "U_OWNER")
    bot.fake.wait_for(lambda: ("U_OWNER", "rollout_cancelled", {}) in audit_actions(bot, ended))
    running = start_rollout(bot, name="Sandbox")
    invite(bot, "dan@example.com")
    records: RecordService = bot.runtime.services.records
    now = datetime.now(UTC)

    assert records.expire(now=now + YEAR - timedelta(days=1), keep=YEAR) == []
    assert {row.email for row in invitees(bot)} == {
        "ana@example.com",
        "ben@example.com",
        "carl@example.com",
        "dan@example.com",
    }

    assert records.expire(now=now + YEAR + timedelta(days=1), keep=YEAR) == [ended]
    rows = invitees(bot)
    erased = [row for row in rows if row.rollout_id == ended]
    assert len(erased) == 3
    assert {(row.email, row.first_name, row.last_name, row.team) for row in erased} == {("", "", "", "")}
    # The counts stay: the rows, their batch and their states are kept.
    assert {row.status for row in erased} == {"released"}
    assert [row.email for row in rows if row.rollout_id == running] == ["dan@example.com"]
    audited = [d for u, a, d in audit_actions(bot, ended) if a == "personal_data_erased"]
    assert len(audited) == 1 and audited[0]["reason"] == "retention" and audited[0]["kept_days"] == 365
    assert audited[0]["invitees"] == 3 and audited[0]["notifications"] > 0
    with bot.database.read() as session:
        assert not [i for i in session.scalars(select(OutboxItem)) if i.rollout_id == ended]
    assert not [a for _u, a, _d in audit_actions(bot, running) if a == "personal_data_erased"]
    # Once erased, a rollout is not erased (nor audited) again.
    assert records.expire(now=now + 2 * YEAR, keep=YEAR) == []
    assert len([a for _u, a, _d in audit_actions(bot, ended) if a == "personal_data_erased"]) == 1


def test_a_finished_rollout_is_erased_a_retention_after_its_last_step_and_a_reopened_one_is_not(
    bot: RunningBot,
) -> None:
    finished = start_rollout(bot, name="Production")
    invite(bot, "ana@example.com")
    records: RecordService = bot.runtime.services.records
    now = datetime.now(UTC)
    last_step_done = now - timedelta(days=400)
    with bot.database.write() as session:
        session.execute(
            update(Step)
            .where(Step.rollout_id == finished)  # type: ignore[arg-type]
            .values(state="done", done_at=now - timedelta(days=500))
        )
        session.execute(
            update(Step)
            .where(Step.rollout_id == finished, Step.number == 7)  # type: ignore[arg-type]
            .values(done_at=last_step_done)
        )
    # Its last step was done 400 days ago: not yet two years.
    assert records.expire(now=now, keep=timedelta(days=401)) == []
    with bot.database.write() as session:
        session.execute(
            update(Step)
            .where(Step.rollout_id == finished, Step.number == 7)  # type: ignore[arg-type]
            .values(state="open", done_at=None)
        )
    assert records.expire(now=now, keep=timedelta(days=30)) == []  # reopened: not finished
    with bot.database.write() as session:
        session.execute(
            update(Step)
            .where(Step.rollout_id == finished, Step.number == 7)  # type: ignore[arg-type]
            .values(state="done", done_at=last_step_done)
        )
    assert records.expire(now=now, keep=timedelta(days=30)) == [finished]
    assert [row.email for row in invitees(bot)] == [""]


def test_the_retention_job_is_scheduled_unless_retention_is_never(database_url: str, fake_slack) -> None:  # type: ignore[no-untyped-def]
    kept = RunningBot(database_url, fake_slack, msi_retention="30d")
    try:
        assert kept.runtime.scheduler.get_job(housekeeping.RETENTION_JOB_ID) is not None
    finally:
        kept.stop()
    never = RunningBot(database_url, fake_slack, msi_retention="never")
    try:
        assert never.settings.msi_retention is None
        assert never.runtime.scheduler.get_job(housekeeping.RETENTION_JOB_ID) is None
    finally:
        never.stop()


def test_export_writes_the_rollouts_whole_record_as_json(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot, name="Production")
    # A history: three steps done, step 4 approved by the Salesforce admin, a batch requested.
    _step4, request, _url = request_step_4(bot)
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by" in text_of(request))
    invite(bot, "ana@example.com")
    exported = msi_bot(bot.database_url, "export", "--rollout", "  production ")
    assert exported.returncode == 0, exported.stderr
    record = json.loads(exported.stdout)
    assert record["rollout"]["id"] == rollout_id and record["rollout"]["name"] == "Production"
    assert [step["number"] for step in record["steps"]] == [1, 2, 3, 4, 5, 6, 7]
    assert [row["email"] for row in record["invitees"]] == ["ana@example.com"]
    assert len(record["batches"]) == 1 and record["approvals"]
    assert {"rollout_started", "step_done", "approval_approved", "batch_created"} <= {
        event["action"] for event in record["audit"]
    }
    assert [step["state"] for step in record["steps"][:4]] == ["done", "done", "done", "approved"]
    assert {approval["status"] for approval in record["approvals"]} == {"approved", "pending"}
    assert {"U_MKTO", "U_SFDC"} <= {member["user_id"] for member in record["members"]}

    missing = msi_bot(bot.database_url, "export", "--rollout", "Nope")
    assert missing.returncode == 1 and "no rollout is called 'Nope'" in missing.stderr
    assert missing.stdout == ""


def test_erase_removes_one_address_everywhere_while_the_bot_runs_and_audits_it(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot, name="Production")
    invite(bot, "Ana@Example.com ben@example.com")
    upload(bot, "F1", "users.csv", GOOD_CSV)  # lists ana@example.com twice: its preview shows the address
    preview = wait_preview(bot)
    assert "ana@example.com" in text_of(preview)

    erased = msi_bot(bot.database_url, "erase", "--email", "ANA@example.com")
    assert erased.returncode == 0, erased.stderr
    assert "1 invitees" in erased.stdout and "1 drafts" in erased.stdout and "1 messages" in erased.stdout

    rows = invitees(bot)
    assert [(row.email, row.status) for row in rows] == [("", "released"), ("ben@example.com", "requested")]
    with bot.database.read() as session:
        (draft,) = session.scalars(select(CsvDraft))
        assert draft.content is None and draft.status == "expired"
        for item in session.scalars(select(OutboxItem)):
            assert "ana@example.com" not in json.dumps(item.payload).lower()
        for event in session.scalars(select(AuditEvent)):
            assert "ana@example.com" not in json.dumps(event.details).lower()
    # The preview in Slack is rewritten by the running bot.
    bot.fake.wait_for(lambda: "ana@example.com" not in text_of(preview).lower())
    assert "(erased)" in text_of(preview)
    audited = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "address_erased"]
    assert audited == [{"reason": "request", "invitees": 1, "drafts": 1, "messages": 1}]

    again = msi_bot(bot.database_url, "erase", "--email", "ana@example.com")
    assert again.returncode == 0 and "nothing changed" in again.stderr
    assert len([a for _u, a, _d in audit_actions(bot, rollout_id) if a == "address_erased"]) == 1


def test_data_commands_refuse_a_database_this_version_has_not_migrated(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = msi_bot(empty, "export", "--rollout", "Production")
    assert result.returncode == 1
    assert "start `msi-bot run` of this version once" in result.stderr and result.stdout == ""
    bad = msi_bot("mysql://user:hunter2@db/x", "erase", "--email", "a@example.com")
    assert bad.returncode == 2 and "DATABASE_URL" in bad.stderr and "hunter2" not in bad.stderr
    unreachable = msi_bot("postgresql+psycopg://admin:hunter2@127.0.0.1:9/x", "export", "--rollout", "P")
    assert unreachable.returncode == 1 and "did not answer" in unreachable.stderr
    assert "hunter2" not in unreachable.stderr + unreachable.stdout
