"""The MSI Actions setup runbook as data: seven steps, who does each, what each needs, when approval is asked.

Texts (titles, checklists, hints) live in the message catalog under `step.<n>.*`; this module only holds
the structure, so the graph can be tested without any prose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Persona(StrEnum):
    MARKETO_ADMIN = "marketo_admin"
    SALESFORCE_ADMIN = "salesforce_admin"


class StepState(StrEnum):
    LOCKED = "locked"
    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    DONE = "done"


class ApprovalRule(StrEnum):
    NEVER = "never"
    ALWAYS = "always"
    WHEN_MARKETO_ADMIN = "when_marketo_admin"


@dataclass(frozen=True)
class RunbookStep:
    number: int
    personas: tuple[Persona, ...]
    needs: tuple[int, ...]
    approval: ApprovalRule

    def needs_approval(self, done_as: Persona) -> bool:
        if self.approval is ApprovalRule.ALWAYS:
            return True
        if self.approval is ApprovalRule.WHEN_MARKETO_ADMIN:
            return done_as is Persona.MARKETO_ADMIN
        return False


STEPS: tuple[RunbookStep, ...] = (
    RunbookStep(1, (Persona.MARKETO_ADMIN,), (), ApprovalRule.NEVER),
    RunbookStep(2, (Persona.MARKETO_ADMIN, Persona.SALESFORCE_ADMIN), (1,), ApprovalRule.WHEN_MARKETO_ADMIN),
    RunbookStep(3, (Persona.MARKETO_ADMIN,), (1,), ApprovalRule.NEVER),
    RunbookStep(4, (Persona.MARKETO_ADMIN,), (2, 3), ApprovalRule.ALWAYS),
    RunbookStep(5, (Persona.MARKETO_ADMIN,), (4,), ApprovalRule.NEVER),
    RunbookStep(6, (Persona.SALESFORCE_ADMIN,), (), ApprovalRule.NEVER),
    RunbookStep(7, (Persona.SALESFORCE_ADMIN,), (5, 6), ApprovalRule.NEVER),
)
STEP_BY_NUMBER: Mapping[int, RunbookStep] = {step.number: step for step in STEPS}
STEP_COUNT = len(STEPS)


def step(number: int) -> RunbookStep:
    return STEP_BY_NUMBER[number]


def initial_steps() -> list[int]:
    """Steps that open as soon as a rollout starts: those with no prerequisites."""
    return [item.number for item in STEPS if not item.needs]


def steps_to_open(done: Iterable[int], not_locked: Iterable[int]) -> list[int]:
    """Locked steps whose prerequisites are all done, given the done steps and the steps already opened."""
    done_set = set(done)
    opened = set(not_locked)
    return [
        item.number
        for item in STEPS
        if item.number not in opened and item.number not in done_set and set(item.needs) <= done_set
    ]


def _validate_graph() -> None:
    """The runbook must be a DAG over known steps; checked at import so a bad edit fails every test."""
    numbers = set(STEP_BY_NUMBER)
    for item in STEPS:
        unknown = set(item.needs) - numbers
        if unknown:
            raise ValueError(f"step {item.number} needs unknown steps {sorted(unknown)}")
    visiting: set[int] = set()
    finished: set[int] = set()

    def visit(number: int) -> None:
        if number in finished:
            return
        if number in visiting:
            raise ValueError(f"the runbook has a cycle through step {number}")
        visiting.add(number)
        for need in STEP_BY_NUMBER[number].needs:
            visit(need)
        visiting.discard(number)
        finished.add(number)

    for number in numbers:
        visit(number)


_validate_graph()
