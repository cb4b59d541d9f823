"""Queries and small mutations over the tables, each with an explicit session and keyword-only arguments."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.models import (
    Approval,
    AuditEvent,
    MemberKind,
    Rollout,
    RolloutMember,
    RolloutStatus,
    SlackMessage,
    Step,
)

# A user group's current members as far as this process knows (bot/slack/usergroups.py), never a Slack call.
GroupMembers = Callable[[str], Collection[str]]


def name_key(name: str) -> str:
    """How rollout names are compared: case-insensitively, ignoring surrounding and repeated spaces."""
    return " ".join(name.split()).casefold()


def active_rollout_by_name(session: Session, *, name: str) -> Rollout | None:
    return session.scalars(
        select(Rollout).where(
            col(Rollout.name_key) == name_key(name), col(Rollout.status) == RolloutStatus.ACTIVE
        )
    ).one_or_none()


def active_rollouts(session: Session) -> Sequence[Rollout]:
    return session.scalars(
        select(Rollout)
        .where(col(Rollout.status) == RolloutStatus.ACTIVE)
        .order_by(col(Rollout.created_at), col(Rollout.id))
    ).all()


def lock_rollout(session: Session, *, rollout_id: int) -> Rollout | None:
    """The rollout row, locked until the transaction ends (PostgreSQL; SQLite's write lock covers it)."""
    return session.scalars(
        select(Rollout).where(col(Rollout.id) == rollout_id).with_for_update()
    ).one_or_none()


def members(
    session: Session, *, rollout_id: int, persona: str | None = None, kind: str = MemberKind.USER
) -> list[str]:
    """The people (or, with kind="group", the user groups) listed in a rollout's personas."""
    query = select(col(RolloutMember.user_id)).where(
        col(RolloutMember.rollout_id) == rollout_id, col(RolloutMember.kind) == kind
    )
    if persona is not None:
        query = query.where(col(RolloutMember.persona) == persona)
    return list(session.scalars(query.order_by(col(RolloutMember.id))).all())


def member_groups(session: Session, *, rollout_id: int, persona: str | None = None) -> list[str]:
    return members(session, rollout_id=rollout_id, persona=persona, kind=MemberKind.GROUP)


def groups_in_use(session: Session) -> list[str]:
    """Every user group listed in an active rollout's personas."""
    return list(
        session.scalars(
            select(col(RolloutMember.user_id))
            .join(Rollout, col(Rollout.id) == col(RolloutMember.rollout_id))
            .where(col(RolloutMember.kind) == MemberKind.GROUP, col(Rollout.status) == RolloutStatus.ACTIVE)
            .distinct()
        ).all()
    )


def replace_members(
    session: Session,
    *,
    rollout_id: int,
    members: dict[str, list[str]],
    groups: dict[str, list[str]] | None = None,
) -> None:
    session.execute(delete(RolloutMember).where(col(RolloutMember.rollout_id) == rollout_id))
    for kind, listed in ((MemberKind.USER, members), (MemberKind.GROUP, groups or {})):
        for persona, member_ids in listed.items():
            for member_id in member_ids:
                session.add(
                    RolloutMember(rollout_id=rollout_id, persona=persona, user_id=member_id, kind=kind)
                )
    session.flush()


def personas_of(
    session: Session, *, rollout_id: int, user_id: str, groups: GroupMembers | None = None
) -> list[str]:
    """The personas `user_id` holds in a rollout: listed by name, or (given `groups`, the cached members of
    each user group) as a current member of a listed group."""
    rows = session.execute(
        select(col(RolloutMember.persona), col(RolloutMember.kind), col(RolloutMember.user_id)).where(
            col(RolloutMember.rollout_id) == rollout_id,
            (col(RolloutMember.user_id) == user_id) | (col(RolloutMember.kind) == MemberKind.GROUP),
        )
    ).all()
    found: list[str] = []
    for persona, kind, member_id in rows:
        if kind == MemberKind.USER:
            holds = member_id == user_id
        else:
            holds = groups is not None and user_id in groups(member_id)
        if holds and persona not in found:
            found.append(persona)
    return found


def rollouts_using_channel(session: Session, *, channel_id: str) -> Sequence[Rollout]:
    return session.scalars(
        select(Rollout)
        .where(
            col(Rollout.status) == RolloutStatus.ACTIVE,
            (col(Rollout.marketo_channel) == channel_id) | (col(Rollout.salesforce_channel) == channel_id),
        )
        .order_by(col(Rollout.id))
    ).all()


def audit_revision(session: Session, *, rollout_id: int) -> tuple[int, int]:
    """Changes so far to a rollout, as (rows, newest id) of its audit trail: every change that shows in its
    status writes an audit row in its own transaction, and the trail is append-only, so the pair moves
    whenever the status may have (the row count too, in case transactions commit out of id order)."""
    count, newest = session.execute(
        select(func.count(), func.max(col(AuditEvent.id))).where(col(AuditEvent.rollout_id) == rollout_id)
    ).one()
    return int(count or 0), int(newest or 0)


def revisions_of_rollouts_using_channel(
    connection: Connection, *, channel_id: str
) -> list[tuple[int, int, int]]:
    """(rollout id, audit rows, newest audit id) of each active rollout using the channel: what a cached
    status answer is checked against, in one statement."""
    trail = select(func.count(), func.max(col(AuditEvent.id))).where(
        col(AuditEvent.rollout_id) == col(Rollout.id)
    )
    query = (
        select(
            col(Rollout.id),
            trail.with_only_columns(func.count()).scalar_subquery(),
            trail.with_only_columns(func.max(col(AuditEvent.id))).scalar_subquery(),
        )
        .where(
            col(Rollout.status) == RolloutStatus.ACTIVE,
            (col(Rollout.marketo_channel) == channel_id) | (col(Rollout.salesforce_channel) == channel_id),
        )
        .order_by(col(Rollout.id))
    )
    return [(int(r), int(c or 0), int(m or 0)) for r, c, m in connection.execute(query).all()]


def audit_trail(session: Session, *, rollout_id: int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent).where(col(AuditEvent.rollout_id) == rollout_id).order_by(col(AuditEvent.id))
    ).all()


def steps_of(session: Session, *, rollout_id: int) -> list[Step]:
    return list(
        session.scalars(
            select(Step).where(col(Step.rollout_id) == rollout_id).order_by(col(Step.number))
        ).all()
    )


def kept_message(session: Session, *, purpose: str) -> SlackMessage | None:
    return session.scalars(
        select(SlackMessage)
        .where(col(SlackMessage.purpose) == purpose)
        .order_by(col(SlackMessage.id))
        .limit(1)
    ).one_or_none()


def latest_approval(session: Session, *, subject_kind: str, subject_id: int) -> Approval | None:
    return session.scalars(
        select(Approval)
        .where(col(Approval.subject_kind) == subject_kind, col(Approval.subject_id) == subject_id)
        .order_by(col(Approval.id).desc())
        .limit(1)
    ).one_or_none()


# Set on a session that wrote an audit row: its commit may change a status (storage.db counts them).
AUDITED = "msi_audited"


def audit(
    session: Session,
    *,
    now: datetime,
    rollout_id: int | None,
    actor: str,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(AuditEvent(rollout_id=rollout_id, at=now, actor=actor, action=action, details=details or {}))
    session.info[AUDITED] = True
