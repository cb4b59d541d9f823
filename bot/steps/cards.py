"""Steps of a rollout: opening them, and keeping their message(s) in the persona channels up to date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.platform import outbox
from bot.steps import blocks, runbook
from bot.steps.runbook import Persona, StepState
from bot.texts import Texts, known_language
from storage import queries
from storage.db import affected_rows
from storage.models import Approval, Rollout, RolloutStatus, SlackMessage, Step

STEP_SUBJECT = "step"
VERIFIABLE_STEPS = (6, 7)

# Environments whose Salesforce org is configured (SALESFORCE_* / SALESFORCE_SANDBOX_*): their steps 6 and 7
# get a Verify in Salesforce button. Set once at start-up from the settings.
_verifiable_environments: frozenset[str] = frozenset()


def configure_verification(environments: frozenset[str]) -> None:
    global _verifiable_environments
    _verifiable_environments = environments


def verification_configured() -> bool:
    return bool(_verifiable_environments)


def verifiable(rollout: Rollout, number: int) -> bool:
    return number in VERIFIABLE_STEPS and rollout.environment in _verifiable_environments


def persona_channel(rollout: Rollout, persona: Persona) -> str:
    return rollout.marketo_channel if persona is Persona.MARKETO_ADMIN else rollout.salesforce_channel


def step_channels(rollout: Rollout, number: int) -> list[str]:
    """The channels a step is posted in: one per persona (step 2 lives in both)."""
    channels: list[str] = []
    for persona in runbook.step(number).personas:
        channel = persona_channel(rollout, persona)
        if channel not in channels:
            channels.append(channel)
    return channels


def message_purpose(step: Step) -> str:
    return f"step:{step.id}"


def card_for(
    rollout: Rollout, step: Step, *, approval: Approval | None = None, moved_to: str | None = None
) -> blocks.StepCard:
    assert step.id is not None
    cancelled = rollout.status == RolloutStatus.CANCELLED
    approval_by = approval_at = None
    if approval is not None and step.state == StepState.AWAITING_APPROVAL:
        approval_by, approval_at = approval.requested_by, approval.requested_at
    elif approval is not None and step.state == StepState.APPROVED:
        approval_by, approval_at = approval.decided_by, approval.decided_at
    return blocks.StepCard(
        step_id=step.id,
        number=step.number,
        state=StepState(step.state),
        rollout_name=rollout.name,
        environment=rollout.environment,
        opened_at=step.opened_at,
        done_at=step.done_at,
        done_by=step.done_by,
        blocked=step.blocked,
        blocked_by=step.blocked_by,
        blocked_at=step.blocked_at,
        blocked_note=step.blocked_note,
        note_kind=step.note_kind,
        note=step.note,
        note_by=step.note_by,
        note_at=step.note_at,
        cancelled_at=rollout.cancelled_at if cancelled else None,
        cancelled_by=rollout.cancelled_by if cancelled else None,
        moved_to=moved_to,
        approval_by=approval_by,
        approval_at=approval_at,
        verifiable=verifiable(rollout, step.number),
        verification=step.verification,
    )


def render(session: Session, *, rollout: Rollout, step: Step, now: datetime) -> None:
    """Write the step's current look to each of its messages; the outbox posts or updates them.

    A copy left in a channel the rollout no longer uses (after Edit) is turned into a pointer to the new one.
    """
    if step.state == StepState.LOCKED:
        return
    channels = step_channels(rollout, step.number)
    approval = queries.latest_approval(session, subject_kind=STEP_SUBJECT, subject_id=step.id or 0)
    # A channel post: in the rollout's language, whoever reads it.
    rollout_texts = Texts.of(known_language(rollout.language))
    text, step_blocks = blocks.step_message(rollout_texts, card_for(rollout, step, approval=approval))
    for channel in channels:
        outbox.keep_message(
            session,
            now=now,
            rollout_id=rollout.id,
            purpose=message_purpose(step),
            channel_id=channel,
            text=text,
            blocks=step_blocks,
        )
    stale = session.scalars(
        select(SlackMessage).where(
            col(SlackMessage.purpose) == message_purpose(step), col(SlackMessage.channel_id).not_in(channels)
        )
    ).all()
    for message in stale:
        moved_text, moved_blocks = blocks.step_message(
            rollout_texts, card_for(rollout, step, moved_to=channels[0])
        )
        outbox.keep_message(
            session,
            now=now,
            rollout_id=rollout.id,
            purpose=message.purpose,
            channel_id=message.channel_id,
            text=moved_text,
            blocks=moved_blocks,
        )


REMINDABLE = (StepState.OPEN.value, StepState.APPROVED.value)


def touch(step: Step, *, now: datetime, actor: str | None) -> None:
    """Record a change of the step; the wait its reminders measure starts again."""
    step.changed_at = now
    step.changed_by = actor
    step.reminder_count = 0
    step.last_reminded_at = None
    step.remind_from = now if step.state in REMINDABLE else None


def step_messages(session: Session, *, step: Step) -> list[SlackMessage]:
    return list(
        session.scalars(select(SlackMessage).where(col(SlackMessage.purpose) == message_purpose(step))).all()
    )


def open_step(session: Session, *, rollout: Rollout, step: Step, now: datetime, actor: str) -> bool:
    """Open a locked step exactly once: a conditional update, so two concurrent openers cannot both win."""
    opened = affected_rows(
        session.execute(
            update(Step)
            .where(col(Step.id) == step.id, col(Step.state) == StepState.LOCKED.value)
            .values(
                state=StepState.OPEN.value,
                opened_at=now,
                changed_at=now,
                changed_by=actor,
                remind_from=now,
                reminder_count=0,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if opened != 1:
        return False
    session.refresh(step)
    render(session, rollout=rollout, step=step, now=now)
    queries.audit(
        session,
        now=now,
        rollout_id=rollout.id,
        actor=actor,
        action="step_opened",
        details={"step": step.number},
    )
    return True


def open_ready_dependants(session: Session, *, rollout: Rollout, now: datetime, actor: str) -> list[int]:
    """Open every locked step whose prerequisites are all done. The caller holds the rollout's row lock."""
    rows = queries.steps_of(session, rollout_id=rollout.id or 0)
    done = [row.number for row in rows if row.state == StepState.DONE]
    not_locked = [row.number for row in rows if row.state != StepState.LOCKED]
    by_number = {row.number: row for row in rows}
    opened = []
    for number in runbook.steps_to_open(done, not_locked):
        if open_step(session, rollout=rollout, step=by_number[number], now=now, actor=actor):
            opened.append(number)
    return opened
