"""The reminder posted in a stuck item's thread."""

from __future__ import annotations

from bot.slack import ids
from bot.slack.blockkit import Block, button, section
from bot.texts import Texts


def reminder_message(texts: Texts, text: str, target: str) -> list[Block]:
    return [
        section(text),
        {
            "type": "actions",
            "block_id": f"reminder_{target.replace(':', '_')}",
            "elements": [button(texts.text("reminder.snooze"), ids.SNOOZE, target)],
        },
    ]
