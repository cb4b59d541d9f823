"""Helpers for scenario tests: start a rollout over HTTP, find step messages, click their buttons."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from storage.models import AuditEvent, Rollout, SlackPerson, Step, WorkerProcess
from tests.conftest import RunningBot
from tests.harness import block_action, start_form_values, view_submission

_response_names = itertools.count(1)


def start_rollout(bot: RunningBot, name: str = "Production", **form: Any) -> int:
    response = bot.slack.interact(view_submission("msi_start_rollout", start_form_values(name=name, **form)))
    assert response.status_code == 200 and not response.content, response.text
    with bot.database.read() as session:
        rollout = session.scalars(
            select(Rollout).where(Rollout.name == name, Rollout.status == "active")
        ).one()
    assert rollout.id is not None
    bot.fake.wait_for(lambda: step_message(bot, 1, rollout.marketo_channel, name) is not None)
    return rollout.id


def is_step_message(message: dict[str, Any], number: int, rollout_name: str | None = None) -> bool:
    blocks = message.get("blocks") or []
    if not blocks or blocks[0].get("type") != "header":
        return False
    if not blocks[0]["text"]["text"].startswith(f"Step {number} of 7"):
        return False
    return rollout_name is None or f"*{rollout_name}*" in blocks[1]["elements"][0]["text"]


def step_message(
    bot: RunningBot, number: int, channel: str, rollout_name: str | None = None
) -> dict[str, Any] | None:
    found = [
        m
        for m in bot.fake.posts(channel)
        if m["thread_ts"] is None and is_step_message(m, number, rollout_name)
    ]
    assert len(found) <= 1, f"step {number} posted {len(found)} times in {channel}"
    return found[0] if found else None


def wait_step_message(
    bot: RunningBot, number: int, channel: str, rollout_name: str | None = None
) -> dict[str, Any]:
    return bot.fake.wait_for(lambda: step_message(bot, number, channel, rollout_name))


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def click(bot: RunningBot, message: dict[str, Any], action_id: str, user: str) -> str:
    """Click a button of a posted message as `user`; returns the response_url given with the click."""
    button = buttons(message)[action_id]
    response_url = bot.fake.response_url(f"click-{next(_response_names)}")
    payload = block_action(
        action_id,
        button["value"],
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
        response_url=response_url,
    )
    response = bot.slack.interact(payload)
    assert response.status_code == 200, response.text
    return response_url


def choose(bot: RunningBot, message: dict[str, Any], action_id: str, value: str, user: str) -> str:
    """Pick the option whose value is `value` in a select menu of a posted message, as `user`, the way Slack
    sends it (the option as `selected_option`, no `value`); returns the response_url given with it."""
    menu = buttons(message)[action_id]
    chosen = next(option for option in menu["options"] if option["value"] == value)
    response_url = bot.fake.response_url(f"click-{next(_response_names)}")
    payload = block_action(
        action_id,
        "",
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
        response_url=response_url,
    )
    action = payload["actions"][0]
    action.pop("value")
    action.pop("text")
    action.update(type=menu["type"], selected_option=chosen, placeholder=menu.get("placeholder"))
    response = bot.slack.interact(payload)
    assert response.status_code == 200, response.text
    return response_url


def home_click(bot: RunningBot, action_id: str, value: str, user: str) -> None:
    payload = block_action(action_id, value, user=user, channel="", message_ts="", response_url="")
    payload.pop("channel")
    payload.pop("message")
    payload.pop("response_url")
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home", "callback_id": "", "private_metadata": ""}
    response = bot.slack.interact(payload)
    assert response.status_code == 200, response.text


def private_answers(bot: RunningBot, response_url: str) -> list[dict[str, Any]]:
    path = response_url.split("127.0.0.1:")[1].split("/", 1)[1]
    return [r["body"] for r in bot.fake.responses if r["path"] == "/" + path]


def wait_private_answer(bot: RunningBot, response_url: str) -> dict[str, Any]:
    answers = bot.fake.wait_for(lambda: private_answers(bot, response_url))
    return answers[0]


def snapshot(bot: RunningBot) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (as reprs, sorted), to tell what a request changed; but the process's own
    heartbeat, refreshed every second whatever the requests do, and the cache of people's Slack locales,
    filled after any request of someone not known yet (bot/platform/people.py)."""
    tables: dict[str, list[tuple[str, ...]]] = {}
    with bot.database.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in (WorkerProcess.__tablename__, SlackPerson.__tablename__):
                continue
            rows = session.execute(select(table)).all()
            tables[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return tables


def step_states(bot: RunningBot, rollout_id: int) -> dict[int, str]:
    with bot.database.read() as session:
        return {s.number: s.state for s in session.scalars(select(Step).where(Step.rollout_id == rollout_id))}


def audit_actions(bot: RunningBot, rollout_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    with bot.database.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.rollout_id == rollout_id).order_by(AuditEvent.id)
        ).all()
        return [(e.actor, e.action, e.details) for e in events]


def text_of(message: dict[str, Any]) -> str:
    import json

    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + (message.get("text") or "")


def approval_requests(bot: RunningBot, channel: str = "C_SFDC") -> list[dict[str, Any]]:
    return [
        m
        for m in bot.fake.posts(channel)
        if (m.get("blocks") or [{}])[0].get("text", {}).get("text") == "Approval needed"
    ]


def wait_approval_request(
    bot: RunningBot, subject: str, channel: str = "C_SFDC", name: str = "Production"
) -> dict[str, Any]:
    """The approval request of rollout `name` whose text names `subject` (e.g. "Step 4 of 7")."""
    return bot.fake.wait_for(
        lambda: next(
            (
                m
                for m in approval_requests(bot, channel)
                if subject in text_of(m) and f"*{name}*" in text_of(m)
            ),
            None,
        )
    )
