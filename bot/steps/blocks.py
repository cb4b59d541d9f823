"""Step messages in the persona channels and the modals of one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import texts
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


def step_message(card: StepCard, language: str = texts.DEFAULT_LANGUAGE) -> tuple[str, list[Block]]:
    """The fallback text and blocks of a step message in its persona channel."""

    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

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
                rollout=formatting.escape(card.rollout_name),
                environment=t(f"environment.{card.environment}"),
                persona=persona_label(spec.personas, language),
            )
        ),
    ]
    closed = card.cancelled_at is not None or card.moved_to is not None
    if card.moved_to is not None:
        blocks.append(section(t("step.state_line.moved", channel=formatting.channel(card.moved_to))))
    elif card.cancelled_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.cancelled",
                    when=formatting.date(card.cancelled_at),
                    who=formatting.user(card.cancelled_by or ""),
                )
            )
        )
    elif card.state is StepState.DONE and card.done_at is not None and card.done_by is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.done",
                    who=formatting.user(card.done_by),
                    when=formatting.date(card.done_at),
                )
            )
        )
    elif card.state is StepState.AWAITING_APPROVAL and card.approval_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.awaiting",
                    who=formatting.user(card.approval_by or ""),
                    when=formatting.date(card.approval_at),
                )
            )
        )
    elif card.blocked and card.blocked_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.blocked",
                    when=formatting.date(card.blocked_at),
                    who=formatting.user(card.blocked_by or ""),
                    problem=formatting.clip(formatting.escape(card.blocked_note or ""), 1500),
                )
            )
        )
    elif card.state is StepState.APPROVED and card.approval_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.approved",
                    who=formatting.user(card.approval_by or ""),
                    when=formatting.date(card.approval_at),
                )
            )
        )
    elif card.opened_at is not None:
        blocks.append(section(t("step.state_line.open", when=formatting.date(card.opened_at))))
    if card.note_kind and card.note and card.note_at and card.state is not StepState.DONE and not closed:
        blocks.append(
            context(
                t(
                    f"step.note.{card.note_kind}",
                    who=formatting.user(card.note_by or ""),
                    when=formatting.date(card.note_at),
                    reason=formatting.clip(formatting.escape(card.note), 1500),
                )
            )
        )
    if card.verification and not closed:
        blocks.append(section(verification_text(card.verification, language)))
    if not closed:
        blocks.append(
            section(
                t("step.checklist.heading")
                + "\n"
                + bullets(texts.lines(f"step.{card.number}.checklist", language))
            )
        )
        blocks.append(
            section(
                t("step.hints.heading") + "\n" + bullets(texts.lines(f"step.{card.number}.hints", language))
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
                )
            )
        if card.verifiable:
            elements.append(button(t("verify.button"), ids.VERIFY, value))
        elements.append(button(t("step.button.help"), ids.STEP_HELP, value))
        if card.blocked:
            elements.append(button(t("step.button.resolve"), ids.STEP_RESOLVE, value))
        blocks.append({"type": "actions", "block_id": f"step_{card.step_id}", "elements": elements})
    state_name = (
        t("state.blocked")
        if card.blocked and card.state is not StepState.DONE
        else t(f"state.{card.state.value}")
    )
    fallback = t("step.fallback", number=card.number, title=title, state=state_name)
    return fallback, blocks


def verification_text(record: dict[str, Any], language: str = texts.DEFAULT_LANGUAGE) -> str:
    """The last Salesforce check of a step, check by check, as stored by bot.verification."""
    try:
        at = datetime.fromisoformat(str(record.get("at")))
    except ValueError:
        at = None
    lines = [
        texts.text(
            "verify.heading",
            language,
            who=formatting.user(str(record.get("by", ""))),
            when=formatting.date(at) if at else "",
        )
    ]
    for check in record.get("checks", []):
        params = {name: formatting.escape(str(value)) for name, value in (check.get("params") or {}).items()}
        name = texts.text(check["name_key"], language, **params)
        outcome = texts.text(check["key"], language, **params)
        if check.get("passed"):
            key = "verify.passed"
        elif check.get("warning"):
            key = "verify.warning"
        else:
            key = "verify.failed"
        lines.append(texts.text(key, language, name=name, outcome=outcome))
    return "\n".join(lines)


def override_modal(
    step_id: int, number: int, *, checked: bool, language: str = texts.DEFAULT_LANGUAGE
) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    return text_modal(
        callback_id=ids.OVERRIDE_VIEW,
        metadata=str(step_id),
        title=t("override.title"),
        submit=t("override.submit"),
        close=t("start.close"),
        intro=[section(t("override.intro.failed" if checked else "override.intro.unchecked", number=number))],
        block_id=ids.OVERRIDE_REASON,
        label=t("override.reason"),
        max_length=1000,
    )


def help_modal(step_id: int, number: int, language: str = texts.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    return text_modal(
        callback_id=ids.HELP_VIEW,
        metadata=str(step_id),
        title=t("help_modal.title"),
        submit=t("help_modal.submit"),
        close=t("help_modal.close"),
        intro=[
            section(t("help_modal.intro", number=number, title=t(f"step.{number}.title"))),
            section(bullets(texts.lines(f"step.{number}.hints", language))),
        ],
        block_id=ids.HELP_PROBLEM,
        label=t("help_modal.problem.label"),
        max_length=2000,
        placeholder=t("help_modal.problem.placeholder"),
    )


def reopen_modal(step_id: int, number: int, language: str = texts.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    return text_modal(
        callback_id=ids.REOPEN_VIEW,
        metadata=str(step_id),
        title=t("reopen_modal.title"),
        submit=t("reopen_modal.submit"),
        close=t("reopen_modal.close"),
        intro=[section(t("reopen_modal.intro", number=number, title=t(f"step.{number}.title")))],
        block_id=ids.REOPEN_REASON,
        label=t("reopen_modal.reason.label"),
        max_length=1000,
    )
