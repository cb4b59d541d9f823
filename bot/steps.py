"""Steps of a rollout: opening them, and keeping their message(s) in the persona channels up to date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot import blocks, outbox, runbook
from bot.runbook import Persona, StepState
from storage import queries
from storage.db import affected_rows
from storage.models import Rollout, Step


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


def card_for(rollout: Rollout, step: Step) -> blocks.StepCard:
    assert step.id is not None
    return blocks.StepCard(
        step_id=step.id,
        number=step.number,
        state=StepState(step.state),
        rollout_name=rollout.name,
        environment=rollout.environment,
        opened_at=step.opened_at,
        done_at=step.done_at,
        done_by=step.done_by,
    )


def render(session: Session, *, rollout: Rollout, step: Step, now: datetime) -> None:
    """Write the step's current look to each of its messages; the outbox posts or updates them."""
    text, step_blocks = blocks.step_message(card_for(rollout, step))
    for channel in step_channels(rollout, step.number):
        outbox.keep_message(
            session,
            now=now,
            rollout_id=rollout.id,
            purpose=message_purpose(step),
            channel_id=channel,
            text=text,
            blocks=step_blocks,
        )


def open_step(session: Session, *, rollout: Rollout, step: Step, now: datetime, actor: str) -> bool:
    """Open a locked step exactly once: a conditional update, so two concurrent openers cannot both win."""
    opened = affected_rows(
        session.execute(
            update(Step)
            .where(col(Step.id) == step.id, col(Step.state) == StepState.LOCKED.value)
            .values(state=StepState.OPEN.value, opened_at=now, changed_at=now, changed_by=actor)
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
