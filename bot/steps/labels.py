"""Short labels of steps and personas shared by every surface that shows a step."""

from __future__ import annotations

from bot.steps.runbook import Persona, StepState
from bot.texts import Texts


def persona_label(texts: Texts, personas: tuple[Persona, ...]) -> str:
    names = [texts.text(f"persona.{persona.value}") for persona in personas]
    if len(names) == 2:
        return texts.text("persona.either", first=names[0], second=names[1])
    return names[0]


STATE_ICONS = {
    StepState.LOCKED: ":lock:",
    StepState.OPEN: ":large_blue_circle:",
    StepState.AWAITING_APPROVAL: ":hourglass_flowing_sand:",
    StepState.APPROVED: ":ballot_box_with_check:",
    StepState.DONE: ":white_check_mark:",
}


BLOCKED_ICON = ":warning:"


def progress_bar(done: int, total: int) -> str:
    return "▰" * done + "▱" * (total - done)
