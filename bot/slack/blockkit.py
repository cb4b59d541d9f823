"""Block Kit primitives: text objects, sections, buttons and Slack's size limits."""

from __future__ import annotations

from typing import Any

from bot.slack import formatting
from bot.texts import Texts

Block = dict[str, Any]


SECTION_LIMIT = 3000


HEADER_LIMIT = 150


BUTTON_TEXT_LIMIT = 75


MESSAGE_BLOCK_LIMIT = 50


def plain(value: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": formatting.clip(value, limit) if limit else value, "emoji": True}


def mrkdwn(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": formatting.clip(value, SECTION_LIMIT)}


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


def confirm_dialog(texts: Texts, key: str, **params: Any) -> dict[str, Any]:
    """The dialog whose texts are the catalog's `{key}.title`, `.text`, `.yes` and `.no`, filled from
    `params` (each text takes the params it names)."""
    return {
        "title": plain(texts.text(f"{key}.title", **params), 100),
        "text": plain(texts.text(f"{key}.text", **params), 300),
        "confirm": plain(texts.text(f"{key}.yes", **params), 30),
        "deny": plain(texts.text(f"{key}.no", **params), 30),
    }


def bullets(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


def text_modal(
    *,
    callback_id: str,
    metadata: str,
    title: str,
    submit: str,
    close: str,
    intro: list[Block],
    block_id: str,
    label: str,
    max_length: int,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A modal that asks for one piece of multi-line text (a problem, a reason) below some context."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": True,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(close, 24),
        "blocks": [
            *intro,
            {"type": "input", "block_id": block_id, "label": plain(label), "element": element},
        ],
    }


def lines_blocks(texts: Texts, heading: str | None, lines: list[str], limit: int = 40) -> list[Block]:
    """A list of lines as sections that respect the 3,000-character limit, cut with "and N more"."""
    shown = texts.cut(lines, limit)
    blocks: list[Block] = [section(heading)] if heading else []
    chunk: list[str] = []
    for line in shown:
        if sum(len(item) + 1 for item in chunk) + len(line) > SECTION_LIMIT - 10:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks
