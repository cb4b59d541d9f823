"""The /msi slash command: parse the sub-command, answer privately in the ack, hand work to bot/ services."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import blocks, ids
from bot.services import Services

logger = logging.getLogger(__name__)


def split_command(text: str) -> tuple[str, str]:
    """`/msi` text as (sub-command in lower case, the rest as typed)."""
    stripped = (text or "").strip()
    if not stripped:
        return "help", ""
    head, _, rest = stripped.partition(" ")
    first_line_head = head.split("\n", 1)
    if len(first_line_head) == 2:
        head, rest = first_line_head[0], first_line_head[1] + (" " + rest if rest else "")
    return head.lower(), rest.strip()


def register(app: App, services: Services) -> None:
    def answer_msi(ack: Ack, command: dict[str, Any]) -> None:
        sub, _rest = split_command(command.get("text", ""))
        if sub == "help":
            ack(text=blocks.help_text(), blocks=blocks.help_blocks())
        elif sub == "start":
            ack()  # the modal opens right after, from open_start_modal
        else:
            ack(text=blocks.help_text(sub), blocks=blocks.help_blocks(sub))

    def open_start_modal(command: dict[str, Any], client: WebClient) -> None:
        sub, _rest = split_command(command.get("text", ""))
        if sub != "start":
            return
        # trigger_id is good once, for 3 seconds: this runs right after the ack, never from deferred work.
        client.views_open(trigger_id=command["trigger_id"], view=blocks.start_modal())

    app.command(ids.COMMAND)(ack=answer_msi, lazy=[open_start_modal])
