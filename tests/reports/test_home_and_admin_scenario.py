"""Scenario: App Home, and the owner's Edit and Cancel rollout, over HTTP."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.slack import ids
from storage.models import Rollout
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
    wait_private_answer,
    wait_step_message,
)
from tests.harness import app_home_opened, start_form_values, view_submission


def open_home(bot: RunningBot, user: str) -> dict[str, Any]:
    before = len([v for v in bot.fake.views if v["method"] == "views.publish" and v["user_id"] == user])
    event = app_home_opened(user)
    assert bot.slack.event(event).status_code == 200
    published = bot.fake.wait_for(
        lambda: [v for v in bot.fake.views if v["method"] == "views.publish" and v["user_id"] == user][
            before:
        ]
    )
    return published[-1]["view"]


def home_buttons(view: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in view["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                # App Home's like buttons in one block carry their value in their action id (bot/ids.py)
                found.setdefault(ids.base_action(element["action_id"]), []).append(element["value"])
    return found


def rollout_id_named(bot: RunningBot, name: str) -> int:
    with bot.database.read() as session:
        return session.scalars(select(Rollout.id).where(Rollout.name == name)).one()  # type: ignore[arg-type]


def test_app_home_shows_rollouts_with_owner_actions_only_for_the_owner(bot: RunningBot) -> None:
    empty = open_home(bot, "U_OWNER")
    assert "Welcome to the MSI Actions rollout bot" in json.dumps(empty)
    assert "msi_home_start" in home_buttons(empty)
    rollout_id = start_rollout(bot)
    owner_view = open_home(bot, "U_OWNER")
    assert owner_view["type"] == "home" and len(owner_view["blocks"]) <= 100
    rendered = json.dumps(owner_view)
    assert "*Production*" in rendered and "0/7" in rendered and "Set up the Marketo Sales account" in rendered
    owner_buttons = home_buttons(owner_view)
    assert owner_buttons["msi_home_edit"] == [str(rollout_id)]
    assert owner_buttons["msi_home_cancel"] == [str(rollout_id)]
    admin_buttons = home_buttons(open_home(bot, "U_MKTO"))
    assert "msi_home_edit" not in admin_buttons and "msi_home_cancel" not in admin_buttons


def test_the_start_button_on_app_home_opens_the_same_modal(bot: RunningBot) -> None:
    home_click(bot, "msi_home_start", "start", "U_OWNER")
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])
    assert opened[0]["view"]["callback_id"] == "msi_start_rollout"


def test_only_the_owner_may_edit_or_cancel(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    home_click(bot, "msi_home_edit", str(rollout_id), "U_MKTO")
    home_click(bot, "msi_home_cancel", str(rollout_id), "U_MKTO")

    def refusals_so_far() -> list[dict[str, Any]]:
        return [m for m in bot.fake.posts("D_MKTO") if "Only the owner" in m["text"]]

    bot.fake.wait_for(lambda: len(refusals_so_far()) >= 2)
    refusals = refusals_so_far()
    assert "<@U_OWNER>" in refusals[0]["text"]
    assert [v for v in bot.fake.views if v["method"] == "views.open"] == []
    with bot.database.read() as session:
        assert session.get(Rollout, rollout_id).status == "active"  # type: ignore[union-attr]
    denied = [d for u, a, d in audit_actions(bot, rollout_id) if a == "click_denied" and u == "U_MKTO"]
    assert len(denied) == 2


def test_edit_moves_open_steps_to_a_changed_channel_and_updates_the_admins(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    old_step6 = wait_step_message(bot, 6, "C_SFDC")
    home_click(bot, "msi_home_edit", str(rollout_id), "U_OWNER")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    assert modal["callback_id"] == "msi_edit_rollout"
    prefilled = json.dumps(modal)
    assert '"initial_conversation": "C_SFDC"' in prefilled and '"initial_users": ["U_SFDC"]' in prefilled
    bot.fake.add_channel("C_SFDC_NEW", members=["U_SFDC2"])
    values = start_form_values(salesforce_admins=["U_SFDC2"], salesforce_channel="C_SFDC_NEW")
    for block in ("name", "environment", "prerequisites"):
        values.pop(block)
    answer = bot.slack.interact(
        view_submission(
            "msi_edit_rollout", values, user="U_OWNER", private_metadata=modal["private_metadata"]
        )
    )
    assert answer.status_code == 200 and not answer.content, answer.text
    wait_step_message(bot, 6, "C_SFDC_NEW")
    bot.fake.wait_for(lambda: "has moved to <#C_SFDC_NEW>" in text_of(old_step6))
    assert buttons(old_step6) == {}
    assert step_message(bot, 1, "C_SFDC_NEW") is None  # Marketo steps stay where they were
    # The new Salesforce admin may now do step 6; the old one no longer may.
    new_step6 = wait_step_message(bot, 6, "C_SFDC_NEW")
    refused = click(bot, new_step6, "msi_step_done", "U_SFDC")
    assert "Only the rollout's Salesforce admin" in wait_private_answer(bot, refused)["text"]
    click(bot, new_step6, "msi_step_done", "U_SFDC2")
    bot.fake.wait_for(lambda: "Done by <@U_SFDC2>" in text_of(new_step6))
    edited = [d for _u, a, d in audit_actions(bot, rollout_id) if a == "rollout_edited"]
    assert (
        edited[0]["before"]["salesforce_channel"] == "C_SFDC"
        and edited[0]["after"]["salesforce_channel"] == "C_SFDC_NEW"
    )


def test_edit_refuses_the_same_channel_twice_beside_the_field(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    values = start_form_values(salesforce_channel="C_MKTO")
    answer = bot.slack.interact(
        view_submission("msi_edit_rollout", values, user="U_OWNER", private_metadata=str(rollout_id))
    )
    assert "salesforce_channel" in answer.json()["errors"]


def test_cancel_stops_the_rollout_frees_its_name_and_refuses_later_clicks(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    stale_copy = dict(step1, blocks=list(step1["blocks"]))
    home_click(bot, "msi_home_cancel", str(rollout_id), "U_OWNER")
    bot.fake.wait_for(lambda: "was cancelled" in text_of(step1))
    assert buttons(step1) == {}
    notices = bot.fake.wait_for(
        lambda: [m for m in bot.fake.posts("C_SFDC") if "was cancelled by <@U_OWNER>" in (m["text"] or "")]
    )
    assert notices
    url = click(bot, stale_copy, "msi_step_done", "U_MKTO")
    assert "cancelled" in wait_private_answer(bot, url)["text"]
    assert ("U_OWNER", "rollout_cancelled", {}) in audit_actions(bot, rollout_id)
    # The name is free again.
    assert (
        bot.slack.interact(view_submission("msi_start_rollout", start_form_values(name="Production"))).content
        == b""
    )
    home = open_home(bot, "U_OWNER")
    assert json.dumps(home).count("*Production*") == 1


def test_app_home_keeps_updating_with_two_done_steps_and_each_reopen_button_works(bot: RunningBot) -> None:
    rollout_id = start_rollout(bot)
    for number, channel, user in ((1, "C_MKTO", "U_MKTO"), (6, "C_SFDC", "U_SFDC")):
        click(bot, wait_step_message(bot, number, channel), "msi_step_done", user)
    bot.fake.wait_for(lambda: step_states(bot, rollout_id)[1] == step_states(bot, rollout_id)[6] == "done")
    view = open_home(bot, "U_OWNER")
    # Slack refuses a view whose block repeats an action id; the fake refuses it the same way.
    assert [r for r in bot.fake.refused if r[0] == "views.publish"] == []
    reopen = [
        element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if ids.base_action(element["action_id"]) == ids.HOME_REOPEN
    ]
    assert len(reopen) == 2
    assert len({element["action_id"] for element in reopen}) == 2
    # a click carries the action id the view holds
    home_click(bot, reopen[1]["action_id"], reopen[1]["value"], "U_OWNER")
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])
    assert opened[-1]["view"]["callback_id"] == ids.REOPEN_VIEW


def test_an_edit_submitted_by_someone_other_than_the_owner_says_who_may_and_is_audited(
    bot: RunningBot,
) -> None:
    rollout_id = start_rollout(bot)
    values = start_form_values(salesforce_admins=["U_MKTO"])
    for block in ("name", "environment", "prerequisites"):
        values.pop(block)
    # U_MKTO never saw Edit: the view is forged
    answer = bot.slack.interact(
        view_submission("msi_edit_rollout", values, user="U_MKTO", private_metadata=str(rollout_id))
    )
    shown = " ".join(answer.json()["errors"].values())
    assert "Only the owner of rollout *Production* (<@U_OWNER>) can do that." in shown
    denied = [d for u, a, d in audit_actions(bot, rollout_id) if a == "click_denied" and u == "U_MKTO"]
    assert [d["attempted"] for d in denied] == ["edit_rollout"]
    assert [a for _u, a, _d in audit_actions(bot, rollout_id) if a == "rollout_edited"] == []
    # tampered metadata naming no rollout: told so, not that some rollout "** has been cancelled"
    answer = bot.slack.interact(
        view_submission("msi_edit_rollout", values, user="U_MKTO", private_metadata="99999")
    )
    shown = " ".join(answer.json()["errors"].values())
    assert "no longer exists or has been cancelled" in shown and "**" not in shown


def test_app_home_with_no_rollout_welcomes_with_what_the_bot_does_and_the_start_button(
    bot: RunningBot,
) -> None:
    view = open_home(bot, "U_OTHER")
    assert view["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Welcome to the MSI Actions rollout bot", "emoji": True},
    }
    shown = json.dumps(view)
    assert "seven setup steps" in shown and "/msi invite" in shown and "No rollout" not in shown
    assert home_buttons(view) == {"msi_home_start": ["start"]}
    # Once a rollout is active, the list takes the welcome's place.
    start_rollout(bot)
    listed = open_home(bot, "U_OTHER")
    assert "Welcome" not in json.dumps(listed) and "*Production*" in json.dumps(listed)
