"""The reminder posted in a stuck item's thread."""

from __future__ import annotations

from bot import texts
from bot.slack import ids
from bot.slack.blockkit import Block, button, section


def reminder_message(text: str, target: str, language: str = texts.DEFAULT_LANGUAGE) -> list[Block]:
    return [
        section(text),
        {
            "type": "actions",
            "block_id": f"reminder_{target.replace(':', '_')}",
            "elements": [button(texts.text("reminder.snooze", language), ids.SNOOZE, target)],
        },
    ]
