"""What the bot keeps about people, and how an admin answers for it: retention, export and erasure.

- Retention (`MSI_RETENTION`): the invitees' addresses and names of a rollout cancelled or finished longer
  ago than that are erased by a scheduled job, leaving the counts (the invitee rows stay, emptied) and one
  audit row that says it happened.
- `msi-bot export --rollout NAME`: the rollout's whole record as JSON, for a data request.
- `msi-bot erase --email ADDRESS`: one person's address removed from every table that can hold it, with an
  audit row per rollout it touched. Messages the bot keeps up to date in Slack (a preview that listed the
  address, say) are rewritten there too, through the outbox.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, case, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.invitations.emails import check_address
from bot.platform import outbox
from bot.steps.runbook import StepState
from bot.uploads import parsing
from storage import queries
from storage.db import Database, affected_rows
from storage.models import (
    Approval,
    AuditEvent,
    CsvDraft,
    DraftStatus,
    InvitationBatch,
    Invitee,
    InviteeStatus,
    OutboxItem,
    OutboxStatus,
    Rollout,
    RolloutMember,
    RolloutStatus,
    SlackMessage,
    Step,
)

logger = logging.getLogger(__name__)

ACTOR = "msi-bot"
# What an erased address or name is replaced with where a text must stay readable (messages, audit details).
ERASED = "(erased)"
# An erased invitee's address key: unique per row (the active-address index) and matching no address.
ERASED_KEY_PREFIX = "erased:"
# Drafts that still wait for their uploader: erasing an address they hold ends them.
_OPEN_DRAFTS = (DraftStatus.PENDING, DraftStatus.READY)


@dataclass
class Erased:
    """How many rows of each kind one erasure changed, for its audit row and the command line's report."""

    invitees: int = 0
    drafts: int = 0
    notifications: int = 0
    messages: int = 0
    audit_rows: int = 0

    def any(self) -> bool:
        return any(vars(self).values())

    def as_details(self) -> dict[str, int]:
        return {name: count for name, count in vars(self).items() if count}


@dataclass
class AddressErasure:
    """The outcome of `erase_address`: what changed in each rollout (None: rows of no rollout)."""

    by_rollout: dict[int | None, Erased] = field(default_factory=dict)

    def of(self, rollout_id: int | None) -> Erased:
        return self.by_rollout.setdefault(rollout_id, Erased())

    @property
    def total(self) -> Erased:
        total = Erased()
        for counts in self.by_rollout.values():
            for name, count in vars(counts).items():
                setattr(total, name, getattr(total, name) + count)
        return total


class RecordService:
    def __init__(self, database: Database):
        self.database = database

    # ---------------------------------------------------------------- retention

    def expire(self, *, now: datetime, keep: timedelta) -> list[int]:
        """Erase the invitee personal data of every rollout that ended more than `keep` ago.

        One transaction per rollout, each with its audit row, so a crash leaves every rollout either
        erased and audited or untouched (the next run takes the rest)."""
        cutoff = now - keep
        with self.database.read() as session:
            due = [
                rollout_id
                for rollout_id, ended_at in self._ended(session)
                if ended_at < cutoff and self._holds_personal_data(session, rollout_id)
            ]
        for rollout_id in due:
            with self.database.write() as session:
                counts = self._erase_rollout(session, rollout_id=rollout_id)
                queries.audit(
                    session,
                    now=now,
                    rollout_id=rollout_id,
                    actor=ACTOR,
                    action="personal_data_erased",
                    details={"reason": "retention", "kept_days": keep.days, **counts.as_details()},
                )
            logger.info("erased the invitee personal data of rollout %s (retention)", rollout_id)
        return due

    @staticmethod
    def _ended(session: Session) -> list[tuple[int, datetime]]:
        """(rollout id, when it ended) of every cancelled rollout, and of every active one whose steps are
        all done (finished when its last step was)."""
        ended: list[tuple[int, datetime]] = [
            (rollout_id, cancelled_at)
            for rollout_id, cancelled_at in session.execute(
                select(col(Rollout.id), col(Rollout.cancelled_at)).where(
                    col(Rollout.status) == RolloutStatus.CANCELLED, col(Rollout.cancelled_at).is_not(None)
                )
            )
            if rollout_id is not None and cancelled_at is not None
        ]
        not_done = func.sum(case((col(Step.state) != StepState.DONE.value, 1), else_=0))
        finished = (
            select(col(Step.rollout_id), func.max(col(Step.done_at)))
            .join(Rollout, col(Rollout.id) == col(Step.rollout_id))
            .where(col(Rollout.status) == RolloutStatus.ACTIVE)
            .group_by(col(Step.rollout_id))
            .having(not_done == 0)
        )
        ended.extend(
            (rollout_id, done_at) for rollout_id, done_at in session.execute(finished) if done_at is not None
        )
        return ended

    @staticmethod
    def _holds_personal_data(session: Session, rollout_id: int) -> bool:
        invitee = session.scalars(
            select(col(Invitee.id))
            .where(
                col(Invitee.rollout_id) == rollout_id, ~col(Invitee.email_key).startswith(ERASED_KEY_PREFIX)
            )
            .limit(1)
        ).first()
        if invitee is not None:
            return True
        draft = session.scalars(
            select(col(CsvDraft.id))
            .where(col(CsvDraft.rollout_id) == rollout_id, col(CsvDraft.content).is_not(None))
            .limit(1)
        ).first()
        return draft is not None

    @staticmethod
    def _erase_rollout(session: Session, *, rollout_id: int) -> Erased:
        counts = Erased()
        counts.invitees = affected_rows(
            session.execute(
                update(Invitee)
                .where(
                    col(Invitee.rollout_id) == rollout_id,
                    ~col(Invitee.email_key).startswith(ERASED_KEY_PREFIX),
                )
                .values(
                    email="",
                    email_key=ERASED_KEY_PREFIX + cast(col(Invitee.id), Text),
                    first_name="",
                    last_name="",
                    team="",
                )
                .execution_options(synchronize_session=False)
            )
        )
        counts.drafts = affected_rows(
            session.execute(
                update(CsvDraft)
                .where(col(CsvDraft.rollout_id) == rollout_id, col(CsvDraft.content).is_not(None))
                .values(content=None)
                .execution_options(synchronize_session=False)
            )
        )
        # Delivered or abandoned notifications (an invitee list sent to the Marketo admins, a preview) are
        # history by now; none is still waiting for a rollout that ended so long ago.
        counts.notifications = affected_rows(
            session.execute(
                delete(OutboxItem).where(
                    col(OutboxItem.rollout_id) == rollout_id, col(OutboxItem.status) != OutboxStatus.PENDING
                )
            )
        )
        return counts

    # ---------------------------------------------------------------- erasure of one address

    def erase_address(self, address: str, *, now: datetime) -> AddressErasure:
        """Remove one address from every table that can hold it, in one transaction, audited per rollout.

        The address is matched as the bot matches addresses (case-insensitively, after the same
        normalisation), and as the text it appears in wherever it was copied into a message."""
        checked = check_address(address)
        key = checked.key or address.strip().casefold()
        spellings = {address.strip(), key}
        if checked.normalized:
            spellings.add(checked.normalized)
        pattern = re.compile("|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True)), re.I)
        erasure = AddressErasure()
        with self.database.write() as session:
            self._erase_invitees(session, key=key, erasure=erasure)
            self._erase_drafts(session, pattern=pattern, erasure=erasure)
            self._erase_notifications(session, spellings=spellings, pattern=pattern, erasure=erasure)
            self._erase_messages(session, spellings=spellings, pattern=pattern, now=now, erasure=erasure)
            self._erase_audit_details(session, spellings=spellings, pattern=pattern, erasure=erasure)
            for rollout_id, counts in erasure.by_rollout.items():
                if counts.any():
                    queries.audit(
                        session,
                        now=now,
                        rollout_id=rollout_id,
                        actor=ACTOR,
                        action="address_erased",
                        details={"reason": "request", **counts.as_details()},
                    )
        return erasure

    @staticmethod
    def _erase_invitees(session: Session, *, key: str, erasure: AddressErasure) -> None:
        invitees = session.scalars(select(Invitee).where(col(Invitee.email_key) == key)).all()
        for invitee in invitees:
            invitee.email = ""
            invitee.email_key = f"{ERASED_KEY_PREFIX}{invitee.id}"
            invitee.first_name = invitee.last_name = invitee.team = ""
            # Not yet sent to Marketo: the person leaves the batch and the seat is free again, so that no
            # empty address is ever handed to the Marketo admins.
            if invitee.status == InviteeStatus.REQUESTED:
                invitee.status = InviteeStatus.RELEASED
            erasure.of(invitee.rollout_id).invitees += 1
        session.flush()

    @staticmethod
    def _erase_drafts(session: Session, *, pattern: re.Pattern[str], erasure: AddressErasure) -> None:
        # A file is stored as its bytes, in whatever encoding it came in: read it as the importer does.
        drafts = session.scalars(select(CsvDraft).where(col(CsvDraft.content).is_not(None))).all()
        for draft in drafts:
            try:
                text, _encoding = parsing.decode(draft.content or b"")
            except parsing.CsvProblem:
                continue
            if not pattern.search(text):
                continue
            draft.content = None
            if draft.status in _OPEN_DRAFTS:
                draft.status = DraftStatus.EXPIRED
            erasure.of(draft.rollout_id).drafts += 1
        session.flush()

    @staticmethod
    def _erase_notifications(
        session: Session, *, spellings: set[str], pattern: re.Pattern[str], erasure: AddressErasure
    ) -> None:
        for item in session.scalars(select(OutboxItem).where(_mentions(col(OutboxItem.payload), spellings))):
            replaced = _replace(item.payload, pattern)
            if replaced != item.payload:
                item.payload = replaced
                erasure.of(item.rollout_id).notifications += 1
        session.flush()

    @staticmethod
    def _erase_messages(
        session: Session,
        *,
        spellings: set[str],
        pattern: re.Pattern[str],
        now: datetime,
        erasure: AddressErasure,
    ) -> None:
        found = session.scalars(
            select(SlackMessage).where(
                or_(
                    _mentions(col(SlackMessage.text), spellings),
                    _mentions(col(SlackMessage.blocks), spellings),
                )
            )
        ).all()
        for message in found:
            text = pattern.sub(ERASED, message.text)
            blocks = _replace(message.blocks, pattern)
            if message.gone:
                message.text, message.blocks = text, blocks
            else:
                # Rewritten in Slack too: the outbox brings the posted message up to date.
                outbox.keep_message(
                    session,
                    now=now,
                    rollout_id=message.rollout_id,
                    purpose=message.purpose,
                    channel_id=message.channel_id,
                    text=text,
                    blocks=blocks,
                )
            erasure.of(message.rollout_id).messages += 1
        session.flush()

    @staticmethod
    def _erase_audit_details(
        session: Session, *, spellings: set[str], pattern: re.Pattern[str], erasure: AddressErasure
    ) -> None:
        for event in session.scalars(select(AuditEvent).where(_mentions(col(AuditEvent.details), spellings))):
            replaced = _replace(event.details, pattern)
            if replaced != event.details:
                event.details = replaced
                erasure.of(event.rollout_id).audit_rows += 1
        session.flush()

    # ---------------------------------------------------------------- export

    def export(self, *, name: str) -> tuple[dict[str, Any] | None, int]:
        """The whole record of the rollout called `name` (the active one, else the latest), and how many
        other rollouts share the name."""
        with self.database.read() as session:
            rollouts = session.scalars(
                select(Rollout)
                .where(col(Rollout.name_key) == queries.name_key(name))
                .order_by(
                    col(Rollout.status) == RolloutStatus.ACTIVE, col(Rollout.created_at), col(Rollout.id)
                )
            ).all()
            if not rollouts:
                return None, 0
            rollout = rollouts[-1]
            rollout_id = rollout.id or 0
            batches = _rows(session, InvitationBatch, col(InvitationBatch.rollout_id) == rollout_id)
            record = {
                "rollout": _row(rollout),
                "members": _rows(session, RolloutMember, col(RolloutMember.rollout_id) == rollout_id),
                "steps": _rows(session, Step, col(Step.rollout_id) == rollout_id),
                "approvals": _rows(session, Approval, col(Approval.rollout_id) == rollout_id),
                "batches": batches,
                "invitees": _rows(session, Invitee, col(Invitee.rollout_id) == rollout_id),
                "uploads": _rows(
                    session, CsvDraft, col(CsvDraft.rollout_id) == rollout_id, leave_out=("content",)
                ),
                "audit": _rows(session, AuditEvent, col(AuditEvent.rollout_id) == rollout_id),
            }
            return record, len(rollouts) - 1


def _mentions(column: Any, spellings: Iterable[str]) -> Any:
    """SQL: the column's text (JSON included) contains one of the spellings, case-insensitively.

    Only narrows the rows to read; the exact replacement is done in Python."""
    as_text = func.lower(cast(column, Text))
    return or_(*(as_text.contains(spelling.casefold(), autoescape=True) for spelling in spellings))


def _replace(value: Any, pattern: re.Pattern[str]) -> Any:
    """`value` (JSON: dicts, lists, strings) with every match of `pattern` in its strings replaced."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_replace(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, pattern) for key, item in value.items()}
    return value


def _row(row: Any, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    data = row.model_dump(exclude=set(leave_out))
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in data.items()}


def _rows(
    session: Session, table: Any, where: Any, *, leave_out: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    rows = session.scalars(select(table).where(where).order_by(table.id)).all()
    return [_row(row, leave_out=leave_out) for row in rows]
