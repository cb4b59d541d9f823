"""Block Kit builders: pure functions from data to message and view payloads. No I/O, no prose of their own.

Every text comes from the catalog; every value a user typed is escaped before it gets here or here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import catalog, ids, runbook, slack_text
from bot.runbook import Persona, StepState

Block = dict[str, Any]
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
MESSAGE_BLOCK_LIMIT = 50


def plain(value: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": slack_text.clip(value, limit) if limit else value, "emoji": True}


def mrkdwn(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": slack_text.clip(value, SECTION_LIMIT)}


def section(value: str) -> Block:
    return {"type": "section", "text": mrkdwn(value)}


def context(value: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(value)]}


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(label, BUTTON_TEXT_LIMIT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, body: str, yes: str, no: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": plain(body, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }


def bullets(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def persona_label(personas: tuple[Persona, ...], language: str = catalog.DEFAULT_LANGUAGE) -> str:
    names = [catalog.text(f"persona.{persona.value}", language) for persona in personas]
    if len(names) == 2:
        return catalog.text("persona.either", language, first=names[0], second=names[1])
    return names[0]


# ---------------------------------------------------------------- /msi help


def help_blocks(unknown_command: str | None = None, language: str = catalog.DEFAULT_LANGUAGE) -> list[Block]:
    blocks: list[Block] = []
    if unknown_command is not None:
        shown = slack_text.clip(slack_text.escape(unknown_command), 100).replace("`", "'")
        blocks.append(section(catalog.text("help.unknown", language, command=shown)))
    else:
        blocks.append(section(catalog.text("help.title", language)))
    blocks.append(section(catalog.text("help.usage", language)))
    return blocks


def help_text(unknown_command: str | None = None, language: str = catalog.DEFAULT_LANGUAGE) -> str:
    return "\n".join(block["text"]["text"] for block in help_blocks(unknown_command, language))


# ---------------------------------------------------------------- the Start a rollout modal


def start_modal(language: str = catalog.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str) -> str:
        return catalog.text(key, language)

    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.START_VIEW,
        "title": plain(t("start.title"), 24),
        "submit": plain(t("start.submit"), 24),
        "close": plain(t("start.close"), 24),
        "blocks": [
            section(t("start.intro")),
            {
                "type": "input",
                "block_id": ids.START_NAME,
                "label": plain(t("start.name.label")),
                "hint": plain(t("start.name.hint")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.START_NAME,
                    "max_length": NAME_LIMIT,
                    "placeholder": plain(t("start.name.placeholder")),
                },
            },
            {
                "type": "input",
                "block_id": ids.START_ENVIRONMENT,
                "label": plain(t("start.environment.label")),
                "element": {
                    "type": "static_select",
                    "action_id": ids.START_ENVIRONMENT,
                    "initial_option": _option(t("environment.production"), "production"),
                    "options": [
                        _option(t("environment.production"), "production"),
                        _option(t("environment.sandbox"), "sandbox"),
                    ],
                },
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(t("start.marketo_admins.label")),
                "hint": plain(t("start.marketo_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_MARKETO_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(t("start.marketo_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_MARKETO_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_ADMINS,
                "label": plain(t("start.salesforce_admins.label")),
                "hint": plain(t("start.salesforce_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_SALESFORCE_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(t("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_PREREQUISITES,
                "label": plain(t("start.prerequisites.label")),
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.START_PREREQUISITES,
                    "options": [
                        {
                            **_option(t("start.prerequisite.enabled"), ids.PREREQUISITE_ENABLED),
                            "description": plain(t("start.prerequisite.enabled.hint")),
                        },
                        _option(t("start.prerequisite.sync"), ids.PREREQUISITE_SYNC),
                    ],
                },
            },
        ],
    }


NAME_LIMIT = 80


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


# ---------------------------------------------------------------- step messages


@dataclass(frozen=True)
class StepCard:
    """What a step message shows."""

    step_id: int
    number: int
    state: StepState
    rollout_name: str
    environment: str
    opened_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None


def step_message(card: StepCard, language: str = catalog.DEFAULT_LANGUAGE) -> tuple[str, list[Block]]:
    """The fallback text and blocks of a step message in its persona channel."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    spec = runbook.step(card.number)
    title = t(f"step.{card.number}.title")
    blocks: list[Block] = [
        {
            "type": "header",
            "text": plain(
                t("step.header", number=card.number, total=runbook.STEP_COUNT, title=title), HEADER_LIMIT
            ),
        },
        context(
            t(
                "step.rollout_line",
                rollout=slack_text.escape(card.rollout_name),
                environment=t(f"environment.{card.environment}"),
                persona=persona_label(spec.personas, language),
            )
        ),
    ]
    if card.state is StepState.DONE and card.done_at is not None and card.done_by is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.done",
                    who=slack_text.user(card.done_by),
                    when=slack_text.date(card.done_at),
                )
            )
        )
    elif card.opened_at is not None:
        blocks.append(section(t("step.state_line.open", when=slack_text.date(card.opened_at))))
    blocks.append(
        section(
            t("step.checklist.heading")
            + "\n"
            + bullets(catalog.lines(f"step.{card.number}.checklist", language))
        )
    )
    blocks.append(
        section(
            t("step.hints.heading") + "\n" + bullets(catalog.lines(f"step.{card.number}.hints", language))
        )
    )
    if card.state is not StepState.DONE:
        value = str(card.step_id)
        blocks.append(
            {
                "type": "actions",
                "block_id": f"step_{card.step_id}",
                "elements": [
                    button(
                        t("step.button.done"),
                        ids.STEP_DONE,
                        value,
                        style="primary",
                        confirm=confirm_dialog(
                            t("step.confirm.title", number=card.number),
                            t("step.confirm.text", title=title),
                            t("step.confirm.yes"),
                            t("step.confirm.no"),
                        ),
                    ),
                    button(t("step.button.help"), ids.STEP_HELP, value),
                ],
            }
        )
    fallback = t("step.fallback", number=card.number, title=title, state=t(f"state.{card.state.value}"))
    return fallback, blocks
