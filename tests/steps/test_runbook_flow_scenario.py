"""Scenario: the runbook flow over HTTP: persona checks, unlocking, help, resolve, reopen, the race, 7/7."""

from __future__ import annotations

import json
import threading

from slack_bolt import BoltRequest
from sqlalchemy import select

from storage.models import OutboxItem, Step
from tests.conftest import RunningBot
from tests.flow_helpers import (
    audit_actions,
    buttons,
    click,
    home_click,
    start_rollout,
    step_message,
    step_states,
    text_of,
    wait_approval_request,
    wait_private_answer,
    wait_step_message,
)
from tests.harness import block_action, view_submission


def mark_done(bot: RunningBot, number: int, channel: str, user: str, rollout: str = "Production") -> None:
    message = wait_step_message(bot, number, channel, rollout)
    click(bot, message, "msi_step_done", user)
    bot.fake.wait_for(lambda: "Done by" in text_of(message))


def test_someone_outside_the_persona_is_refused_privately_and_nothing_changes(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    for outsider in ("U_SFDC", "U_OWNER", "U_OTHER"):  # the owner too: not listed as a Marketo admin
        url = click(bot, step1, "msi_step_done", outsider)
        answer = wait_private_answer(bot, url)
        assert "Only the rollout's Marketo admin" in answer["text"]
        assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert step_states(bot, rollout_id)[1] == "open"
    assert step1["updates"] == 0
    denied = [
        (actor, details)
        for actor, action, details in audit_actions(bot, rollout_id)
        if action == "click_denied"
    ]
    assert denied == [
        (user, {"attempted": "mark_done", "step": 1}) for user in ("U_SFDC", "U_OWNER", "U_OTHER")
    ]


def test_mark_done_updates_the_message_in_place_and_opens_steps_2_and_3(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    click(bot, step1, "msi_step_done", "U_MKTO")
    bot.fake.wait_for(lambda: step1["updates"] >= 1)
    assert "Done by <@U_MKTO>" in text_of(step1) and "<!date^" in text_of(step1)
    assert buttons(step1) == {}
    # Step 2 is posted in both persona channels, step 3 in the Marketo admin channel only.
    wait_step_message(bot, 2, "C_MKTO")
    wait_step_message(bot, 2, "C_SFDC")
    wait_step_message(bot, 3, "C_MKTO")
    assert step_states(bot, rollout_id) == {
        1: "done",
        2: "open",
        3: "open",
        4: "locked",
        5: "locked",
        6: "open",
        7: "locked",
    }
    actions = [(action, details.get("step")) for _actor, action, details in audit_actions(bot, rollout_id)]
    assert actions[-3:] == [("step_done", 1), ("step_opened", 2), ("step_opened", 3)]


def test_a_click_routed_by_bolt_as_in_socket_mode_is_stored_and_acted_on_alike(bot: RunningBot) -> None:
    """HTTP and Socket Mode share one intake: Bolt's DeferredClicks middleware (bot/slack/intake.py) stores
    a Mark done click before listener matching, whichever way the request came in."""
    rollout_id = start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    payload = block_action(
        "msi_step_done",
        buttons(step1)["msi_step_done"]["value"],
        user="U_MKTO",
        channel="C_MKTO",
        message_ts=step1["ts"],
        response_url=bot.fake.response_url("socket-mode-click"),
    )
    response = bot.runtime.app.dispatch(BoltRequest(body=payload, mode="socket_mode"))
    assert (response.status, response.body) == (200, "")
    bot.fake.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1))
    assert step_states(bot, rollout_id)[1] == "done"
    assert [a for _u, a, d in audit_actions(bot, rollout_id) if a == "step_done"] == ["step_done"]


def test_a_second_click_on_a_done_step_changes_nothing_and_says_who_did_it(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot, marketo_admins=["U_MKTO", "U_MKTO2"])
    step1 = wait_step_message(bot, 1, "C_MKTO")
    first = dict(step1)
    click(bot, first, "msi_step_done", "U_MKTO")
    bot.fake.wait_for(lambda: step1["updates"] >= 1)
    url = click(bot, first, "msi_step_done", "U_MKTO2")  # a stale copy of the message still shows the button
    assert "already marked done by <@U_MKTO>" in wait_private_answer(bot, url)["text"]
    assert [a for _u, a, d in audit_actions(bot, rollout_id) if a == "step_done"] == ["step_done"]


def test_step_2_done_by_a_salesforce_admin_updates_both_copies(bot: RunningBot) -> None:
    start_rollout(bot)
    mark_done(bot, 1, "C_MKTO", "U_MKTO")
    in_marketo = wait_step_message(bot, 2, "C_MKTO")
    in_salesforce = wait_step_message(bot, 2, "C_SFDC")
    click(bot, in_salesforce, "msi_step_done", "U_SFDC")
    bot.fake.wait_for(
        lambda: "Done by <@U_SFDC>" in text_of(in_marketo) and "Done by <@U_SFDC>" in text_of(in_salesforce)
    )


def test_two_steps_finishing_at_once_open_their_common_dependant_exactly_once(bot: RunningBot) -> None:
    for round_number in range(3):
        name = f"Race {round_number}"
        rollout_id = start_rollout(bot, name=name)
        mark_done(bot, 1, "C_MKTO", "U_MKTO", name)
        step2 = wait_step_message(bot, 2, "C_SFDC", name)
        step3 = wait_step_message(bot, 3, "C_MKTO", name)
        barrier = threading.Barrier(2)

        def finish(message: dict[str, object], user: str, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            click(bot, message, "msi_step_done", user)  # type: ignore[arg-type]

        threads = [
            threading.Thread(target=finish, args=(step2, "U_SFDC")),
            threading.Thread(target=finish, args=(step3, "U_MKTO")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_step_message(bot, 4, "C_MKTO", name)
        assert step_states(bot, rollout_id)[4] == "open"
        opened_4 = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "step_opened" and d["step"] == 4]
        assert len(opened_4) == 1
        # Once everything is delivered, step 4 still has exactly one message (step_message asserts it).
        bot.fake.wait_for(lambda: outbox_drained(bot))
        assert step_message(bot, 4, "C_MKTO", name) is not None


def outbox_drained(bot: RunningBot) -> bool:
    with bot.database.read() as session:
        return all(item.status == "done" for item in session.scalars(select(OutboxItem)))


def test_a_full_run_reaches_seven_of_seven(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    mark_done(bot, 1, "C_MKTO", "U_MKTO")
    mark_done(bot, 2, "C_SFDC", "U_SFDC")  # a Salesforce admin completes step 2 without approval
    mark_done(bot, 3, "C_MKTO", "U_MKTO")
    # Step 4 always needs a Salesforce admin's approval first.
    step4 = wait_step_message(bot, 4, "C_MKTO")
    click(bot, step4, "msi_step_done", "U_MKTO")
    request = wait_approval_request(bot, "Step 4 of 7")
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(step4))
    mark_done(bot, 4, "C_MKTO", "U_MKTO")
    mark_done(bot, 6, "C_SFDC", "U_SFDC")
    mark_done(bot, 5, "C_MKTO", "U_MKTO")
    mark_done(bot, 7, "C_SFDC", "U_SFDC")
    assert set(step_states(bot, rollout_id).values()) == {"done"}
    answer = bot.slack.slash("status", channel="C_MKTO").json()
    assert "7/7" in answer["text"]
    assert "▰▰▰▰▰▰▰" in json.dumps(answer["blocks"], ensure_ascii=False)


def test_need_help_shows_the_hints_flags_the_step_and_tells_the_owner(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    click(bot, step1, "msi_step_help", "U_MKTO")
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])
    modal = opened[-1]["view"]
    assert modal["callback_id"] == "msi_step_help_view"
    assert "Client ID" in json.dumps(modal)  # the step's troubleshooting hints
    # An empty problem is refused beside the field.
    empty = bot.slack.interact(
        view_submission(
            "msi_step_help_view",
            {"problem": {"problem": {"type": "plain_text_input", "value": "  "}}},
            user="U_MKTO",
            private_metadata=modal["private_metadata"],
        )
    )
    assert empty.json()["response_action"] == "errors"
    problem = "No Client ID shown <!here>"
    submitted = bot.slack.interact(
        view_submission(
            "msi_step_help_view",
            {"problem": {"problem": {"type": "plain_text_input", "value": problem}}},
            user="U_MKTO",
            private_metadata=modal["private_metadata"],
        )
    )
    assert submitted.status_code == 200 and not submitted.content
    bot.fake.wait_for(lambda: "Blocked since" in text_of(step1))
    assert "msi_step_resolve" in buttons(step1)
    assert "<!here>" not in text_of(step1) and "&lt;!here&gt;" in text_of(step1)
    notice = bot.fake.wait_for(lambda: [m for m in bot.fake.posts("D_OWNER") if "blocked" in m["text"]])
    assert "<@U_MKTO>" in notice[0]["text"] and "<!here>" not in notice[0]["text"]
    # Resolve by someone outside is refused; by the persona it clears the flag.
    refused = click(bot, step1, "msi_step_resolve", "U_SFDC")
    assert "Only the rollout's Marketo admin or its owner" in wait_private_answer(bot, refused)["text"]
    click(bot, step1, "msi_step_resolve", "U_MKTO")
    bot.fake.wait_for(lambda: "Blocked since" not in text_of(step1))
    assert "msi_step_resolve" not in buttons(step1)
    actions = [a for _u, a, _d in audit_actions(bot, rollout_id)]
    assert "step_blocked" in actions and "step_resolved" in actions


def test_need_help_from_someone_outside_is_refused_without_a_modal(bot: RunningBot) -> None:
    start_rollout(bot)
    step6 = wait_step_message(bot, 6, "C_SFDC")
    url = click(bot, step6, "msi_step_help", "U_MKTO")
    assert "Salesforce admin or its owner" in wait_private_answer(bot, url)["text"]
    assert [v for v in bot.fake.views if v["method"] == "views.open"] == []


def test_reopen_from_app_home_sets_a_done_step_back_to_open_and_keeps_its_dependants(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    mark_done(bot, 1, "C_MKTO", "U_MKTO")
    wait_step_message(bot, 3, "C_MKTO")
    with bot.database.read() as session:
        step1_id = session.scalars(
            select(Step.id).where(Step.rollout_id == rollout_id, Step.number == 1)
        ).one()
    home_click(bot, "msi_home_reopen", str(step1_id), "U_SFDC")  # not a Marketo admin, not the owner
    refusal = bot.fake.wait_for(lambda: [m for m in bot.fake.posts("D_SFDC") if "reopen" in m["text"]])
    assert "Only the rollout's Marketo admin or its owner" in refusal[0]["text"]
    home_click(bot, "msi_home_reopen", str(step1_id), "U_OWNER")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    assert modal["callback_id"] == "msi_step_reopen_view"
    values = {"reason": {"reason": {"type": "plain_text_input", "value": "Wrong account was invited"}}}
    answer = bot.slack.interact(
        view_submission(
            "msi_step_reopen_view", values, user="U_OWNER", private_metadata=modal["private_metadata"]
        )
    )
    assert answer.status_code == 200 and not answer.content
    step1 = wait_step_message(bot, 1, "C_MKTO")
    bot.fake.wait_for(lambda: "Reopened by <@U_OWNER>" in text_of(step1))
    assert "msi_step_done" in buttons(step1)
    states = step_states(bot, rollout_id)
    assert states[1] == "open" and states[2] == "open" and states[3] == "open"
    assert ("U_OWNER", "step_reopened", {"step": 1, "reason": "Wrong account was invited"}) in audit_actions(
        bot, rollout_id
    )


def test_status_list_and_rollout_context(bot: RunningBot) -> None:
    start_rollout(bot, name="Production")
    bot.fake.add_channel("C_MKTO2", members=["U_MKTO"])
    bot.fake.add_channel("C_SFDC2", members=["U_SFDC"])
    start_rollout(
        bot, name="Sandbox", environment="sandbox", marketo_channel="C_MKTO2", salesforce_channel="C_SFDC2"
    )
    in_channel = bot.slack.slash("status", channel="C_MKTO2").json()
    assert "*Sandbox*" in in_channel["blocks"][0]["text"]["text"]
    by_name = bot.slack.slash("status production", channel="C_ELSEWHERE").json()
    assert "*Production*" in by_name["blocks"][0]["text"]["text"]
    assert "open since" in json.dumps(by_name["blocks"]) and "waits for step(s) 1" in json.dumps(
        by_name["blocks"]
    )
    overview = bot.slack.slash("status", channel="C_ELSEWHERE").json()
    assert "*Production*" in overview["text"] and "*Sandbox*" in overview["text"]
    missing = bot.slack.slash("status Nope <!channel>", channel="C_MKTO").json()
    assert "no active rollout called" in missing["text"] and "<!channel>" not in missing["text"]
    listed = bot.slack.slash("list").json()
    assert "*Production*" in listed["text"] and "*Sandbox*" in listed["text"] and "0/7" in listed["text"]


def test_audit_sends_a_csv_to_owner_and_admins_only(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    mark_done(bot, 1, "C_MKTO", "U_MKTO")
    denied = bot.slack.slash("audit Production", user="U_OTHER").json()
    assert "Only the owner and the admins" in denied["text"]
    sent = bot.slack.slash("audit", user="U_MKTO", channel="C_MKTO").json()
    assert "CSV file" in sent["text"]
    uploads = bot.fake.wait_for(bot.fake.completed_uploads)
    assert uploads[0]["channel"] == "D_MKTO"
    content = uploads[0]["content"].decode("utf-8")
    assert content.splitlines()[0] == "time_utc,actor,action,step,details"
    assert "rollout_started" in content and "step_done" in content
    assert ("U_OTHER", "click_denied", {"attempted": "audit"}) in audit_actions(bot, rollout_id)


def test_status_asked_again_after_each_change_shows_that_change(bot: RunningBot) -> None:
    start_rollout(bot)

    def status() -> str:
        return json.dumps(bot.slack.slash("status", channel="C_MKTO").json(), ensure_ascii=False)

    before = status()
    assert "0/7" in before and status() == before  # nothing changed: the same answer
    mark_done(bot, 1, "C_MKTO", "U_MKTO")
    after_done = status()
    assert "1/7" in after_done and "<@U_MKTO>" in after_done
    step3 = wait_step_message(bot, 3, "C_MKTO")
    click(bot, step3, "msi_step_help", "U_MKTO")
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])
    bot.slack.interact(
        view_submission(
            "msi_step_help_view",
            {"problem": {"problem": {"type": "plain_text_input", "value": "No Client ID field"}}},
            private_metadata=opened[-1]["view"]["private_metadata"],
            user="U_MKTO",
        )
    )
    assert "No Client ID field" in status()


def test_a_need_help_submission_replayed_three_times_acts_once(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    click(bot, step1, "msi_step_help", "U_MKTO")
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])
    submission = view_submission(
        "msi_step_help_view",
        {"problem": {"problem": {"type": "plain_text_input", "value": "No Client ID shown"}}},
        user="U_MKTO",
        private_metadata=opened[-1]["view"]["private_metadata"],
    )
    for _ in range(3):  # Slack's retry, then somebody replaying the same signed-again body
        response = bot.slack.interact(submission)
        assert response.status_code == 200 and not response.content
    bot.fake.wait_for(lambda: "Blocked since" in text_of(step1))
    bot.fake.wait_for(lambda: [m for m in bot.fake.posts("D_OWNER") if "blocked" in m["text"]])
    # each submission is acted on before its answer, so the audit trail is complete by now
    blocked = [a for _u, a, _d in audit_actions(bot, rollout_id) if a == "step_blocked"]
    assert blocked == ["step_blocked"]
    assert len([m for m in bot.fake.posts("D_OWNER") if "blocked" in m["text"]]) == 1
