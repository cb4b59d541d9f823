"""Block Kit builders and mrkdwn helpers: right content, Slack's limits, and user text made inert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.reports import blocks as report_blocks
from bot.rollouts import blocks as rollout_blocks
from bot.slack import blockkit, formatting, ids
from bot.steps import blocks as step_blocks
from bot.steps.blocks import StepCard
from bot.steps.runbook import StepState
from bot.texts import Texts

texts = Texts.of("en")  # the English table, which these checks read

OPENED = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
DONE_AT = datetime(2024, 6, 4, 14, 30, tzinfo=UTC)
ENGLISH = Texts.of("en")
HOSTILE = "Prod <!channel> & <@U123> <https://evil.example|click>"


def card(number: int = 2, state: StepState = StepState.OPEN, **changes: Any) -> StepCard:
    values: dict[str, Any] = {
        "step_id": 42,
        "number": number,
        "state": state,
        "rollout_name": "Production",
        "environment": "production",
        "opened_at": OPENED,
    }
    if state is StepState.DONE:
        values.update(done_at=DONE_AT, done_by="U_MKTO")
    values.update(changes)
    return StepCard(**values)


def of_type(message: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [block for block in message if block["type"] == kind]


def all_texts(value: Any) -> Iterator[str]:
    """Every `text` string anywhere in a block structure."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from all_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_texts(item)


def assert_within_message_limits(message: list[dict[str, Any]]) -> None:
    assert len(message) <= blockkit.MESSAGE_BLOCK_LIMIT
    for block in message:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()  # slack_sdk's own checks of Block Kit limits
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert all(len(element["text"]) <= 3000 for element in block["elements"])
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element["value"]) <= 2000
                assert len(element["action_id"]) <= 255


# ---------------------------------------------------------------- step messages


@pytest.mark.parametrize("number", range(1, 8))
def test_an_open_step_message_has_a_header_saying_step_n_of_7(number: int) -> None:
    _, message = step_blocks.step_message(ENGLISH, card(number))
    header = message[0]
    assert header["type"] == "header"
    assert header["text"]["text"].startswith(f"Step {number} of 7: ")
    assert texts.text(f"step.{number}.title") in header["text"]["text"]


def test_an_open_step_has_a_mark_done_button_with_a_confirm_dialog_and_a_need_help_button() -> None:
    _, message = step_blocks.step_message(ENGLISH, card(4, step_id=917))
    (actions,) = of_type(message, "actions")
    done, help_ = actions["elements"]
    assert done["action_id"] == ids.STEP_DONE
    assert done["text"]["text"] == "Mark done"
    assert done["value"] == "917"
    assert done["style"] == "primary"
    assert set(done["confirm"]) == {"title", "text", "confirm", "deny"}
    assert "4" in done["confirm"]["title"]["text"]
    assert help_["action_id"] == ids.STEP_HELP
    assert help_["text"]["text"] == "Need help"
    assert help_["value"] == "917"
    assert "confirm" not in help_


def test_an_open_step_shows_since_when_it_is_open() -> None:
    _, message = step_blocks.step_message(ENGLISH, card(1))
    shown = "\n".join(all_texts(message))
    assert f"<!date^{int(OPENED.timestamp())}^" in shown


@pytest.mark.parametrize("state", [StepState.OPEN, StepState.AWAITING_APPROVAL, StepState.APPROVED])
def test_a_step_that_is_not_done_keeps_its_buttons(state: StepState) -> None:
    _, message = step_blocks.step_message(ENGLISH, card(4, state))
    assert len(of_type(message, "actions")) == 1


def test_a_done_step_has_no_buttons_and_shows_who_did_it_and_when() -> None:
    _, message = step_blocks.step_message(ENGLISH, card(3, StepState.DONE))
    assert of_type(message, "actions") == []
    shown = "\n".join(all_texts(message))
    assert "<@U_MKTO>" in shown
    assert f"<!date^{int(DONE_AT.timestamp())}^" in shown


def test_a_done_by_that_is_not_a_slack_id_is_escaped() -> None:
    _, message = step_blocks.step_message(ENGLISH, card(3, StepState.DONE, done_by="<!everyone>"))
    shown = "\n".join(all_texts(message))
    assert "<!everyone>" not in shown
    assert "&lt;!everyone&gt;" in shown


def test_the_step_message_lists_the_checklist_and_hints_of_the_step() -> None:
    _, message = step_blocks.step_message(ENGLISH, card(5))
    shown = "\n".join(all_texts(message))
    for line in texts.lines("step.5.checklist") + texts.lines("step.5.hints"):
        assert f"• {line}" in shown


def test_the_fallback_text_names_the_step_and_its_state() -> None:
    fallback, _ = step_blocks.step_message(ENGLISH, card(6, StepState.DONE))
    assert fallback == f"Step 6: {texts.text('step.6.title')} (Done)"


def test_a_rollout_name_with_a_channel_mention_and_an_ampersand_is_escaped() -> None:
    _, message = step_blocks.step_message(ENGLISH, card(1, rollout_name=HOSTILE))
    shown = "\n".join(all_texts(message))
    assert "Prod &lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|click&gt;" in shown
    assert "<!channel>" not in shown
    assert "<@U123>" not in shown
    assert "<https://evil.example" not in shown


@pytest.mark.parametrize("number", range(1, 8))
@pytest.mark.parametrize("state", [StepState.OPEN, StepState.DONE])
def test_every_step_message_stays_within_slacks_limits(number: int, state: StepState) -> None:
    _, message = step_blocks.step_message(ENGLISH, card(number, state, rollout_name="&<>" * 2000))
    assert_within_message_limits(message)


# ---------------------------------------------------------------- the Start a rollout modal


def test_the_start_modal_asks_for_the_eight_inputs() -> None:
    modal = rollout_blocks.start_modal(ENGLISH)
    inputs = [block["block_id"] for block in modal["blocks"] if block["type"] == "input"]
    assert inputs == [
        ids.START_NAME,
        ids.START_ENVIRONMENT,
        ids.START_LANGUAGE,
        ids.START_MARKETO_ADMINS,
        ids.START_MARKETO_CHANNEL,
        ids.START_SALESFORCE_ADMINS,
        ids.START_SALESFORCE_CHANNEL,
        ids.START_PREREQUISITES,
    ]
    for block in modal["blocks"]:
        if block["type"] == "input":
            assert block["element"]["action_id"] == block["block_id"]


def test_the_start_modal_stays_within_slacks_limits() -> None:
    modal = rollout_blocks.start_modal(ENGLISH)
    assert modal["type"] == "modal"
    assert modal["callback_id"] == ids.START_VIEW
    assert len(modal["title"]["text"]) <= 24
    assert len(modal["submit"]["text"]) <= 24
    assert len(modal["close"]["text"]) <= 24
    assert len(modal["blocks"]) <= 100
    View(**modal).validate_json()


def test_the_start_modal_offers_production_and_sandbox_with_production_preselected() -> None:
    modal = rollout_blocks.start_modal(ENGLISH)
    (environment,) = [b for b in modal["blocks"] if b.get("block_id") == ids.START_ENVIRONMENT]
    element = environment["element"]
    assert [option["value"] for option in element["options"]] == ["production", "sandbox"]
    assert element["initial_option"]["value"] == "production"


def test_the_start_modal_offers_both_prerequisites_as_checkboxes() -> None:
    modal = rollout_blocks.start_modal(ENGLISH)
    (prerequisites,) = [b for b in modal["blocks"] if b.get("block_id") == ids.START_PREREQUISITES]
    values = [option["value"] for option in prerequisites["element"]["options"]]
    assert values == [ids.PREREQUISITE_ENABLED, ids.PREREQUISITE_SYNC]


# ---------------------------------------------------------------- /msi help


def test_help_without_an_unknown_command_shows_the_title_and_the_usage() -> None:
    shown = [block["text"]["text"] for block in report_blocks.help_blocks(ENGLISH)]
    assert shown == [texts.text("help.title"), texts.text("help.usage")]


def test_help_for_an_unknown_command_quotes_it_escaped_and_inert() -> None:
    hostile = "<!channel> & `rm -rf` <@U999>"
    shown = "\n".join(all_texts(report_blocks.help_blocks(ENGLISH, hostile)))
    assert "`&lt;!channel&gt; &amp; 'rm -rf' &lt;@U999&gt;`" in shown
    assert "<!channel>" not in shown
    assert "<@U999>" not in shown
    assert texts.text("help.usage") in shown


def test_help_for_a_very_long_unknown_command_is_cut_short() -> None:
    (first, *_) = report_blocks.help_blocks(ENGLISH, "x" * 5000)
    assert "x" * 100 not in first["text"]["text"]
    assert "…" in first["text"]["text"]
    assert_within_message_limits(report_blocks.help_blocks(ENGLISH, "<" * 5000))


def test_help_text_is_the_help_blocks_as_plain_lines() -> None:
    assert report_blocks.help_text(ENGLISH, "nope") == "\n".join(
        b["text"]["text"] for b in report_blocks.help_blocks(ENGLISH, "nope")
    )


# ---------------------------------------------------------------- slack_text


def test_escape_makes_ampersands_and_angle_brackets_inert() -> None:
    assert formatting.escape("a & <b> <!here>") == "a &amp; &lt;b&gt; &lt;!here&gt;"


def test_escape_escapes_an_already_escaped_entity_again() -> None:
    assert formatting.escape("&lt;!channel&gt;") == "&amp;lt;!channel&amp;gt;"


def test_escape_strips_control_characters_but_keeps_tabs_newlines_and_other_text() -> None:
    assert formatting.escape("a\x00b\x1b[31m\tc\nd\x7fe\x85f é ✓") == "ab[31m\tc\ndef é ✓"


def test_a_slack_id_becomes_a_mention_and_anything_else_is_escaped() -> None:
    assert formatting.user("U0123ABCD") == "<@U0123ABCD>"
    assert formatting.channel("C0123ABCD") == "<#C0123ABCD>"
    assert formatting.user("<!channel>") == "&lt;!channel&gt;"
    assert formatting.channel("general>") == "general&gt;"
    assert ENGLISH.join(formatting.user(u) for u in ["U1A", "U2B"]) == "<@U1A>, <@U2B>"


def test_a_date_shows_in_the_readers_time_zone_with_a_utc_fallback() -> None:
    moment = datetime(2024, 6, 3, 11, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert ENGLISH.date(moment) == "<!date^1717407000^{date_short_pretty} at {time}|2024-06-03 09:30 UTC>"


def test_a_short_list_is_kept_whole() -> None:
    assert ENGLISH.cut(["a", "b", "c"], 3) == ["a", "b", "c"]


def test_a_long_list_is_cut_to_the_limit_with_and_n_more() -> None:
    assert ENGLISH.cut(["a", "b", "c", "d", "e"], 3) == ["a", "b", "…and 3 more"]


def test_a_long_list_renders_only_the_items_it_shows() -> None:
    rendered: list[int] = []

    def render(number: int) -> str:
        rendered.append(number)
        return f"#{number}"

    assert ENGLISH.cut(range(80_000), 3, render=render) == ["#0", "#1", "…and 79998 more"]
    assert rendered == [0, 1]


def test_clip_keeps_a_text_within_the_limit_and_marks_the_cut() -> None:
    assert formatting.clip("abcdef", 6) == "abcdef"
    assert formatting.clip("abcdefg", 6) == "abcde…"
