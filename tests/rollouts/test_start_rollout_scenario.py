"""Scenario: an owner starts a rollout from Slack, over HTTP, against the fake Slack Web API."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storage.models import AuditEvent, OutboxItem, Rollout, RolloutMember, SlackMessage, Step
from tests.conftest import RunningBot
from tests.harness import app_home_opened, start_form_values, view_submission


def submit_start(bot: RunningBot, **form: object) -> dict[str, object] | None:
    response = bot.slack.interact(view_submission("msi_start_rollout", start_form_values(**form)))  # type: ignore[arg-type]
    assert response.status_code == 200
    return response.json() if response.content else None


def rollout_count(bot: RunningBot) -> int:
    with bot.database.read() as session:
        return session.scalar(select(func.count()).select_from(Rollout)) or 0


def step_posts(bot: RunningBot, channel: str) -> list[dict[str, object]]:
    return [m for m in bot.fake.posts(channel) if m["blocks"] and m["blocks"][0]["type"] == "header"]


def button_ids(message: dict[str, object]) -> list[str]:
    return [
        element["action_id"]
        for block in message["blocks"]  # type: ignore[attr-defined]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_help_answers_privately_with_the_usage(bot: RunningBot) -> None:
    for text in ("", "help", "HELP"):
        response = bot.slack.slash(text)
        assert response.status_code == 200
        body = response.json()
        assert "/msi start" in body["text"]
        assert body.get("response_type", "ephemeral") == "ephemeral"


def test_an_unknown_command_is_named_and_answered_with_the_usage(bot: RunningBot) -> None:
    response = bot.slack.slash("frobnicate <!channel>")
    body = response.json()
    assert "frobnicate" in body["text"]
    assert "/msi start" in body["text"]
    assert "<!channel>" not in json.dumps(body)


def test_start_opens_the_modal_with_the_trigger_id(bot: RunningBot) -> None:
    response = bot.slack.slash("start", trigger_id="trigger-abc")
    assert response.status_code == 200
    opened = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    assert opened[0].params["trigger_id"] == "trigger-abc"
    view = opened[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "msi_start_rollout"
    block_ids = {block.get("block_id") for block in view["blocks"]}
    assert {
        "name",
        "environment",
        "marketo_admins",
        "salesforce_admins",
        "marketo_channel",
        "salesforce_channel",
        "prerequisites",
    } <= block_ids


def test_a_valid_form_stores_the_rollout_and_posts_steps_1_and_6(bot: RunningBot) -> None:
    assert submit_start(bot, marketo_admins=["U_MKTO", "U_MKTO2"]) is None  # empty ack closes the modal

    step1 = bot.fake.wait_for(lambda: step_posts(bot, "C_MKTO"))
    step6 = bot.fake.wait_for(lambda: step_posts(bot, "C_SFDC"))
    assert len(step1) == 1 and len(step6) == 1
    assert "Step 1 of 7" in step1[0]["blocks"][0]["text"]["text"]
    assert "Step 6 of 7" in step6[0]["blocks"][0]["text"]["text"]
    assert button_ids(step1[0]) == ["msi_step_done", "msi_step_help"]
    done_button = step1[0]["blocks"][-1]["elements"][0]
    assert "confirm" in done_button
    rendered = json.dumps(step1[0]["blocks"])
    assert "Actions Config" in rendered and "Marketo admin" in rendered

    confirmation = bot.fake.wait_for(lambda: bot.fake.posts("D_OWNER"))
    assert "Production" in confirmation[0]["text"] and "<#C_MKTO>" in confirmation[0]["text"]

    with bot.database.read() as session:
        rollout = session.scalars(select(Rollout)).one()
        assert (rollout.owner_id, rollout.environment, rollout.time_zone) == (
            "U_OWNER",
            "production",
            "Europe/Paris",
        )
        states = {step.number: step.state for step in session.scalars(select(Step))}
        assert states == {
            1: "open",
            2: "locked",
            3: "locked",
            4: "locked",
            5: "locked",
            6: "open",
            7: "locked",
        }
        members = {(m.persona, m.user_id) for m in session.scalars(select(RolloutMember))}
        assert members == {
            ("marketo_admin", "U_MKTO"),
            ("marketo_admin", "U_MKTO2"),
            ("salesforce_admin", "U_SFDC"),
        }
        actions = [event.action for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["rollout_started", "step_opened", "step_opened"]

    # Slack's timestamps are stored so later updates edit the right message.
    def all_ts_stored() -> bool:
        with bot.database.read() as session:
            return all(message.ts for message in session.scalars(select(SlackMessage)))

    bot.fake.wait_for(all_ts_stored)
    with bot.database.read() as session:
        stored = {(m.channel_id, m.ts) for m in session.scalars(select(SlackMessage))}
    assert stored == {("C_MKTO", step1[0]["ts"]), ("C_SFDC", step6[0]["ts"])}


def test_each_invalid_field_is_refused_beside_the_field_and_nothing_is_stored(bot: RunningBot) -> None:
    cases = [
        ({"prerequisites": ("actions_enabled",)}, "prerequisites"),
        ({"prerequisites": ()}, "prerequisites"),
        ({"name": "   "}, "name"),
        ({"marketo_admins": []}, "marketo_admins"),
        ({"salesforce_admins": []}, "salesforce_admins"),
        ({"salesforce_channel": "C_MKTO"}, "salesforce_channel"),
    ]
    for form, block_id in cases:
        answer = submit_start(bot, **form)
        assert answer is not None and answer["response_action"] == "errors", form
        assert block_id in answer["errors"], (form, answer)
    assert rollout_count(bot) == 0
    assert not bot.fake.calls_to("chat.postMessage")


def test_a_duplicate_active_name_is_refused_case_insensitively(bot: RunningBot) -> None:
    assert submit_start(bot, name="Production") is None
    answer = submit_start(bot, name="  production ")
    assert answer is not None and "name" in answer["errors"]
    assert "already" in answer["errors"]["name"]
    assert rollout_count(bot) == 1


def test_channels_the_bot_cannot_post_in_are_refused(bot: RunningBot) -> None:
    bot.fake.add_channel("G_PRIVATE", member=False, private=True)
    bot.fake.add_channel("C_ARCHIVED", archived=True)
    answer = submit_start(bot, marketo_channel="G_PRIVATE", salesforce_channel="C_ARCHIVED")
    assert answer is not None
    assert "/invite" in answer["errors"]["marketo_channel"]
    assert "archived" in answer["errors"]["salesforce_channel"]
    answer = submit_start(bot, marketo_channel="C_GONE")
    assert answer is not None and "marketo_channel" in answer["errors"]
    assert rollout_count(bot) == 0


def test_the_bot_joins_a_public_channel_it_is_not_in_yet(bot: RunningBot) -> None:
    bot.fake.add_channel("C_PUBLIC", member=False, members=["U_SFDC"])
    assert submit_start(bot, salesforce_channel="C_PUBLIC") is None
    assert [call.params["channel"] for call in bot.fake.calls_to("conversations.join")] == ["C_PUBLIC"]
    bot.fake.wait_for(lambda: step_posts(bot, "C_PUBLIC"))


def test_admins_outside_their_channel_are_a_warning_to_the_owner_not_an_error(bot: RunningBot) -> None:
    assert submit_start(bot, salesforce_admins=["U_SFDC", "U_SFDC2"]) is None
    confirmation = bot.fake.wait_for(lambda: bot.fake.posts("D_OWNER"))
    assert "<@U_SFDC2> is not in <#C_SFDC>" in confirmation[0]["text"]
    assert "U_MKTO" not in confirmation[0]["text"]


def test_typed_text_is_escaped_everywhere_it_is_shown(bot: RunningBot) -> None:
    assert submit_start(bot, name="<!channel> & <@U_OTHER>") is None
    posted = bot.fake.wait_for(lambda: step_posts(bot, "C_MKTO"))
    confirmation = bot.fake.wait_for(lambda: bot.fake.posts("D_OWNER"))
    for text in (json.dumps(posted[0]["blocks"]), confirmation[0]["text"]):
        assert "<!channel>" not in text and "<@U_OTHER>" not in text
        assert "&lt;!channel&gt; &amp; &lt;@U_OTHER&gt;" in text


def test_the_outbox_delivers_through_429_500_and_dropped_connections(bot: RunningBot) -> None:
    bot.fake.fail("chat.postMessage", "429", times=1, retry_after=1)
    bot.fake.fail("chat.postMessage", "500", times=1)
    bot.fake.fail("chat.postMessage", "drop", times=1)
    started = time.monotonic()
    assert submit_start(bot) is None
    assert time.monotonic() - started < 3  # the ack never waits for Slack deliveries
    bot.fake.wait_for(
        lambda: step_posts(bot, "C_MKTO") and step_posts(bot, "C_SFDC") and bot.fake.posts("D_OWNER"),
        timeout=20,
    )
    assert len(step_posts(bot, "C_MKTO")) == 1 and len(step_posts(bot, "C_SFDC")) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == 3 + 3

    def all_done() -> bool:
        with bot.database.read() as session:
            return all(item.status == "done" for item in session.scalars(select(OutboxItem)))

    bot.fake.wait_for(all_done)


def test_a_channel_the_bot_was_removed_from_ends_the_post_and_tells_the_owner_once(bot: RunningBot) -> None:
    assert submit_start(bot) is None
    bot.fake.wait_for(lambda: step_posts(bot, "C_SFDC"))
    # While the rollout was being started, someone removed the bot from the Marketo channel.
    bot.fake.channels["C_MKTO"]["is_member"] = False
    with bot.database.write() as session:
        message = session.scalars(select(SlackMessage).where(SlackMessage.channel_id == "C_MKTO")).one()
        message.ts = None  # make the worker post it again
        message.version += 1
        session.add(
            OutboxItem(
                rollout_id=message.rollout_id,
                kind="sync",
                target="C_MKTO",
                message_id=message.id,
                payload={},
                not_before=message.created_at,
                created_at=message.created_at,
            )
        )
    notices = bot.fake.wait_for(
        lambda: [m for m in bot.fake.posts("D_OWNER") if "not a member" in (m["text"] or "")]
    )
    assert "<#C_MKTO>" in notices[0]["text"]
    with bot.database.read() as session:
        dead = session.scalars(select(OutboxItem).where(OutboxItem.status == "dead")).all()
        assert [item.last_error for item in dead] == ["not_in_channel"]


def test_start_opens_its_modal_within_the_triggers_life_while_app_home_publishing_is_slow(
    bot: RunningBot,
) -> None:
    bot.fake.delays["views.publish"] = 2.0
    for index in range(48):
        event = app_home_opened(f"U_VIEW{index}")
        assert bot.slack.event(event).status_code == 200
    assert bot.slack.slash("start").status_code == 200
    # The fake Slack refuses a trigger older than 3 seconds, as Slack does.
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"], timeout=15)
    assert opened[0]["view"]["callback_id"] == "msi_start_rollout"
    assert [r for r in bot.fake.refused if r[0] == "views.open"] == []
