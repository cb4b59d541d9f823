"""The runbook flow: who may do what to a step, and what each action changes, in one transaction each.

Every mutation locks the rollout row first (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), so
the checks and the change see the same state and two steps finishing together open their dependant once.
Refusals are raised (bot.platform.access.Refusal): they roll the transaction back and change nothing but
the audit trail, and are answered privately through the click's response_url (or by direct message where
Slack gives none, as on App Home).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.approvals.service import ApprovalService, SubjectText
from bot.platform import outbox
from bot.platform.access import Click, Refusal, answers_refusals, tell
from bot.platform.people import reader_texts
from bot.slack import formatting
from bot.steps import cards, runbook
from bot.steps.labels import persona_label
from bot.steps.runbook import Persona, StepState
from bot.texts import Texts
from storage import queries
from storage.db import Database, affected_rows
from storage.models import Approval, ApprovalStatus, Rollout, RolloutStatus, Step

logger = logging.getLogger(__name__)

WORKABLE_STATES = (StepState.OPEN.value, StepState.APPROVED.value)
COMPLETABLE_STATES = (*WORKABLE_STATES, StepState.AWAITING_APPROVAL.value)
# Who may take each step action: the refusal text, and whether the owner may too (when not in the persona).
GATES: dict[str, tuple[str, bool]] = {
    "mark_done": ("deny.step_persona", False),
    "need_help": ("deny.step_help", True),
    "resolve": ("deny.step_resolve", True),
    "reopen": ("deny.step_reopen", True),
}


@dataclass(frozen=True)
class Override:
    """Mark done needs a reason first: the Salesforce check failed (checked) or never ran."""

    step_id: int
    number: int
    checked: bool
    texts: Texts  # the clicker's language, for the modal


@dataclass(frozen=True)
class Allowed:
    """A permitted action on a step: enough to open its modal (in the clicker's language, `texts`)."""

    step_id: int
    number: int
    texts: Texts


def user_personas(
    session: Session, *, rollout_id: int, user_id: str, groups: queries.GroupMembers | None = None
) -> set[Persona]:
    return {
        Persona(value)
        for value in queries.personas_of(session, rollout_id=rollout_id, user_id=user_id, groups=groups)
    }


class StepApprovals:
    """Steps as subjects of Salesforce admin approval (steps 2 and 4)."""

    kind = cards.STEP_SUBJECT

    def describe(
        self, session: Session, texts: Texts, *, approval: Approval, rollout: Rollout
    ) -> SubjectText:
        step = session.get(Step, approval.subject_id)
        number = step.number if step is not None else 0
        return SubjectText(
            subject=texts.text(
                "approval.subject.step",
                number=number,
                total=runbook.STEP_COUNT,
                title=texts.text(f"step.{number}.title"),
            ),
            why=texts.text(f"approval.why.step.{number}"),
            channel=texts.join(formatting.channel(c) for c in cards.step_channels(rollout, number)),
        )

    def decided(self, session: Session, *, approval: Approval, rollout: Rollout, now: datetime) -> None:
        step = session.get(Step, approval.subject_id, populate_existing=True)
        if step is None or step.state != StepState.AWAITING_APPROVAL:
            return
        if approval.status == ApprovalStatus.APPROVED:
            step.state = StepState.APPROVED.value
        elif approval.status == ApprovalStatus.REJECTED:
            step.state = StepState.OPEN.value
            step.note_kind = "rejected"
            step.note = approval.reason
            step.note_by = approval.decided_by
            step.note_at = now
        cards.touch(step, now=now, actor=approval.decided_by)
        cards.render(session, rollout=rollout, step=step, now=now)


class StepService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        approvals: ApprovalService,
        *,
        on_steps_opened: Sequence[Callable[[Session, Rollout, list[int], datetime], None]] = (),
        groups: queries.GroupMembers | None = None,
    ):
        self.database = database
        self.clock = clock
        self.approvals = approvals
        # The cached members of user groups standing for personas (bot/slack/usergroups.py).
        self.groups = groups
        approvals.register(StepApprovals())
        # Called in the same transaction whenever steps open after a completion (e.g. step 5 releases
        # approved invitation batches to the Marketo admins).
        self.on_steps_opened = tuple(on_steps_opened)
        # A step's number never changes, so it is cached: the click path asks it on every Mark done.
        self._numbers: dict[int, int] = {}

    def may_ask_override(self, step_id: int) -> bool:
        """Whether marking this step done may need a reason typed in a modal first (a step checked in
        Salesforce whose check did not pass): such a click must be decided while its trigger_id lasts."""
        if not cards.verification_configured():
            return False
        number = self._numbers.get(step_id)
        if number is None:
            with self.database.read() as session:
                found = session.scalar(select(col(Step.number)).where(col(Step.id) == step_id))
            if found is None:
                return False
            number = self._numbers[step_id] = int(found)
        return number in cards.VERIFIABLE_STEPS

    # ---------------------------------------------------------------- shared checks

    def _load(self, session: Session, step_id: int) -> tuple[Rollout, Step] | None:
        rollout_id = session.scalar(select(col(Step.rollout_id)).where(col(Step.id) == step_id))
        if rollout_id is None:
            return None
        rollout = queries.lock_rollout(session, rollout_id=rollout_id)
        step = session.scalars(
            select(Step).where(col(Step.id) == step_id).execution_options(populate_existing=True)
        ).one_or_none()
        if rollout is None or step is None:
            return None
        return rollout, step

    def _gate(
        self,
        session: Session,
        *,
        click: Click,
        step_id: int,
        action: str,
    ) -> tuple[Rollout, Step, set[Persona]]:
        """Load the step under the rollout lock and check the clicker may act; a Refusal otherwise."""
        deny_key, owner_may = GATES[action]
        loaded = self._load(session, step_id)
        if loaded is None:
            raise Refusal("deny.step_gone", attempted=action, rollout_id=None)
        rollout, step = loaded
        if rollout.status != RolloutStatus.ACTIVE:
            raise Refusal(
                "deny.rollout_cancelled",
                {"rollout": formatting.escape(rollout.name)},
                attempted=action,
                rollout_id=rollout.id,
                step=step.number,
            )
        spec = runbook.step(step.number)
        personas = user_personas(
            session, rollout_id=rollout.id or 0, user_id=click.user_id, groups=self.groups
        )
        in_persona = bool(personas & set(spec.personas))
        if not in_persona and not (owner_may and click.user_id == rollout.owner_id):
            raise Refusal(
                deny_key,
                {"persona": lambda texts: persona_label(texts, spec.personas), "number": step.number},
                attempted=action,
                rollout_id=rollout.id,
                step=step.number,
            )
        return rollout, step, personas

    # ---------------------------------------------------------------- Mark done

    @answers_refusals
    def mark_done(self, *, step_id: int, click: Click, override: str | None = None) -> Override | None:
        """Mark a step done (or ask for approval). Returns an Override when a reason must be asked first:
        the step can be checked in Salesforce and its last check did not pass."""
        now = self.clock()
        with self.database.write() as session:
            rollout, step, personas = self._gate(session, click=click, step_id=step_id, action="mark_done")
            texts = reader_texts(session, click.user_id, fallback=rollout.language)
            if step.state == StepState.DONE:
                text = texts.text(
                    "answer.step_already_done",
                    number=step.number,
                    who=formatting.user(step.done_by or ""),
                    when=texts.date(step.done_at or now),
                )
                tell(session, now=now, click=click, text=text, rollout_id=rollout.id)
                return None
            spec = runbook.step(step.number)
            # Done directly when the clicker acts as a persona that needs no approval for this step.
            direct = any(not spec.needs_approval(persona) for persona in personas & set(spec.personas))
            if step.state == StepState.LOCKED:
                needs = texts.join(str(n) for n in spec.needs)
                tell(
                    session,
                    now=now,
                    click=click,
                    text=texts.text("answer.step_locked", number=step.number, needs=needs),
                    rollout_id=rollout.id,
                )
            elif step.state == StepState.AWAITING_APPROVAL and not direct:
                pending = self.approvals.pending_for(
                    session, subject_kind=cards.STEP_SUBJECT, subject_id=step_id
                )
                text = texts.text(
                    "answer.awaiting_approval",
                    number=step.number,
                    who=formatting.user(pending.requested_by if pending else ""),
                    when=texts.date(pending.requested_at if pending else now),
                )
                tell(session, now=now, click=click, text=text, rollout_id=rollout.id)
            elif step.state == StepState.OPEN and not direct:
                self._ask_approval(session, rollout=rollout, step=step, click=click, now=now)
            else:
                evidence: dict[str, object] = {}
                if cards.verifiable(rollout, step.number):
                    checked = step.verification is not None
                    if checked and step.verification and step.verification.get("passed"):
                        evidence = {"verification": step.verification}
                    elif override is None:
                        return Override(step_id=step_id, number=step.number, checked=checked, texts=texts)
                    else:
                        evidence = {"override": override, "verification": step.verification}
                self._complete(
                    session,
                    rollout=rollout,
                    step=step,
                    user_id=click.user_id,
                    personas=personas,
                    now=now,
                    evidence=evidence,
                )
        return None

    def _ask_approval(
        self, session: Session, *, rollout: Rollout, step: Step, click: Click, now: datetime
    ) -> None:
        step.state = StepState.AWAITING_APPROVAL.value
        step.blocked = False
        step.note_kind = step.note = step.note_by = None
        step.note_at = None
        cards.touch(step, now=now, actor=click.user_id)
        session.flush()
        self.approvals.request(
            session,
            rollout=rollout,
            subject_kind=cards.STEP_SUBJECT,
            subject_id=step.id or 0,
            requester=click.user_id,
            now=now,
        )
        cards.render(session, rollout=rollout, step=step, now=now)
        text = reader_texts(session, click.user_id, fallback=rollout.language).text(
            "answer.approval_requested",
            number=step.number,
            channel=formatting.channel(rollout.salesforce_channel),
        )
        tell(session, now=now, click=click, text=text, rollout_id=rollout.id)

    def _complete(
        self,
        session: Session,
        *,
        rollout: Rollout,
        step: Step,
        user_id: str,
        personas: set[Persona],
        now: datetime,
        evidence: dict[str, object] | None = None,
    ) -> None:
        changed = affected_rows(
            session.execute(
                update(Step)
                .where(col(Step.id) == step.id, col(Step.state).in_(COMPLETABLE_STATES))
                .values(
                    state=StepState.DONE.value,
                    done_at=now,
                    done_by=user_id,
                    changed_at=now,
                    changed_by=user_id,
                    remind_from=None,
                    blocked=False,
                    note_kind=None,
                    note=None,
                    note_by=None,
                    note_at=None,
                )
                .execution_options(synchronize_session=False)
            )
        )
        if changed != 1:
            return
        session.refresh(step)
        # A Salesforce admin finishing step 2 makes a pending request for it moot.
        self.approvals.close_pending(
            session,
            rollout=rollout,
            subject_kind=cards.STEP_SUBJECT,
            subject_id=step.id or 0,
            by=user_id,
            now=now,
        )
        cards.render(session, rollout=rollout, step=step, now=now)
        acting_as = sorted(persona.value for persona in personas & set(runbook.step(step.number).personas))
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor=user_id,
            action="step_done",
            details={"step": step.number, "as": acting_as, **(evidence or {})},
        )
        opened = cards.open_ready_dependants(session, rollout=rollout, now=now, actor=user_id)
        if opened:
            for hook in self.on_steps_opened:
                hook(session, rollout, opened, now)

    # ---------------------------------------------------------------- Need help and Resolve

    @answers_refusals
    def check_help(self, *, step_id: int, click: Click) -> Allowed | None:
        """May the clicker ask for help on this step? Refusals are answered and audited by the decorator."""
        with self.database.write() as session:
            rollout, step, _personas = self._gate(session, click=click, step_id=step_id, action="need_help")
            texts = reader_texts(session, click.user_id, fallback=rollout.language)
            return Allowed(step_id=step_id, number=step.number, texts=texts)

    @answers_refusals
    def flag_blocked(self, *, step_id: int, click: Click, problem: str) -> None:
        now = self.clock()
        with self.database.write() as session:
            rollout, step, _personas = self._gate(session, click=click, step_id=step_id, action="need_help")
            if step.state not in WORKABLE_STATES:
                # Finished (or not started) meanwhile: nothing to flag; the help was still shown.
                return
            step.blocked = True
            step.blocked_by = click.user_id
            step.blocked_at = now
            step.blocked_note = problem
            cards.touch(step, now=now, actor=click.user_id)
            cards.render(session, rollout=rollout, step=step, now=now)
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="step_blocked",
                details={"step": step.number, "problem": problem},
            )
            if rollout.owner_id != click.user_id:
                texts = reader_texts(session, rollout.owner_id, fallback=rollout.language)
                outbox.post(
                    session,
                    now=now,
                    rollout_id=rollout.id,
                    channel=rollout.owner_id,
                    text=texts.text(
                        "notice.step_blocked",
                        who=formatting.user(click.user_id),
                        number=step.number,
                        title=texts.text(f"step.{step.number}.title"),
                        rollout=formatting.escape(rollout.name),
                        problem=formatting.clip(formatting.escape(problem), 1500),
                        channel=texts.join(
                            formatting.channel(c) for c in cards.step_channels(rollout, step.number)
                        ),
                    ),
                )

    @answers_refusals
    def resolve(self, *, step_id: int, click: Click) -> None:
        now = self.clock()
        with self.database.write() as session:
            rollout, step, _personas = self._gate(session, click=click, step_id=step_id, action="resolve")
            if not step.blocked:
                texts = reader_texts(session, click.user_id, fallback=rollout.language)
                tell(
                    session,
                    now=now,
                    click=click,
                    text=texts.text("answer.step_not_blocked", number=step.number),
                    rollout_id=rollout.id,
                )
                return
            step.blocked = False
            cards.touch(step, now=now, actor=click.user_id)
            cards.render(session, rollout=rollout, step=step, now=now)
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="step_resolved",
                details={"step": step.number},
            )

    # ---------------------------------------------------------------- Reopen

    @answers_refusals
    def check_reopen(self, *, step_id: int, click: Click) -> Allowed | None:
        now = self.clock()
        with self.database.write() as session:
            rollout, step, _personas = self._gate(session, click=click, step_id=step_id, action="reopen")
            texts = reader_texts(session, click.user_id, fallback=rollout.language)
            if step.state != StepState.DONE:
                tell(
                    session,
                    now=now,
                    click=click,
                    text=texts.text("answer.step_not_done", number=step.number),
                    rollout_id=rollout.id,
                )
                return None
            return Allowed(step_id=step_id, number=step.number, texts=texts)

    @answers_refusals
    def reopen(self, *, step_id: int, click: Click, reason: str) -> None:
        now = self.clock()
        with self.database.write() as session:
            rollout, step, _personas = self._gate(session, click=click, step_id=step_id, action="reopen")
            if step.state != StepState.DONE:
                return
            step.state = StepState.OPEN.value
            step.done_at = None
            step.done_by = None
            step.opened_at = now
            step.blocked = False
            step.note_kind = "reopened"
            step.note = reason
            step.note_by = click.user_id
            step.note_at = now
            cards.touch(step, now=now, actor=click.user_id)
            cards.render(session, rollout=rollout, step=step, now=now)
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="step_reopened",
                details={"step": step.number, "reason": reason},
            )
