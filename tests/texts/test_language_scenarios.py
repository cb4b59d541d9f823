"""Scenario: which language the bot speaks, over HTTP. A rollout's channel posts are in the language chosen
when it was started (or changed in Edit); private answers are in the reader's Slack language, looked up
with users.info (include_locale=true) only after the acknowledgement, and until then in the rollout's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.texts import Texts
from storage.models import AuditEvent, Rollout, SlackPerson
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import (
    buttons,
    click,
    text_of,
    wait_private_answer,
    wait_step_message,
)
from tests.harness import start_form_values, view_submission

JA = Texts.of("ja")
EN = Texts.of("en")
# users.info is answered this much later: a look-up made before the acknowledgement would be recorded (and
# its answer awaited) before the command's answer arrives; one made after it is recorded well after.
LOOKUP_DELAY = 1.0


def language_value(language: str) -> dict[str, Any]:
    """The language select's state, as Slack sends it in view.state.values."""
    return {
        "language": {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": language}, "value": language},
        }
    }


def start_in(bot: RunningBot, language: str, name: str = "Production") -> int:
    values = {**start_form_values(name=name), "language": language_value(language)}
    response = bot.slack.interact(view_submission("msi_start_rollout", values))
    assert response.status_code == 200 and not response.content, response.text
    with bot.database.read() as session:
        rollout = session.scalars(select(Rollout).where(Rollout.name == name)).one()
    assert rollout.id is not None and rollout.language == language
    return rollout.id


def card(bot: RunningBot, texts: Texts, number: int, channel: str) -> dict[str, Any]:
    """The top-level step card `number` in `channel`, its header in `texts`' language."""
    header = texts.text("step.header", number=number, total=7, title=texts.text(f"step.{number}.title"))

    def found() -> dict[str, Any] | None:
        for message in bot.fake.posts(channel):
            blocks = message.get("blocks") or []
            if message["thread_ts"] is None and blocks and blocks[0]["text"]["text"] == header:
                return message
        return None

    return bot.fake.wait_for(found)


def finish_in(bot: RunningBot, texts: Texts, number: int, channel: str, user: str) -> None:
    message = card(bot, texts, number, channel)
    click(bot, message, "msi_step_done", user)
    done = texts.text("state.done")
    bot.fake.wait_for(lambda: done in text_of(message) and "msi_step_done" not in buttons(message))


def approval_request(bot: RunningBot, texts: Texts, subject: str) -> dict[str, Any]:
    header = texts.text("approval.header")
    return bot.fake.wait_for(
        lambda: next(
            (
                m
                for m in bot.fake.posts("C_SFDC")
                if (m.get("blocks") or [{}])[0].get("text", {}).get("text") == header
                and subject in text_of(m)
            ),
            None,
        )
    )


def slash(bot: RunningBot, text: str, *, user: str, channel: str = "C_MKTO") -> dict[str, Any]:
    response = bot.slack.slash(text, user=user, channel=channel)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["response_type"] == "ephemeral"
    return body


def known_locale(bot: RunningBot, user_id: str) -> str | None:
    with bot.database.read() as session:
        person = session.get(SlackPerson, user_id)
        return person.locale if person is not None else None


def wait_known(bot: RunningBot, user_id: str) -> None:
    bot.fake.wait_for(lambda: known_locale(bot, user_id) is not None)


@pytest.fixture
def quick_bot(database_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    running = RunningBot(database_url, fake_slack, msi_reminder_after="2s", msi_sweep_every="1s")
    yield running
    running.stop()


def test_a_rollout_started_in_japanese_posts_its_cards_approvals_reminders_and_marketo_task_in_japanese(
    quick_bot: RunningBot,
) -> None:
    bot = quick_bot
    rollout_id = start_in(bot, "ja")
    step1 = card(bot, JA, 1, "C_MKTO")
    assert JA.text("step.button.done") in text_of(step1)
    card(bot, JA, 6, "C_SFDC")
    # A reminder in the card's thread.
    reminder = bot.fake.wait_for(
        lambda: next((m for m in bot.fake.posts("C_MKTO") if m["thread_ts"] == step1["ts"]), None), timeout=15
    )
    assert "対応待ちのままです" in reminder["text"]
    assert JA.text("reminder.snooze") in text_of(reminder)
    # An invitation batch: its approval request, and its outcome on the request, in Japanese.
    slash(bot, "invite ana@example.com ben@example.com", user="U_MKTO")
    subject = JA.text("batch.subject", batch=1, count=2)
    request = approval_request(bot, JA, subject)
    assert JA.text("approval.button.approve") in text_of(request)
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "<@U_SFDC> が" in text_of(request) and "に承認" in text_of(request))
    # Walk the runbook to step 5; step 4's approval request is Japanese too.
    finish_in(bot, JA, 1, "C_MKTO", "U_MKTO")
    finish_in(bot, JA, 2, "C_SFDC", "U_SFDC")
    finish_in(bot, JA, 3, "C_MKTO", "U_MKTO")
    step4 = card(bot, JA, 4, "C_MKTO")
    click(bot, step4, "msi_step_done", "U_MKTO")
    step4_subject = JA.text("approval.subject.step", number=4, total=7, title=JA.text("step.4.title"))
    click(bot, approval_request(bot, JA, step4_subject), "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "msi_step_done" in buttons(step4) and "に承認" in text_of(step4))
    finish_in(bot, JA, 4, "C_MKTO", "U_MKTO")
    task_header = JA.text("batch.task.header", count=2)
    task = bot.fake.wait_for(
        lambda: next((m for m in bot.fake.posts("C_MKTO") if task_header in text_of(m)), None)
    )
    assert JA.text("batch.button.sent") in text_of(task)
    # The invitee file keeps the English headers the Actions importer maps.
    upload = bot.fake.wait_for(
        lambda: [u for u in bot.fake.completed_uploads() if u["thread_ts"] == task["ts"]]
    )
    assert upload[0]["content"].decode("utf-8").splitlines()[0] == "Email,First Name,Last Name,Team"
    # Nothing English slipped into a channel post of this rollout.
    for channel in ("C_MKTO", "C_SFDC"):
        for message in bot.fake.posts(channel):
            assert "Step " not in text_of(message) and "Approval needed" not in text_of(message), message
    with bot.database.read() as session:
        started = session.scalars(
            select(AuditEvent).where(
                AuditEvent.rollout_id == rollout_id, AuditEvent.action == "rollout_started"
            )
        ).one()
    assert started.details["language"] == "ja"


def test_a_japanese_reader_gets_japanese_in_an_english_rollout_once_their_locale_is_known(
    bot: RunningBot,
) -> None:
    bot.fake.add_user("U_JA", locale="ja-JP")
    start_in(bot, "en")
    bot.fake.delays["users.info"] = LOOKUP_DELAY
    # The very first answer: the locale is not known yet, so the rollout's language; nothing asked before it.
    first = slash(bot, "status", user="U_JA")
    assert bot.fake.locale_lookups("U_JA") == []
    assert EN.text("status.progress", bar="", done=0, total=7).strip() in str(first["blocks"])
    # Asked once the command was acknowledged, with include_locale=true (as Slack needs it for `locale`).
    bot.fake.wait_for(lambda: bot.fake.locale_lookups("U_JA"))
    wait_known(bot, "U_JA")
    assert known_locale(bot, "U_JA") == "ja-JP"
    status = slash(bot, "status", user="U_JA")
    assert "ステップ完了" in str(status["blocks"]) and "Production" in str(status["blocks"])
    help_answer = slash(bot, "help", user="U_JA")
    assert JA.text("help.title") in str(help_answer["blocks"])
    assert "`/msi status [rollout]`" in str(help_answer["blocks"]) and "進捗" in str(help_answer["blocks"])
    # Looked up once: the row is fresh, and this process knows it.
    assert len(bot.fake.locale_lookups("U_JA")) == 1
    # The rollout's channel posts stay English: the reader's language is for private answers only.
    assert card(bot, EN, 1, "C_MKTO")


def test_the_first_answer_of_an_unknown_reader_does_not_wait_for_slack(bot: RunningBot) -> None:
    start_in(bot, "ja")
    bot.fake.add_user("U_SLOW", locale="en-GB")
    bot.fake.delays["users.info"] = LOOKUP_DELAY
    began = time.monotonic()
    first = slash(bot, "help", user="U_SLOW")
    assert time.monotonic() - began < LOOKUP_DELAY
    assert JA.text("help.title") in str(first["blocks"])  # the rollout's language, the reader's unknown
    assert bot.fake.locale_lookups("U_SLOW") == []
    wait_known(bot, "U_SLOW")
    assert EN.text("help.title") in str(slash(bot, "help", user="U_SLOW")["blocks"])


def test_a_failed_look_up_leaves_the_language_unknown_and_is_not_repeated_at_once(bot: RunningBot) -> None:
    start_in(bot, "ja")
    slash(bot, "help", user="U_NOBODY")  # users.info answers user_not_found for this one
    bot.fake.wait_for(lambda: bot.fake.locale_lookups("U_NOBODY"))
    time.sleep(0.3)  # the failed look-up is settled
    for _ in range(3):
        assert JA.text("help.title") in str(slash(bot, "help", user="U_NOBODY")["blocks"])
    assert known_locale(bot, "U_NOBODY") is None
    assert len(bot.fake.locale_lookups("U_NOBODY")) == 1


def test_an_english_reader_in_a_japanese_rollout_gets_english_privately(bot: RunningBot) -> None:
    start_in(bot, "ja")
    step1 = card(bot, JA, 1, "C_MKTO")
    # U_OTHER (en-US) asks something first; the next answers are in English.
    slash(bot, "help", user="U_OTHER")
    wait_known(bot, "U_OTHER")
    status = slash(bot, "status", user="U_OTHER")
    assert "steps done" in str(status["blocks"]) and "ステップ完了" not in str(status["blocks"])
    # A refused click: the refusal is the reader's, in English; the card stays Japanese.
    refused = click(bot, step1, "msi_step_done", "U_OTHER")
    answer = wait_private_answer(bot, refused)
    assert answer["text"].startswith("Only the rollout's Marketo admin can mark step 1 done")
    assert JA.text("step.button.done") in text_of(step1)
    # Whereas someone whose locale is not known yet is refused in the rollout's language.
    bot.fake.add_user("U_NEW", locale="en-US")
    bot.fake.delays["users.info"] = LOOKUP_DELAY
    first = wait_private_answer(bot, click(bot, step1, "msi_step_done", "U_NEW"))
    assert "ステップ 1 を完了にできるのは" in first["text"]


def test_changing_the_language_in_edit_updates_the_open_cards_and_requests_in_place(bot: RunningBot) -> None:
    rollout_id = start_in(bot, "en")
    step1 = wait_step_message(bot, 1, "C_MKTO")
    step6 = wait_step_message(bot, 6, "C_SFDC")
    slash(bot, "invite ana@example.com", user="U_MKTO")
    request = approval_request(bot, EN, EN.text("batch.subject", batch=1, count=1))
    updates_before = len(bot.fake.calls_to("chat.update"))
    values = {
        **start_form_values(),
        "language": language_value("ja"),
    }
    for unused in ("name", "environment", "prerequisites"):
        values.pop(unused)
    response = bot.slack.interact(
        view_submission("msi_edit_rollout", values, private_metadata=str(rollout_id))
    )
    assert response.status_code == 200 and not response.content, response.text
    header = JA.text("step.header", number=1, total=7, title=JA.text("step.1.title"))
    bot.fake.wait_for(lambda: step1["blocks"][0]["text"]["text"] == header)
    bot.fake.wait_for(lambda: step6["blocks"][0]["text"]["text"].startswith("ステップ 6/7"))
    bot.fake.wait_for(lambda: request["blocks"][0]["text"]["text"] == JA.text("approval.header"))
    # Updated in place: the same messages, through chat.update, and no second card posted.
    assert step1["updates"] >= 1 and request["updates"] >= 1
    assert len(bot.fake.calls_to("chat.update")) > updates_before
    updated_texts = [str(call.params.get("blocks")) for call in bot.fake.calls_to("chat.update")]
    assert any("ステップ 1/7" in text for text in updated_texts)
    tops = [m for m in bot.fake.posts("C_MKTO") if m["thread_ts"] is None and m is not step1]
    assert not [m for m in tops if "ステップ 1/7" in text_of(m)]
    with bot.database.read() as session:
        edited = session.scalars(
            select(AuditEvent).where(
                AuditEvent.rollout_id == rollout_id, AuditEvent.action == "rollout_edited"
            )
        ).one()
    assert (edited.details["before"]["language"], edited.details["after"]["language"]) == ("en", "ja")
    # The owner's own answers stay in the owner's language (en-US once known).
    wait_known(bot, "U_OWNER")
    assert "steps done" in str(slash(bot, "status", user="U_OWNER")["blocks"])


def test_an_unknown_language_in_the_form_is_refused_beside_the_field_and_changes_nothing(
    bot: RunningBot,
) -> None:
    values = {**start_form_values(), "language": language_value("xx")}
    response = bot.slack.interact(view_submission("msi_start_rollout", values))
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"language": EN.text("start.error.language")},
    }
    with bot.database.read() as session:
        assert session.scalars(select(Rollout)).all() == []


def test_start_preselects_the_language_of_the_owners_slack_locale(bot: RunningBot) -> None:
    bot.fake.add_user("U_JA", locale="ja-JP")
    response = bot.slack.slash("start", user="U_JA")
    assert response.status_code == 200 and not response.content
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])
    modal = opened[0]["view"]
    assert modal["title"]["text"] == JA.text("start.title")
    (language,) = [b for b in modal["blocks"] if b.get("block_id") == "language"]
    assert language["element"]["initial_option"]["value"] == "ja"
    assert [o["text"]["text"] for o in language["element"]["options"]] == ["日本語", "English"]
    time.sleep(0.3)  # the middleware's own look-up, had it not been deduplicated, would show by now
    assert len(bot.fake.locale_lookups("U_JA")) == 1
    # Submitting the form then takes the owner's time zone from that look-up instead of asking Slack again.
    asked = len(bot.fake.calls_to("users.info"))
    values = {**start_form_values(), "language": language_value("ja")}
    response = bot.slack.interact(view_submission("msi_start_rollout", values, user="U_JA"))
    assert response.status_code == 200 and not response.content, response.text
    with bot.database.read() as session:
        assert session.scalars(select(Rollout)).one().time_zone == "Europe/Paris"
    assert len(bot.fake.calls_to("users.info")) == asked
    # Someone English gets English, preselected.
    response = bot.slack.slash("start", user="U_OWNER")
    opened = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"][1:])
    modal = opened[0]["view"]
    (language,) = [b for b in modal["blocks"] if b.get("block_id") == "language"]
    assert modal["title"]["text"] == EN.text("start.title")
    assert language["element"]["initial_option"]["value"] == "en"


def test_the_fake_slack_gives_the_locale_only_to_who_asks_for_it(fake_slack: FakeSlack) -> None:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test-token-1234567890", base_url=fake_slack.url)
    assert "locale" not in client.users_info(user="U_OWNER")["user"]
    assert client.users_info(user="U_OWNER", include_locale=True)["user"]["locale"] == "en-US"
    assert len(fake_slack.locale_lookups("U_OWNER")) == 1
