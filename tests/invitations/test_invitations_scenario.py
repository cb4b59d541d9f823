"""Scenario: /msi invite and the batch lifecycle over HTTP, seats and addresses under concurrency."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from storage.models import InvitationBatch, Invitee
from tests.approvals.test_approvals_scenario import finish
from tests.conftest import RunningBot
from tests.flow_helpers import (
    audit_actions,
    buttons,
    click,
    home_click,
    start_rollout,
    text_of,
    wait_approval_request,
    wait_private_answer,
    wait_step_message,
)
from tests.reports.test_home_and_admin_scenario import home_buttons, open_home


def invite(bot: RunningBot, text: str, user: str = "U_MKTO", channel: str = "C_MKTO") -> str:
    response = bot.slack.slash(f"invite {text}", user=user, channel=channel)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def batches(bot: RunningBot) -> list[InvitationBatch]:
    with bot.database.read() as session:
        return list(session.scalars(select(InvitationBatch).order_by(InvitationBatch.id)))


def invitee_states(bot: RunningBot) -> dict[str, str]:
    with bot.database.read() as session:
        return {row.email: row.status for row in session.scalars(select(Invitee))}


def test_invite_answers_at_once_with_the_summary_and_creates_one_batch(bot: RunningBot) -> None:
    start_rollout(bot)
    text = (
        "ana@example.com, <mailto:Ben@Example.COM|Ben@Example.COM>; ana@EXAMPLE.com\n"
        "not-an-address bob@ <mailto:carl@example.org|carl@example.org>"
    )
    answer = invite(bot, text)
    assert "Batch #1 with 3 invitation(s)" in answer
    assert "*Accepted:* 3" in answer and "97 seat(s) left" in answer
    assert "*Invalid:* 2" in answer and "`not-an-address`" in answer and "`bob@`" in answer
    assert "*Listed twice:* 1" in answer
    assert invitee_states(bot) == {
        "ana@example.com": "requested",
        "Ben@example.com": "requested",
        "carl@example.org": "requested",
    }
    request = wait_approval_request(bot, "Invitations batch #1 (3 people)")
    assert "msi_approval_approve" in buttons(request)
    mine = bot.fake.wait_for(
        lambda: [m for m in bot.fake.posts("D_MKTO") if "Invitations batch #1" in text_of(m)]
    )
    assert "msi_batch_cancel" in buttons(mine[0])


def test_addresses_already_requested_here_or_in_another_rollout_are_not_taken_again(bot: RunningBot) -> None:
    start_rollout(bot, name="Production")
    bot.fake.add_channel("C_MKTO2", members=["U_MKTO"])
    bot.fake.add_channel("C_SFDC2", members=["U_SFDC"])
    start_rollout(
        bot, name="Sandbox", environment="sandbox", marketo_channel="C_MKTO2", salesforce_channel="C_SFDC2"
    )
    invite(bot, "ana@example.com")
    again = invite(bot, "ANA@example.com dan@example.com")
    assert "*Already requested or invited in this rollout:* 1" in again and "Batch #2 with 1" in again
    elsewhere = invite(bot, "ana@example.com", channel="C_MKTO2")
    assert "*Already used in another rollout:* 1" in elsewhere and "“Production”" in elsewhere
    assert "Nothing was requested" in elsewhere
    assert len(batches(bot)) == 2


def test_the_seat_limit_is_respected(database_url: str, fake_slack) -> None:  # type: ignore[no-untyped-def]
    bot = RunningBot(database_url, fake_slack, msi_seats=3)
    try:
        start_rollout(bot)
        answer = invite(bot, "a@example.com b@example.com c@example.com d@example.com e@example.com")
        assert "*Accepted:* 3" in answer and "0 seat(s) left" in answer
        assert "*Over the seat limit of 3:* 2" in answer and "d@example.com" in answer
        assert "Nothing was requested" in invite(bot, "f@example.com")
    finally:
        bot.stop()


def test_two_batches_at_once_cannot_exceed_the_seats(database_url: str, fake_slack) -> None:  # type: ignore[no-untyped-def]
    bot = RunningBot(database_url, fake_slack, msi_seats=5)
    try:
        start_rollout(bot, marketo_admins=["U_MKTO", "U_MKTO2"])
        barrier = threading.Barrier(2)
        answers: list[str] = []

        def send(user: str, prefix: str) -> None:
            addresses = " ".join(f"{prefix}{n}@example.com" for n in range(4))
            barrier.wait()
            answers.append(invite(bot, addresses, user=user))

        threads = [
            threading.Thread(target=send, args=("U_MKTO", "a")),
            threading.Thread(target=send, args=("U_MKTO2", "b")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with bot.database.read() as session:
            held = session.scalar(
                select(func.count()).select_from(Invitee).where(Invitee.status == "requested")
            )
        assert held == 5
        assert len(answers) == 2, answers
        assert all("Batch #" in a for a in answers), answers
    finally:
        bot.stop()


def test_only_the_owner_and_admins_may_request_invitations(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    answer = invite(bot, "ana@example.com", user="U_OTHER")
    assert "Only the owner and the admins" in answer
    assert batches(bot) == []
    assert ("U_OTHER", "click_denied", {"attempted": "invite"}) in audit_actions(bot, rollout_id)
    assert "Add the addresses" in invite(bot, "")


def test_invite_outside_a_rollout_channel_asks_where(bot: RunningBot) -> None:
    assert "No rollout is active" in invite(bot, "ana@example.com", channel="C_RANDOM")
    start_rollout(bot)
    assert "Which rollout" in invite(bot, "ana@example.com", channel="C_RANDOM")
    # In a direct message with the bot, the only active rollout is meant.
    assert "Batch #1" in invite(bot, "ana@example.com", channel="D_MKTO")


def test_a_batch_goes_from_approval_to_the_marketo_admins_once_step_5_opens_and_is_marked_sent(
    bot: RunningBot,
) -> None:
    rollout_id = start_rollout(bot)
    invite(bot, "ana@example.com =cmd@example.com")
    request = wait_approval_request(bot, "Invitations batch #1")
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by" in text_of(request))
    mine = bot.fake.wait_for(
        lambda: [m for m in bot.fake.posts("D_MKTO") if "Invitations batch #1" in text_of(m)]
    )
    bot.fake.wait_for(lambda: "sent once step 5" in text_of(mine[0]))
    assert not [m for m in bot.fake.posts("C_MKTO") if "Invite 2 people" in text_of(m)]
    # Walk the runbook to step 5.
    finish(bot, 1, "C_MKTO", "U_MKTO")
    finish(bot, 2, "C_SFDC", "U_SFDC")
    finish(bot, 3, "C_MKTO", "U_MKTO")
    step4 = wait_step_message(bot, 4, "C_MKTO")
    click(bot, step4, "msi_step_done", "U_MKTO")
    click(bot, wait_approval_request(bot, "Step 4 of 7"), "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by" in text_of(step4))
    finish(bot, 4, "C_MKTO", "U_MKTO")
    task = bot.fake.wait_for(
        lambda: next((m for m in bot.fake.posts("C_MKTO") if "Invite 2 people" in text_of(m)), None)
    )
    assert "msi_batch_sent" in buttons(task)
    upload = bot.fake.wait_for(
        lambda: [u for u in bot.fake.completed_uploads() if u["thread_ts"] == task["ts"]]
    )
    content = upload[0]["content"].decode("utf-8").splitlines()
    assert content[0] == "Email,First Name,Last Name,Team"
    assert "'=cmd@example.com,,," in content
    # Only Marketo admins may mark it sent.
    refused = click(bot, task, "msi_batch_sent", "U_SFDC")
    assert "Only the rollout's Marketo admins" in wait_private_answer(bot, refused)["text"]
    click(bot, task, "msi_batch_sent", "U_MKTO")
    bot.fake.wait_for(lambda: "Invitations sent by <@U_MKTO>" in text_of(task))
    assert buttons(task) == {}
    assert set(invitee_states(bot).values()) == {"invited"}
    told = bot.fake.wait_for(
        lambda: [m for m in bot.fake.posts("D_MKTO") if "were sent by" in (m["text"] or "")]
    )
    assert "batch #1" in told[0]["text"]
    actions = [a for _u, a, _d in audit_actions(bot, rollout_id)]
    assert {"batch_created", "approval_approved", "batch_sent"} <= set(actions)
    status = bot.slack.slash("status", channel="C_MKTO").json()
    assert "2 sent" in str(status["blocks"])


def test_a_rejected_batch_frees_its_addresses_and_tells_the_requester_why(bot: RunningBot) -> None:
    start_rollout(bot)
    invite(bot, "ana@example.com")
    request = wait_approval_request(bot, "Invitations batch #1")
    click(bot, request, "msi_approval_reject", "U_SFDC")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    from tests.harness import view_submission

    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Ana left the company"}}}
    bot.slack.interact(
        view_submission(
            "msi_approval_reject_view", reason, user="U_SFDC", private_metadata=modal["private_metadata"]
        )
    )
    told = bot.fake.wait_for(lambda: [m for m in bot.fake.posts("D_MKTO") if "rejected" in (m["text"] or "")])
    assert "Ana left the company" in told[0]["text"]
    assert invitee_states(bot) == {"ana@example.com": "released"}
    assert "Batch #2" in invite(bot, "ana@example.com")


def test_the_requester_or_the_owner_may_cancel_a_batch_before_it_is_sent(bot: RunningBot) -> None:
    start_rollout(bot)
    invite(bot, "ana@example.com")
    mine = bot.fake.wait_for(
        lambda: next((m for m in bot.fake.posts("D_MKTO") if "Invitations batch #1" in text_of(m)), None)
    )
    refused = click(bot, mine, "msi_batch_cancel", "U_SFDC")
    assert (
        "Only the requester of batch #1 or the rollout's owner" in wait_private_answer(bot, refused)["text"]
    )
    owner_home = home_buttons(open_home(bot, "U_OWNER"))
    assert owner_home["msi_batch_cancel"] == ["1"]
    home_click(bot, "msi_batch_cancel", "1", "U_OWNER")
    request = wait_approval_request(bot, "Invitations batch #1")
    bot.fake.wait_for(lambda: "No longer needed" in text_of(request))
    bot.fake.wait_for(lambda: "cancelled" in text_of(mine))
    assert buttons(mine) == {}
    assert [b.status for b in batches(bot)] == ["cancelled"]
    assert invitee_states(bot) == {"ana@example.com": "released"}
    again = (
        click(bot, mine | {"blocks": mine["blocks"]}, "msi_approval_approve", "U_SFDC")
        if buttons(mine)
        else None
    )
    assert again is None
