"""Scenario: Verify in Salesforce on steps 6 and 7, against a local fake org, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from bot.steps import cards
from storage.models import Rollout, Step
from tests.conftest import RunningBot
from tests.fake_salesforce import FakeSalesforce, RemoteSite, Version
from tests.fake_slack import FakeSlack
from tests.flow_helpers import (
    audit_actions,
    buttons,
    click,
    start_rollout,
    step_states,
    text_of,
    wait_private_answer,
    wait_step_message,
)
from tests.harness import view_submission

CLIENT_ID = "3MVG9-test-client-id"
CLIENT_SECRET = "SF-SECRET-5e1c9a7b"


@pytest.fixture
def org() -> Iterator[FakeSalesforce]:
    server = FakeSalesforce(CLIENT_ID, CLIENT_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def verifying_bot(database_url: str, fake_slack: FakeSlack, org: FakeSalesforce) -> Iterator[RunningBot]:
    running = RunningBot(
        database_url,
        fake_slack,
        salesforce_url=org.url,
        salesforce_client_id=CLIENT_ID,
        salesforce_client_secret=CLIENT_SECRET,
    )
    yield running
    running.stop()


def test_without_salesforce_settings_there_is_no_verify_button(bot: RunningBot) -> None:
    start_rollout(bot)
    assert "msi_step_verify" not in buttons(wait_step_message(bot, 6, "C_SFDC"))
    # And Mark done on step 6 completes directly, as before.
    step6 = wait_step_message(bot, 6, "C_SFDC")
    click(bot, step6, "msi_step_done", "U_SFDC")
    bot.fake.wait_for(lambda: "Done by" in text_of(step6))


def test_a_passing_check_is_shown_check_by_check_and_kept_as_evidence(
    verifying_bot: RunningBot, org: FakeSalesforce
) -> None:
    bot = verifying_bot
    rollout_id = start_rollout(bot)
    step6 = wait_step_message(bot, 6, "C_SFDC")
    assert "msi_step_verify" in buttons(step6)
    answer = wait_private_answer(bot, click(bot, step6, "msi_step_verify", "U_SFDC"))
    assert "every check passed" in answer["text"]
    bot.fake.wait_for(lambda: "Checked in Salesforce" in text_of(step6))
    assert "installed, version 1.8000" in text_of(step6)
    click(bot, step6, "msi_step_done", "U_SFDC")
    bot.fake.wait_for(lambda: "Done by <@U_SFDC>" in text_of(step6))
    done = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "step_done" and d["step"] == 6]
    assert done[0]["verification"]["passed"] is True
    # The secret went to the configured org only, in the token request's body.
    assert all(CLIENT_SECRET not in str(request.headers) for request in org.requests)


def test_an_old_package_warns_but_passes(verifying_bot: RunningBot, org: FakeSalesforce) -> None:
    org.package_version = Version(1, 19)
    start_rollout(verifying_bot)
    step6 = wait_step_message(verifying_bot, 6, "C_SFDC")
    click(verifying_bot, step6, "msi_step_verify", "U_SFDC")
    verifying_bot.fake.wait_for(lambda: ":warning:" in text_of(step6))
    assert "older than 1.8000" in text_of(step6)


def test_a_failing_check_makes_mark_done_ask_for_an_override_reason(
    verifying_bot: RunningBot, org: FakeSalesforce
) -> None:
    bot = verifying_bot
    org.remote_sites = [RemoteSite("Adobe_IMS", "https://ims-na1.adobelogin.com", is_active=False)]
    rollout_id = start_rollout(bot)
    # Walk to step 7 (needs 5 and 6); mark the others done directly in the database for brevity.
    with bot.database.write() as session:
        session.execute(
            update(Step).where(Step.rollout_id == rollout_id, Step.number.in_([5, 6])).values(state="done")
        )
        session.execute(
            update(Step).where(Step.rollout_id == rollout_id, Step.number == 7).values(state="open")
        )
    with bot.database.write() as session:
        rollout = session.get(Rollout, rollout_id)
        step7 = session.query(Step).filter(Step.rollout_id == rollout_id, Step.number == 7).one()
        cards.render(session, rollout=rollout, step=step7, now=step7.changed_at)  # type: ignore[arg-type]
    step7_message = wait_step_message(bot, 7, "C_SFDC")
    click(bot, step7_message, "msi_step_verify", "U_SFDC")
    bot.fake.wait_for(lambda: "Checked in Salesforce" in text_of(step7_message))
    rendered = text_of(step7_message)
    assert "exists but is inactive" in rendered and "missing. Add it" in rendered
    click(bot, step7_message, "msi_step_done", "U_SFDC")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    assert modal["callback_id"] == "msi_step_override_view"
    assert step_states(bot, rollout_id)[7] == "open"
    empty = {"reason": {"reason": {"type": "plain_text_input", "value": ""}}}
    refused = bot.slack.interact(
        view_submission(
            "msi_step_override_view", empty, user="U_SFDC", private_metadata=modal["private_metadata"]
        )
    )
    assert refused.json()["response_action"] == "errors"
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Sites are set in the parent org"}}}
    bot.slack.interact(
        view_submission(
            "msi_step_override_view", reason, user="U_SFDC", private_metadata=modal["private_metadata"]
        )
    )
    bot.fake.wait_for(lambda: "Done by <@U_SFDC>" in text_of(step7_message))
    done = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "step_done" and d["step"] == 7]
    assert done[0]["override"] == "Sites are set in the parent org"
    assert done[0]["verification"]["passed"] is False


def test_unverified_steps_also_ask_for_a_reason(verifying_bot: RunningBot) -> None:
    start_rollout(verifying_bot)
    step6 = wait_step_message(verifying_bot, 6, "C_SFDC")
    click(verifying_bot, step6, "msi_step_done", "U_SFDC")
    modal = verifying_bot.fake.wait_for(
        lambda: [v for v in verifying_bot.fake.views if v["method"] == "views.open"]
    )[-1]["view"]
    assert "hasn't been checked" in str(modal["blocks"])


def test_only_salesforce_admins_may_verify(verifying_bot: RunningBot, org: FakeSalesforce) -> None:
    start_rollout(verifying_bot)
    step6 = wait_step_message(verifying_bot, 6, "C_SFDC")
    answer = wait_private_answer(verifying_bot, click(verifying_bot, step6, "msi_step_verify", "U_MKTO"))
    assert "Only the Salesforce admins" in answer["text"]
    assert org.requests == []


def test_salesforce_errors_are_explained_privately(verifying_bot: RunningBot, org: FakeSalesforce) -> None:
    org.token_error = (400, "invalid_client", "invalid client credentials")
    start_rollout(verifying_bot)
    step6 = wait_step_message(verifying_bot, 6, "C_SFDC")
    answer = wait_private_answer(verifying_bot, click(verifying_bot, step6, "msi_step_verify", "U_SFDC"))
    assert "refused the client ID or secret" in answer["text"]
    assert CLIENT_SECRET not in answer["text"]
    assert "Checked in Salesforce" not in text_of(step6)
