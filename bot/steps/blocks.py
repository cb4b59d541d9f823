"""Step messages in the persona channels and the modals of one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.slack import formatting, ids
from bot.slack.blockkit import (
    HEADER_LIMIT,
    Block,
    bullets,
    button,
    confirm_dialog,
    context,
    plain,
    section,
    text_modal,
)
from bot.steps import runbook
from bot.steps.labels import persona_label
from bot.steps.runbook import StepState
from bot.texts import Texts


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
    blocked: bool = False
    blocked_by: str | None = None
    blocked_at: datetime | None = None
    blocked_note: str | None = None
    note_kind: str | None = None
    note: str | None = None
    note_by: str | None = None
    note_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    moved_to: str | None = None
    approval_by: str | None = None
    approval_at: datetime | None = None
    verifiable: bool = False
    verification: dict[str, Any] | None = None


def step_message(texts: Texts, card: StepCard) -> tuple[str, list[Block]]:
    """The fallback text and blocks of a step message in its persona channel."""
    spec = runbook.step(card.number)
    title = texts.text(f"step.{card.number}.title")
    blocks: list[Block] = [
        {
            "type": "header",
            "text": plain(
                texts.text("step.header", number=card.number, total=runbook.STEP_COUNT, title=title),
                HEADER_LIMIT,
            ),
        },
        context(
            texts.text(
                "step.rollout_line",
                rollout=formatting.escape(card.rollout_name),
                environment=texts.text(f"environment.{card.environment}"),
                persona=persona_label(texts, spec.personas),
            )
        ),
    ]
    closed = card.cancelled_at is not None or card.moved_to is not None
    if card.moved_to is not None:
        blocks.append(section(texts.text("step.state_line.moved", channel=formatting.channel(card.moved_to))))
    elif card.cancelled_at is not None:
        blocks.append(
            section(
                texts.text(
                    "step.state_line.cancelled",
                    when=texts.date(card.cancelled_at),
                    who=formatting.user(card.cancelled_by or ""),
                )
            )
        )
    elif card.state is StepState.DONE and card.done_at is not None and card.done_by is not None:
        blocks.append(
            section(
                texts.text(
                    "step.state_line.done",
                    who=formatting.user(card.done_by),
                    when=texts.date(card.done_at),
                )
            )
        )
    elif card.state is StepState.AWAITING_APPROVAL and card.approval_at is not None:
        blocks.append(
            section(
                texts.text(
                    "step.state_line.awaiting",
                    who=formatting.user(card.approval_by or ""),
                    when=texts.date(card.approval_at),
                )
            )
        )
    elif card.blocked and card.blocked_at is not None:
        blocks.append(
            section(
                texts.text(
                    "step.state_line.blocked",
                    when=texts.date(card.blocked_at),
                    who=formatting.user(card.blocked_by or ""),
                    problem=formatting.clip(formatting.escape(card.blocked_note or ""), 1500),
                )
            )
        )
    elif card.state is StepState.APPROVED and card.approval_at is not None:
        blocks.append(
            section(
                texts.text(
                    "step.state_line.approved",
                    who=formatting.user(card.approval_by or ""),
                    when=texts.date(card.approval_at),
                )
            )
        )
    elif card.opened_at is not None:
        blocks.append(section(texts.text("step.state_line.open", when=texts.date(card.opened_at))))
    if card.note_kind and card.note and card.note_at and card.state is not StepState.DONE and not closed:
        blocks.append(
            context(
                texts.text(
                    f"step.note.{card.note_kind}",
                    who=formatting.user(card.note_by or ""),
                    when=texts.date(card.note_at),
                    reason=formatting.clip(formatting.escape(card.note), 1500),
                )
            )
        )
    if card.verification and not closed:
        blocks.append(section(verification_text(texts, card.verification)))
    if not closed:
        blocks.append(
            section(
                texts.text("step.checklist.heading")
                + "\n"
                + bullets(texts.lines(f"step.{card.number}.checklist"))
            )
        )
        blocks.append(
            section(
                texts.text("step.hints.heading") + "\n" + bullets(texts.lines(f"step.{card.number}.hints"))
            )
        )
    if card.state is not StepState.DONE and not closed:
        value = str(card.step_id)
        # While approval is pending only a persona that needs none (Salesforce admins, step 2) can finish.
        can_finish = (
            card.state is not StepState.AWAITING_APPROVAL
            or spec.approval is runbook.ApprovalRule.WHEN_MARKETO_ADMIN
        )
        elements = []
        if can_finish:
            elements.append(
                button(
                    texts.text("step.button.done"),
                    ids.STEP_DONE,
                    value,
                    style="primary",
                    confirm=confirm_dialog(texts, "step.confirm", number=card.number, title=title),
                )
            )
        if card.verifiable:
            elements.append(button(texts.text("verify.button"), ids.VERIFY, value))
        elements.append(button(texts.text("step.button.help"), ids.STEP_HELP, value))
        if card.blocked:
            elements.append(button(texts.text("step.button.resolve"), ids.STEP_RESOLVE, value))
        blocks.append({"type": "actions", "block_id": f"step_{card.step_id}", "elements": elements})
    state_name = (
        texts.text("state.blocked")
        if card.blocked and card.state is not StepState.DONE
        else texts.text(f"state.{card.state.value}")
    )
    fallback = texts.text("step.fallback", number=card.number, title=title, state=state_name)
    return fallback, blocks


def verification_text(texts: Texts, record: dict[str, Any]) -> str:
    """The last Salesforce check of a step, check by check, as stored by bot.verification."""
    try:
        at = datetime.fromisoformat(str(record.get("at")))
    except ValueError:
        at = None
    lines = [
        texts.text(
            "verify.heading",
            who=formatting.user(str(record.get("by", ""))),
            when=texts.date(at) if at else "",
        )
    ]
    for check in record.get("checks", []):
        params = {name: formatting.escape(str(value)) for name, value in (check.get("params") or {}).items()}
        name = texts.text(check["name_key"], **params)
        outcome = texts.text(check["key"], **params)
        if check.get("passed"):
            key = "verify.passed"
        elif check.get("warning"):
            key = "verify.warning"
        else:
            key = "verify.failed"
        lines.append(texts.text(key, name=name, outcome=outcome))
    return "\n".join(lines)


def override_modal(texts: Texts, step_id: int, number: int, *, checked: bool) -> dict[str, Any]:

    return text_modal(
        callback_id=ids.OVERRIDE_VIEW,
        metadata=str(step_id),
        title=texts.text("override.title"),
        submit=texts.text("override.submit"),
        close=texts.text("start.close"),
        intro=[
            section(
                texts.text("override.intro.failed" if checked else "override.intro.unchecked", number=number)
            )
        ],
        block_id=ids.OVERRIDE_REASON,
        label=texts.text("override.reason"),
        max_length=1000,
    )


def help_modal(texts: Texts, step_id: int, number: int) -> dict[str, Any]:
    return text_modal(
        callback_id=ids.HELP_VIEW,
        metadata=str(step_id),
        title=texts.text("help_modal.title"),
        submit=texts.text("help_modal.submit"),
        close=texts.text("help_modal.close"),
        intro=[
            section(texts.text("help_modal.intro", number=number, title=texts.text(f"step.{number}.title"))),
            section(bullets(texts.lines(f"step.{number}.hints"))),
        ],
        block_id=ids.HELP_PROBLEM,
        label=texts.text("help_modal.problem.label"),
        max_length=2000,
        placeholder=texts.text("help_modal.problem.placeholder"),
    )


def reopen_modal(texts: Texts, step_id: int, number: int) -> dict[str, Any]:
    return text_modal(
        callback_id=ids.REOPEN_VIEW,
        metadata=str(step_id),
        title=texts.text("reopen_modal.title"),
        submit=texts.text("reopen_modal.submit"),
        close=texts.text("reopen_modal.close"),
        intro=[
            section(texts.text("reopen_modal.intro", number=number, title=texts.text(f"step.{number}.title")))
        ],
        block_id=ids.REOPEN_REASON,
        label=texts.text("reopen_modal.reason.label"),
        max_length=1000,
    )
