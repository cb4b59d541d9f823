"""The reminder posted in a stuck item's thread, and the morning digest sent to one person."""

from __future__ import annotations

from bot.slack import ids
from bot.slack.blockkit import Block, option, plain, section
from bot.texts import Texts

# The Snooze choices, in the order the menu shows them; each option's value is "<choice>:<target>".
SNOOZE_CHOICES = ("hour", "workday", "monday")


def snooze_value(choice: str, target: str) -> str:
    return f"{choice}:{target}"


def reminder_message(texts: Texts, text: str, target: str) -> list[Block]:
    return [
        section(text),
        {
            "type": "actions",
            "block_id": f"reminder_{target.replace(':', '_')}",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": ids.SNOOZE,
                    "placeholder": plain(texts.text("reminder.snooze"), 150),
                    "options": [
                        option(texts.text(f"reminder.snooze.{choice}"), snooze_value(choice, target))
                        for choice in SNOOZE_CHOICES
                    ],
                }
            ],
        },
    ]


def digest_message(texts: Texts, lines: list[str]) -> tuple[str, list[Block]]:
    """The one direct message listing what waits on its reader (`lines` already rendered, one per item)."""
    header = texts.text("reminder.digest.header", count=len(lines))
    shown = texts.cut(lines, 40)
    blocks: list[Block] = [section(header)]
    # A section holds 3,000 characters: items go ten to a section, well under it.
    for start in range(0, len(shown), 10):
        blocks.append(section("\n".join(f"• {line}" for line in shown[start : start + 10])))
    return header, blocks
