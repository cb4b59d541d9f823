"""Scenario: Salesforce admin approvals over HTTP: requests, refusals, approve, reject, the race."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from storage.models import Approval
from tests.conftest import RunningBot
from tests.flow_helpers import (
    audit_actions,
    buttons,
    click,
    home_click,
    start_rollout,
    step_states,
    text_of,
    wait_approval_request,
    wait_private_answer,
    wait_step_message,
)
from tests.harness import view_submission
from tests.reports.test_home_and_admin_scenario import home_buttons, open_home


def finish(bot: RunningBot, number: int, channel: str, user: str, name: str = "Production") -> None:
    message = wait_step_message(bot, number, channel, name)
    click(bot, message, "msi_step_done", user)
    bot.fake.wait_for(lambda: "Done by" in text_of(message))


def request_step_4(
    bot: RunningBot, requester: str = "U_MKTO", name: str = "Production"
) -> tuple[dict[str, object], dict[str, object], str]:
    """Walk a rollout to step 4 and have `requester` click its Mark done.

    Returns the step message, the approval request and the response_url of the click."""
    finish(bot, 1, "C_MKTO", "U_MKTO", name)
    finish(bot, 2, "C_SFDC", "U_SFDC", name)
    finish(bot, 3, "C_MKTO", "U_MKTO", name)
    step4 = wait_step_message(bot, 4, "C_MKTO", name)
    url = click(bot, step4, "msi_step_done", requester)
    request = wait_approval_request(bot, "Step 4 of 7", name=name)
    return step4, request, url


def approvals(bot: RunningBot) -> list[Approval]:
    with bot.database.read() as session:
        return list(session.scalars(select(Approval).order_by(Approval.id)))


def test_a_marketo_admin_marking_step_2_done_asks_the_salesforce_admins(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    finish(bot, 1, "C_MKTO", "U_MKTO")
    copy_marketo = wait_step_message(bot, 2, "C_MKTO")
    copy_salesforce = wait_step_message(bot, 2, "C_SFDC")
    url = click(bot, copy_marketo, "msi_step_done", "U_MKTO")
    request = wait_approval_request(bot, "Step 2 of 7")
    rendered = text_of(request)
    assert "*Production*" in rendered and "Asked by <@U_MKTO>" in rendered and "<!date^" in rendered
    approve_button = buttons(request)["msi_approval_approve"]
    assert "confirm" in approve_button and "msi_approval_reject" in buttons(request)
    assert "asked the Salesforce admins" in wait_private_answer(bot, url)["text"]
    for copy in (copy_marketo, copy_salesforce):
        bot.fake.wait_for(lambda copy=copy: "Waiting for a Salesforce admin to approve" in text_of(copy))
    assert step_states(bot, rollout_id)[2] == "awaiting_approval"
    # Clicking again changes nothing: the request is pending.
    again = click(bot, copy_marketo, "msi_step_done", "U_MKTO")
    assert "waiting for a Salesforce admin's approval" in wait_private_answer(bot, again)["text"]
    assert len(approvals(bot)) == 1
    assert ("U_MKTO", "approval_requested") in [(u, a) for u, a, _d in audit_actions(bot, rollout_id)]


def test_only_the_rollouts_salesforce_admins_may_decide_and_never_the_requester(bot: RunningBot) -> None:
    rollout_id = start_rollout(
        bot, marketo_admins=["U_MKTO", "U_BOTH"], salesforce_admins=["U_SFDC", "U_BOTH"]
    )
    _step4, request, _url = request_step_4(bot, requester="U_BOTH")
    for user, expected in (
        ("U_MKTO", "Only the Salesforce admins"),
        ("U_OTHER", "Only the Salesforce admins"),
        ("U_BOTH", "You asked for this approval"),
    ):
        for action in ("msi_approval_approve", "msi_approval_reject"):
            answer = wait_private_answer(bot, click(bot, request, action, user))
            assert expected in answer["text"], (user, action, answer)
    assert [a.status for a in approvals(bot)] == ["pending"]
    assert [v for v in bot.fake.views if v["method"] == "views.open"] == []
    assert step_states(bot, rollout_id)[4] == "awaiting_approval"
    denied = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "click_denied"]
    assert len(denied) == 6


def test_approve_closes_the_request_in_place_and_lets_the_persona_finish(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step4, request, _url = request_step_4(bot)
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(request))
    assert buttons(request) == {}
    bot.fake.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(step4))
    assert "msi_step_done" in buttons(step4)
    told = bot.fake.wait_for(lambda: [m for m in bot.fake.posts("D_MKTO") if "approved" in m["text"]])
    assert "<@U_SFDC> approved Step 4 of 7" in told[0]["text"]
    assert step_states(bot, rollout_id)[4] == "approved"
    finish(bot, 4, "C_MKTO", "U_MKTO")
    wait_step_message(bot, 5, "C_MKTO")
    actions = [a for _u, a, _d in audit_actions(bot, rollout_id)]
    assert actions.count("approval_approved") == 1 and "step_done" in actions


def test_a_second_decision_on_a_stale_message_is_told_who_decided(bot: RunningBot) -> None:
    start_rollout(bot, salesforce_admins=["U_SFDC", "U_SFDC2"])
    _step4, request, _url = request_step_4(bot)
    stale = dict(request, blocks=json.loads(json.dumps(request["blocks"])))
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by" in text_of(request))
    answer = wait_private_answer(bot, click(bot, stale, "msi_approval_approve", "U_SFDC2"))
    assert "already approved by <@U_SFDC>" in answer["text"]
    answer = wait_private_answer(bot, click(bot, stale, "msi_approval_reject", "U_SFDC2"))
    assert "already approved by <@U_SFDC>" in answer["text"]
    assert [a.status for a in approvals(bot)] == ["approved"]


def test_reject_needs_a_reason_reopens_the_step_and_tells_the_requester(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step4, request, _url = request_step_4(bot)
    click(bot, request, "msi_approval_reject", "U_SFDC")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    assert modal["callback_id"] == "msi_approval_reject_view"
    empty = {"reason": {"reason": {"type": "plain_text_input", "value": " "}}}
    refused = bot.slack.interact(
        view_submission(
            "msi_approval_reject_view", empty, user="U_SFDC", private_metadata=modal["private_metadata"]
        )
    )
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"reason": "Give a reason: the requester will see it."},
    }
    assert [a.status for a in approvals(bot)] == ["pending"]
    reason = {
        "reason": {
            "reason": {"type": "plain_text_input", "value": "Owners are missing on 30% of leads <!channel>"}
        }
    }
    done = bot.slack.interact(
        view_submission(
            "msi_approval_reject_view", reason, user="U_SFDC", private_metadata=modal["private_metadata"]
        )
    )
    assert done.status_code == 200 and not done.content
    bot.fake.wait_for(lambda: "Rejected by <@U_SFDC>" in text_of(request))
    bot.fake.wait_for(lambda: "Approval refused by <@U_SFDC>" in text_of(step4))
    assert "msi_step_done" in buttons(step4)
    assert "<!channel>" not in text_of(step4) and "&lt;!channel&gt;" in text_of(step4)
    told = bot.fake.wait_for(lambda: [m for m in bot.fake.posts("D_MKTO") if "rejected" in m["text"]])
    assert "Owners are missing on 30% of leads" in told[0]["text"] and "<!channel>" not in told[0]["text"]
    assert step_states(bot, rollout_id)[4] == "open"
    rejected = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "approval_rejected"]
    assert rejected[0]["reason"].startswith("Owners are missing")


def test_a_salesforce_admin_finishing_step_2_closes_the_pending_request(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    finish(bot, 1, "C_MKTO", "U_MKTO")
    copy_marketo = wait_step_message(bot, 2, "C_MKTO")
    copy_salesforce = wait_step_message(bot, 2, "C_SFDC")
    click(bot, copy_marketo, "msi_step_done", "U_MKTO")
    request = wait_approval_request(bot, "Step 2 of 7")
    bot.fake.wait_for(lambda: "Waiting for a Salesforce admin" in text_of(copy_salesforce))
    click(bot, copy_salesforce, "msi_step_done", "U_SFDC")
    bot.fake.wait_for(lambda: "No longer needed: <@U_SFDC>" in text_of(request))
    assert buttons(request) == {}
    bot.fake.wait_for(lambda: "Done by <@U_SFDC>" in text_of(copy_marketo))
    assert [a.status for a in approvals(bot)] == ["cancelled"]
    assert step_states(bot, rollout_id)[2] == "done"


def test_approve_and_reject_racing_decide_exactly_once(bot: RunningBot) -> None:
    for round_number in range(3):
        name = f"Race {round_number}"
        start_rollout(bot, name=name, salesforce_admins=["U_SFDC", "U_SFDC2"])
        _step4, request, _url = request_step_4(bot, name=name)
        approval_id = buttons(request)["msi_approval_approve"]["value"]
        reason = {"reason": {"reason": {"type": "plain_text_input", "value": "not yet"}}}
        barrier = threading.Barrier(2)

        def approve(barrier: threading.Barrier = barrier, request: dict[str, object] = request) -> None:
            barrier.wait()
            click(bot, request, "msi_approval_approve", "U_SFDC")

        def reject(
            barrier: threading.Barrier = barrier,
            approval_id: str = approval_id,
            reason: dict[str, object] = reason,
        ) -> None:
            barrier.wait()
            bot.slack.interact(
                view_submission(
                    "msi_approval_reject_view", reason, user="U_SFDC2", private_metadata=approval_id
                )
            )

        threads = [threading.Thread(target=approve), threading.Thread(target=reject)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with bot.database.read() as session:
            decided = session.get(Approval, int(approval_id))
        assert decided is not None and decided.status in ("approved", "rejected")
        expected_by = "U_SFDC" if decided.status == "approved" else "U_SFDC2"
        assert decided.decided_by == expected_by
        rollout_id = decided.rollout_id
        decisions = [
            a
            for _u, a, _d in audit_actions(bot, rollout_id)
            if a in ("approval_approved", "approval_rejected")
        ]
        assert decisions == [f"approval_{decided.status}"]
        state = step_states(bot, rollout_id)[4]
        assert state == ("approved" if decided.status == "approved" else "open")


def test_pending_approvals_show_in_status_and_on_app_home_for_salesforce_admins(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step4, _request, _url = request_step_4(bot)
    status = bot.slack.slash("status", channel="C_SFDC").json()
    assert "Pending approvals" in json.dumps(status["blocks"]) and "Step 4 of 7" in json.dumps(
        status["blocks"]
    )
    admin_home = open_home(bot, "U_SFDC")
    home = home_buttons(admin_home)
    approval_id = home["msi_approval_approve"][0]
    assert home["msi_approval_reject"] == [approval_id]
    assert "msi_approval_approve" not in home_buttons(open_home(bot, "U_MKTO"))
    home_click(bot, "msi_approval_approve", approval_id, "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(step4))
    refreshed = bot.fake.wait_for(
        lambda: [v for v in bot.fake.views if v["method"] == "views.publish" and v["user_id"] == "U_SFDC"][1:]
    )
    assert "msi_approval_approve" not in home_buttons(refreshed[-1]["view"])
    assert step_states(bot, rollout_id)[4] == "approved"


def test_cancelling_the_rollout_withdraws_its_pending_request(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    _step4, request, _url = request_step_4(bot)
    home_click(bot, "msi_home_cancel", str(rollout_id), "U_OWNER")
    bot.fake.wait_for(lambda: "Withdrawn" in text_of(request))
    assert buttons(request) == {}
    assert [a.status for a in approvals(bot)] == ["cancelled"]
