"""Scenario: `/msi doctor` over HTTP and `msi-bot doctor` as a process, against fake Slack and Salesforce."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.doctor.service import Doctor
from storage.db import Database
from storage.models import OutboxItem
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot
from tests.fake_salesforce import FakeSalesforce
from tests.fake_slack import FakeSlack
from tests.flow_helpers import start_rollout

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "doctor-client-id"
CLIENT_SECRET = "doctor-client-secret-77"


def doctor(bot: RunningBot, user: str = "U_OWNER") -> tuple[str, dict[str, Any] | None]:
    """The acknowledgement's text, and the findings that follow on the response_url (None if none)."""
    url = bot.fake.response_url(f"doctor-{user}")
    response = bot.slack.slash("doctor", user=user, channel="C_MKTO", response_url=url)
    assert response.status_code == 200
    ack = response.json()
    assert ack["response_type"] == "ephemeral"
    if "Checking" not in ack["text"]:
        return ack["text"], None
    answer = bot.fake.wait_for(
        lambda: next((r["body"] for r in bot.fake.responses if r["path"].endswith(f"doctor-{user}")), None)
    )
    return ack["text"], answer


def sections(answer: dict[str, Any]) -> dict[str, str]:
    """Each check's section text, keyed by the check's name in bold."""
    found = {}
    for block in answer["blocks"][1:]:
        text = block["text"]["text"]
        name = text.split("*")[1]
        found[name] = text
    return found


def test_the_owner_sees_every_check_pass_in_order(bot: RunningBot) -> None:
    start_rollout(bot)
    ack, answer = doctor(bot)
    assert "Checking the deployment" in ack
    assert answer is not None and answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"] == "Doctor: 7 of 7 checks passed"
    checks = sections(answer)
    assert list(checks) == [
        "Bot token",
        "Scopes",
        "Channels",
        "People",
        "Salesforce org",
        "Database",
        "Notifications",
    ]
    assert all(text.startswith(":white_check_mark:") for text in checks.values()), checks
    assert "all 13 scopes of manifest.yml are granted" in checks["Scopes"]
    assert "all 2 channels of the 1 active rollouts" in checks["Channels"]
    # Read-only: the doctor joins nothing and posts nothing.
    assert bot.fake.calls_to("conversations.join") == []


def test_each_broken_part_is_named_with_its_fix(bot: RunningBot) -> None:
    start_rollout(bot)
    bot.fake.channels["C_SFDC"]["is_archived"] = True
    bot.fake.users["U_MKTO"]["deleted"] = True
    bot.fake.granted_scopes.remove("files:write")
    _ack, answer = doctor(bot)
    assert answer is not None
    assert answer["blocks"][0]["text"]["text"] == "Doctor: 4 of 7 checks passed"
    checks = sections(answer)
    assert checks["Scopes"].startswith(":x:") and "missing `files:write`" in checks["Scopes"]
    assert "reinstall" in checks["Scopes"]
    assert "<#C_SFDC> of rollout “Production” is archived. Unarchive it" in checks["Channels"]
    assert "<@U_MKTO> (rollout “Production”) is no longer in the workspace" in checks["People"]
    assert checks["Bot token"].startswith(":white_check_mark:")


def test_a_revoked_token_fails_first_and_the_slack_checks_say_they_were_not_run(bot: RunningBot) -> None:
    start_rollout(bot)
    bot.fake.revoked = "token_revoked"
    _ack, answer = doctor(bot)
    assert answer is not None
    checks = sections(answer)
    assert (
        "Slack refused it (token_revoked)" in checks["Bot token"] and "SLACK_BOT_TOKEN" in checks["Bot token"]
    )
    for name in ("Scopes", "Channels", "People"):
        assert checks[name].startswith(":white_circle:") and "not checked" in checks[name]
    assert checks["Database"].startswith(":white_check_mark:")


def test_someone_without_a_role_is_told_who_may_and_nothing_is_checked(bot: RunningBot) -> None:
    start_rollout(bot)
    # The doctor would ask conversations.info of each channel (users.info is also the locale look-up).
    before = {method: len(bot.fake.calls_to(method)) for method in ("conversations.info",)}
    ack, answer = doctor(bot, user="U_OTHER")
    assert answer is None
    assert ack == "Only rollout owners and the admins of a rollout can run the doctor."
    assert {method: len(bot.fake.calls_to(method)) for method in before} == before
    # A persona member may.
    _ack, member_answer = doctor(bot, user="U_SFDC")
    assert member_answer is not None


def test_notifications_due_long_ago_are_reported_as_not_draining(
    database: Database, fake_slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    with database.write() as session:
        session.add(
            OutboxItem(
                kind="post", target="C1", payload={}, not_before=now - timedelta(hours=2), created_at=now
            )
        )
    examiner = Doctor(database, _client(fake_slack), {}, lambda: now)
    (outbox,) = [finding for finding in examiner.examine() if finding.check == "outbox"]
    assert not outbox.ok
    (problem,) = outbox.problems
    assert problem.key == "doctor.outbox.stuck" and problem.params["count"] == 1


def _client(fake: FakeSlack) -> Any:
    from slack_sdk import WebClient

    return WebClient(token=BOT_TOKEN, base_url=fake.url, retry_handlers=[])


@pytest.fixture
def org() -> Iterator[FakeSalesforce]:
    server = FakeSalesforce(CLIENT_ID, CLIENT_SECRET).start()
    yield server
    server.stop()


def run_doctor(fake: FakeSlack, database_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "MSI_", "SALESFORCE_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_doctor_exits_0_when_all_is_well_and_1_naming_what_failed(
    bot: RunningBot, org: FakeSalesforce
) -> None:
    start_rollout(bot)
    good = run_doctor(
        bot.fake,
        bot.database_url,
        SALESFORCE_URL=org.url,
        SALESFORCE_CLIENT_ID=CLIENT_ID,
        SALESFORCE_CLIENT_SECRET=CLIENT_SECRET,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    lines = good.stdout.splitlines()
    assert len(lines) == 7 and all(line.startswith("OK") for line in lines), lines
    assert "OK   Salesforce org: the credentials work (Production)." in lines
    assert "OK   Channels: the bot is in all 2 channels of the 1 active rollouts." in lines

    bot.fake.channels["C_MKTO"]["is_member"] = False
    bad = run_doctor(
        bot.fake,
        bot.database_url,
        SALESFORCE_URL=org.url,
        SALESFORCE_CLIENT_ID=CLIENT_ID,
        SALESFORCE_CLIENT_SECRET="wrong-secret-123",
    )
    assert bad.returncode == 1
    failed = [line for line in bad.stdout.splitlines() if line.startswith("FAIL")]
    assert failed == [
        "FAIL Channels: the bot is not in #C_MKTO (rollout “Production”). Add the app to that channel.",
        f"FAIL Salesforce org: Production: Salesforce at {org.url.split('//')[1]} refused the client ID or "
        "secret. "
        "Check the connected app's consumer key and secret in the bot's settings.",
    ]
    output = bad.stdout + bad.stderr
    assert "wrong-secret-123" not in output and BOT_TOKEN not in output


def test_a_user_group_that_emptied_is_named_with_its_fix(bot: RunningBot) -> None:
    bot.fake.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC2"])
    bot.fake.add_usergroup("S_MKTO", "mkto-admins", users=["U_MKTO2"])
    start_rollout(bot, salesforce_groups=["S_SFDC"], marketo_groups=["S_MKTO"])
    _ack, answer = doctor(bot)
    assert answer is not None and sections(answer)["People"].startswith(":white_check_mark:")
    bot.fake.usergroups["S_SFDC"]["users"] = []
    bot.fake.usergroups["S_MKTO"]["date_delete"] = 1  # disabled: Slack no longer lists it
    bot.fake.responses.clear()
    _ack, answer = doctor(bot)
    assert answer is not None
    people = sections(answer)["People"]
    assert people.startswith(":x:")
    assert "User group @sfdc-admins (rollout “Production”) has no members, or was disabled" in people
    assert "User group S_MKTO (rollout “Production”) has no members" in people
    assert "change it with Edit" in people
