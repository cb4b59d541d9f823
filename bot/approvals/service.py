"""Salesforce admin approvals (SPEC section 4): one mechanism for every subject (steps now, batches later).

A request is a row plus a kept message in the rollout's Salesforce admin channel. Deciding is a single
conditional update (`WHERE status = 'pending'`) checked by its row count: the first decision wins, and a
second click, two admins at once or a Slack retry change nothing and are told who decided. Subjects plug in
through `ApprovalSubject`: how they are described, and what a decision does to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.approvals import blocks
from bot.approvals import cards as approval_cards
from bot.platform import outbox
from bot.platform.access import Click, Refusal, answers_refusals, tell
from bot.platform.people import reader_texts
from bot.slack import formatting
from bot.steps.runbook import Persona
from bot.texts import Texts, known_language
from storage import queries
from storage.db import Database, affected_rows
from storage.models import Approval, ApprovalStatus, Rollout, RolloutStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubjectText:
    subject: str  # e.g. "Step 4 of 7: Start the data sync" (already escaped)
    why: str  # what approving means, for the deciders
    channel: str  # where the requester continues, as a mention


class ApprovalSubject(Protocol):
    kind: str

    def describe(
        self, session: Session, texts: Texts, *, approval: Approval, rollout: Rollout
    ) -> SubjectText: ...

    def decided(self, session: Session, *, approval: Approval, rollout: Rollout, now: datetime) -> None:
        """Apply the decision (approved, rejected or cancelled) to the subject."""


def message_purpose(approval: Approval) -> str:
    return f"approval:{approval.id}"


class ApprovalService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        *,
        groups: queries.GroupMembers | None = None,
    ):
        self.database = database
        self.clock = clock
        # The cached members of user groups standing for personas (bot/slack/usergroups.py).
        self.groups = groups
        self.subjects: dict[str, ApprovalSubject] = {}

    @staticmethod
    def decision_buttons(reader_texts: Texts, card: approval_cards.ApprovalCard) -> list[dict[str, Any]]:
        """Approve and Reject, for another surface that lists this approval (App Home)."""
        return blocks.approval_buttons(reader_texts, card)

    def register(self, subject: ApprovalSubject) -> None:
        self.subjects[subject.kind] = subject

    # ---------------------------------------------------------------- inside a caller's transaction

    def request(
        self,
        session: Session,
        *,
        rollout: Rollout,
        subject_kind: str,
        subject_id: int,
        requester: str,
        now: datetime,
    ) -> Approval:
        """Ask the rollout's Salesforce admins; the caller has locked the rollout and changed the subject."""
        approval = Approval(
            rollout_id=rollout.id or 0,
            subject_kind=subject_kind,
            subject_id=subject_id,
            requested_by=requester,
            requested_at=now,
            remind_from=now,
        )
        session.add(approval)
        session.flush()
        self.render(session, approval=approval, rollout=rollout, now=now)
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor=requester,
            action="approval_requested",
            details={"approval": approval.id, "subject": subject_kind, "subject_id": subject_id},
        )
        return approval

    def pending_for(self, session: Session, *, subject_kind: str, subject_id: int) -> Approval | None:
        return session.scalars(
            select(Approval).where(
                col(Approval.subject_kind) == subject_kind,
                col(Approval.subject_id) == subject_id,
                col(Approval.status) == ApprovalStatus.PENDING,
            )
        ).one_or_none()

    def latest_for(self, session: Session, *, subject_kind: str, subject_id: int) -> Approval | None:
        return session.scalars(
            select(Approval)
            .where(col(Approval.subject_kind) == subject_kind, col(Approval.subject_id) == subject_id)
            .order_by(col(Approval.id).desc())
            .limit(1)
        ).one_or_none()

    def close_pending(
        self,
        session: Session,
        *,
        rollout: Rollout,
        subject_kind: str,
        subject_id: int,
        by: str | None,
        now: datetime,
    ) -> None:
        """The subject no longer needs a decision (done directly, or the rollout was cancelled)."""
        pending = self.pending_for(session, subject_kind=subject_kind, subject_id=subject_id)
        if pending is None:
            return
        closed = self._decide(
            session, approval=pending, status=ApprovalStatus.CANCELLED, by=by, now=now, reason=None
        )
        if closed:
            self.render(session, approval=pending, rollout=rollout, now=now)
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=by or rollout.owner_id,
                action="approval_cancelled",
                details={"approval": pending.id, "subject": subject_kind, "subject_id": subject_id},
            )

    def render(self, session: Session, *, approval: Approval, rollout: Rollout, now: datetime) -> None:
        # A channel post: in the rollout's language.
        rollout_texts = Texts.of(known_language(rollout.language))
        card = self.card(session, rollout_texts, approval=approval, rollout=rollout)
        text, message_blocks = blocks.approval_message(rollout_texts, card)
        outbox.keep_message(
            session,
            now=now,
            rollout_id=rollout.id,
            purpose=message_purpose(approval),
            channel_id=rollout.salesforce_channel,
            text=text,
            blocks=message_blocks,
        )

    def language_changed(self, session: Session, rollout: Rollout, now: datetime) -> None:
        """The rollout's posts changed language: every approval request it posted is updated in place."""
        for approval in session.scalars(select(Approval).where(col(Approval.rollout_id) == rollout.id)):
            self.render(session, approval=approval, rollout=rollout, now=now)

    def card(
        self, session: Session, texts: Texts, *, approval: Approval, rollout: Rollout
    ) -> approval_cards.ApprovalCard:
        """What an approval shows, its subject described in `texts` (the reader's or the rollout's)."""
        described = self.subjects[approval.subject_kind].describe(
            session, texts, approval=approval, rollout=rollout
        )
        return approval_cards.ApprovalCard(
            approval_id=approval.id or 0,
            rollout_name=rollout.name,
            environment=rollout.environment,
            subject=described.subject,
            why=described.why,
            requested_by=approval.requested_by,
            requested_at=approval.requested_at,
            status=approval.status,
            decided_by=approval.decided_by,
            decided_at=approval.decided_at,
            reason=approval.reason,
        )

    @staticmethod
    def _decide(
        session: Session,
        *,
        approval: Approval,
        status: str,
        by: str | None,
        now: datetime,
        reason: str | None,
    ) -> bool:
        changed = affected_rows(
            session.execute(
                update(Approval)
                .where(col(Approval.id) == approval.id, col(Approval.status) == ApprovalStatus.PENDING)
                .values(status=status, decided_by=by, decided_at=now, reason=reason, remind_from=None)
                .execution_options(synchronize_session=False)
            )
        )
        session.refresh(approval)
        return changed == 1

    # ---------------------------------------------------------------- clicks

    def _gate(
        self, session: Session, *, approval_id: int, click: Click, now: datetime
    ) -> tuple[Approval, Rollout] | None:
        """Load under the rollout lock and check the clicker may decide: a Refusal if not; None (answered
        privately) when the request is gone or already decided."""
        rollout_id = session.scalar(select(col(Approval.rollout_id)).where(col(Approval.id) == approval_id))
        rollout = queries.lock_rollout(session, rollout_id=rollout_id) if rollout_id is not None else None
        approval = session.get(Approval, approval_id, populate_existing=True) if rollout is not None else None
        if rollout is None or approval is None:
            texts = reader_texts(session, click.user_id)
            tell(session, now=now, click=click, text=texts.text("approval.gone"), rollout_id=None)
            return None
        refusal = None
        if rollout.status != RolloutStatus.ACTIVE:
            refusal = "deny.rollout_cancelled"
        elif Persona.SALESFORCE_ADMIN.value not in queries.personas_of(
            session, rollout_id=rollout.id or 0, user_id=click.user_id, groups=self.groups
        ):
            refusal = "approval.deny.persona"
        elif click.user_id == approval.requested_by:
            refusal = "approval.deny.requester"
        if refusal is not None:
            raise Refusal(
                refusal,
                {"rollout": formatting.escape(rollout.name)},
                attempted="decide_approval",
                rollout_id=rollout.id,
                approval=approval_id,
            )
        if approval.status != ApprovalStatus.PENDING:
            self._tell_already(session, approval=approval, click=click, now=now)
            return None
        return approval, rollout

    def _tell_already(self, session: Session, *, approval: Approval, click: Click, now: datetime) -> None:
        rollout = session.get(Rollout, approval.rollout_id)
        texts = reader_texts(session, click.user_id, fallback=rollout.language if rollout else None)
        text = texts.text(
            "approval.already",
            outcome=texts.text(f"approval.already.{approval.status}"),
            who=formatting.user(approval.decided_by or ""),
            when=texts.date(approval.decided_at or now),
        )
        tell(session, now=now, click=click, text=text, rollout_id=approval.rollout_id)

    @answers_refusals
    def check_reject(self, *, approval_id: int, click: Click) -> dict[str, Any] | None:
        """May the clicker reject? Returns the reason modal, in their language; refusals are answered here."""
        now = self.clock()
        with self.database.write() as session:
            gated = self._gate(session, approval_id=approval_id, click=click, now=now)
            if gated is None:
                return None
            approval, rollout = gated
            texts = reader_texts(session, click.user_id, fallback=rollout.language)
            return blocks.reject_modal(texts, self.card(session, texts, approval=approval, rollout=rollout))

    def approve(self, *, approval_id: int, click: Click) -> None:
        self._conclude(approval_id=approval_id, click=click, status=ApprovalStatus.APPROVED, reason=None)

    def reject(self, *, approval_id: int, click: Click, reason: str) -> None:
        self._conclude(approval_id=approval_id, click=click, status=ApprovalStatus.REJECTED, reason=reason)

    @answers_refusals
    def _conclude(self, *, approval_id: int, click: Click, status: str, reason: str | None) -> None:
        now = self.clock()
        with self.database.write() as session:
            gated = self._gate(session, approval_id=approval_id, click=click, now=now)
            if gated is None:
                return
            approval, rollout = gated
            if not self._decide(
                session, approval=approval, status=status, by=click.user_id, now=now, reason=reason
            ):
                self._tell_already(session, approval=approval, click=click, now=now)
                return
            subject = self.subjects[approval.subject_kind]
            subject.decided(session, approval=approval, rollout=rollout, now=now)
            self.render(session, approval=approval, rollout=rollout, now=now)
            # The requester's direct message: in their language.
            texts = reader_texts(session, approval.requested_by, fallback=rollout.language)
            described = subject.describe(session, texts, approval=approval, rollout=rollout)
            key = (
                "approval.notify.approved"
                if status == ApprovalStatus.APPROVED
                else "approval.notify.rejected"
            )
            outbox.post(
                session,
                now=now,
                rollout_id=rollout.id,
                channel=approval.requested_by,
                text=texts.text(
                    key,
                    who=formatting.user(click.user_id),
                    subject=described.subject,
                    rollout=formatting.escape(rollout.name),
                    channel=described.channel,
                    reason=formatting.clip(formatting.escape(reason or ""), 1500),
                ),
            )
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action=f"approval_{status}",
                details={
                    "approval": approval.id,
                    "subject": approval.subject_kind,
                    "subject_id": approval.subject_id,
                    **({"reason": reason} if reason else {}),
                },
            )

    # ---------------------------------------------------------------- read side

    def pending_in(self, session: Session, *, rollout_id: int) -> list[Approval]:
        return list(
            session.scalars(
                select(Approval)
                .where(col(Approval.rollout_id) == rollout_id, col(Approval.status) == ApprovalStatus.PENDING)
                .order_by(col(Approval.id))
            ).all()
        )
