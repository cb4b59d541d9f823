"""Reminders and escalation (SPEC section 6), exactly once across processes.

The APScheduler job only finds due work: one indexed query per kind (`remind_from <= now - MSI_REMINDER_AFTER`
on active, unpaused rollouts), so a sweep costs what is due, not what is stored. Each reminder is claimed by
a conditional update on the value the sweep saw (`WHERE remind_from = :seen`), in the same transaction that
writes its messages to the outbox: two schedulers, or two processes on one PostgreSQL database, cannot both
win, and a failed post is retried by the outbox, never lost. Slack is asked who has left the workspace
before that transaction, never inside it.

Working time is each mentioned person's (MSI_WORKING_HOURS and MSI_HOLIDAYS in their cached Slack zone, the
rollout's when unknown): a due item outside everyone's hours is left as it is, so it stays due and the first
sweep in someone's hours sends it, mentioning only the people then at work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.approvals.service import ApprovalService
from bot.config import WorkingHours
from bot.platform import crashpoints, logs, outbox
from bot.platform.access import Click, Refusal, answers_refusals, tell
from bot.platform.metrics import Metrics
from bot.platform.people import reader_texts
from bot.reminders import blocks
from bot.reminders.calendar import OffDays, WorkingCalendar, off_days
from bot.slack import formatting, ids
from bot.slack.usergroups import UserGroups
from bot.steps import cards, runbook
from bot.steps.runbook import Persona
from bot.texts import Texts, known_language
from storage import queries
from storage.db import Database, affected_rows
from storage.models import Approval, ApprovalStatus, Rollout, RolloutStatus, SlackPerson, Step

logger = logging.getLogger(__name__)

JOB_ID = "msi-reminder-sweep"
SNOOZE = timedelta(days=1)
BATCH_LIMIT = 500


@dataclass(frozen=True)
class Due:
    kind: str  # "step" or "approval"
    item_id: int
    rollout_id: int
    seen: datetime  # remind_from as the sweep read it: the claim is conditional on it


class ReminderService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        approvals: ApprovalService,
        *,
        after: timedelta,
        escalate_after: int,
        working_hours: WorkingHours,
        holidays: tuple[str, ...] = (),
        is_active_user: Callable[[str], bool],
        groups: UserGroups | None = None,
        metrics: Metrics | None = None,
    ):
        self.metrics = metrics
        self.database = database
        self.clock = clock
        self.approvals = approvals
        self.after = after
        self.escalate_after = escalate_after
        self.working_hours = working_hours
        self.calendar = WorkingCalendar(working_hours, holidays)
        self.is_active_user = is_active_user
        # User groups standing for personas: mentioned as groups, their members' hours counted.
        self.groups = groups

    # ---------------------------------------------------------------- scheduling

    def schedule(self, scheduler: BaseScheduler, every: timedelta) -> None:
        scheduler.add_job(
            self.database.outage.guard(self.sweep, "reminder-sweep"),
            "interval",
            seconds=max(every.total_seconds(), 1),
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # A sweep missed by more than a few periods is simply skipped: the next one finds the same work.
            misfire_grace_time=max(int(every.total_seconds() * 3), 30),
        )

    # ---------------------------------------------------------------- the sweep

    def find_due(self, now: datetime) -> list[Due]:
        cutoff = now - self.after
        with self.database.read() as session:
            step_rows = session.execute(
                select(col(Step.id), col(Step.rollout_id), col(Step.remind_from))
                .join(Rollout, col(Rollout.id) == col(Step.rollout_id))
                .where(
                    col(Step.remind_from) <= cutoff,
                    col(Step.state).in_(cards.REMINDABLE),
                    col(Rollout.status) == RolloutStatus.ACTIVE,
                    col(Rollout.reminders_paused) == False,  # noqa: E712 - SQL comparison,
                )
                .order_by(col(Step.remind_from))
                .limit(BATCH_LIMIT)
            ).all()
            approval_rows = session.execute(
                select(col(Approval.id), col(Approval.rollout_id), col(Approval.remind_from))
                .join(Rollout, col(Rollout.id) == col(Approval.rollout_id))
                .where(
                    col(Approval.remind_from) <= cutoff,
                    col(Approval.status) == ApprovalStatus.PENDING,
                    col(Rollout.status) == RolloutStatus.ACTIVE,
                    col(Rollout.reminders_paused) == False,  # noqa: E712 - SQL comparison,
                )
                .order_by(col(Approval.remind_from))
                .limit(BATCH_LIMIT)
            ).all()
        found = [("step", row) for row in step_rows] + [("approval", row) for row in approval_rows]
        return [
            Due(kind, int(row[0] or 0), int(row[1] or 0), row[2]) for kind, row in found if row[2] is not None
        ]

    def sweep(self) -> int:
        """One pass: remind what is due and within working hours. Returns how many reminders were claimed."""
        now = self.clock()
        if self.metrics is not None:
            self.metrics.reminder_sweeps.inc()
        due = self.find_due(now)
        if not due:
            return 0
        sent = 0
        for item in due:
            try:
                with logs.context(kind="reminder", rollout=item.rollout_id):
                    reminded = self._remind(item, now)
                if reminded:
                    sent += 1
                    if self.metrics is not None:
                        self.metrics.reminders_sent.labels(item.kind).inc()
                    crashpoints.reach("reminder_claimed")
            except Exception:
                logger.exception(
                    "reminder for %s %s failed; the next sweep tries again", item.kind, item.item_id
                )
        return sent

    def _people(self, session: Session, *, rollout: Rollout, personas: tuple[Persona, ...]) -> list[str]:
        people: list[str] = []
        for persona in personas:
            for user_id in queries.members(session, rollout_id=rollout.id or 0, persona=persona.value):
                if user_id not in people:
                    people.append(user_id)
        return people

    def _groups(self, session: Session, *, rollout: Rollout, personas: tuple[Persona, ...]) -> list[str]:
        found: list[str] = []
        for persona in personas:
            for group_id in queries.member_groups(session, rollout_id=rollout.id or 0, persona=persona.value):
                if group_id not in found:
                    found.append(group_id)
        return found

    def _group_members(self, group_ids: list[str], *, excluded: str | None) -> dict[str, list[str]]:
        """Each group's current members (refreshed when older than the cache's TTL; Slack is called here,
        outside any transaction), without `excluded` (an approval's requester)."""
        if not group_ids or self.groups is None:
            return {group_id: [] for group_id in group_ids}
        self.groups.refresh(group_ids)
        return {
            group_id: sorted(member for member in self.groups.known(group_id) if member != excluded)
            for group_id in group_ids
        }

    def _time_zones(self, session: Session, people: list[str], *, fallback: str) -> dict[str, str]:
        """Each person's Slack time zone from the cache bot/platform/people.py fills; `fallback` (the
        rollout's zone) for anyone whose zone is not known (yet)."""
        known = {
            person.user_id: person.tz
            for person in session.scalars(select(SlackPerson).where(col(SlackPerson.user_id).in_(people)))
            if person.tz
        }
        return {person: known.get(person) or fallback for person in people}

    def _owner_opening(self, session: Session, rollout: Rollout, now: datetime) -> datetime:
        """When the owner's direct message may be delivered: now in their working time, else their next
        opening (the outbox holds it until then)."""
        owner_zone = self._time_zones(session, [rollout.owner_id], fallback=rollout.time_zone)[
            rollout.owner_id
        ]
        return self.calendar.next_opening(now, owner_zone, off_days(rollout.off_dates))

    def _remind(self, item: Due, now: datetime) -> bool:
        # Who to mention is settled before the transaction: asking Slack who has left is a network call.
        with self.database.read() as session:
            rollout = session.get(Rollout, item.rollout_id)
            if rollout is None:
                return False
            excluded: str | None = None
            if item.kind == "step":
                step = session.get(Step, item.item_id)
                personas = runbook.step(step.number).personas if step is not None else ()
                candidates = self._people(session, rollout=rollout, personas=personas)
            else:
                approval = session.get(Approval, item.item_id)
                personas = (Persona.SALESFORCE_ADMIN,)
                excluded = approval.requested_by if approval is not None else None
                candidates = [
                    person
                    for person in self._people(session, rollout=rollout, personas=personas)
                    if person != excluded
                ]
            group_ids = self._groups(session, rollout=rollout, personas=personas)
            fallback_zone = rollout.time_zone
            off: OffDays = off_days(rollout.off_dates)
            zones = self._time_zones(session, candidates, fallback=fallback_zone)
        # Groups are mentioned as groups (<!subteam^…>), when it is working time for one of their members.
        group_members = self._group_members(group_ids, excluded=excluded)
        if any(group_members.values()):
            with self.database.read() as session:
                member_zones = self._time_zones(
                    session,
                    sorted({m for members in group_members.values() for m in members}),
                    fallback=fallback_zone,
                )
        else:
            member_zones = {}
        # Working time is judged per person, in their own zone, before Slack is asked anything: outside
        # everyone's hours a sweep costs no network call.
        working = [person for person in candidates if self.calendar.is_working(now, zones[person], off)]
        working_groups = [
            group_id
            for group_id in group_ids
            if any(self.calendar.is_working(now, member_zones[m], off) for m in group_members[group_id])
        ]
        active_groups = [group_id for group_id in group_ids if group_members[group_id]]
        # A group with no members now counts as nobody, as a persona with no people does.
        if not (
            working or working_groups
            if candidates or active_groups
            else self.calendar.is_working(now, fallback_zone, off)
        ):
            return False  # waits for the next opening of someone it mentions (or of the rollout's zone)
        active = [person for person in candidates if self.is_active_user(person)]
        departed = [person for person in candidates if person not in active]
        mentioned = [person for person in working if person in active]
        if (active or active_groups) and not (mentioned or working_groups):
            return False  # those still in the workspace are all outside their hours: wait for theirs
        if not active and not active_groups and not self.calendar.is_working(now, fallback_zone, off):
            return False  # nobody left to mention: the rollout's own hours decide, as for a rollout alone
        with self.database.write() as session:
            model = Step if item.kind == "step" else Approval
            claimed = affected_rows(
                session.execute(
                    update(model)
                    .where(col(model.id) == item.item_id, col(model.remind_from) == item.seen)
                    .values(
                        remind_from=now,
                        last_reminded_at=now,
                        reminder_count=col(model.reminder_count) + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            )
            if claimed != 1:
                return False  # another sweep (another process) sent it, or it changed meanwhile
            rollout = session.get(Rollout, item.rollout_id)
            assert rollout is not None
            if item.kind == "step":
                self._remind_step(
                    session,
                    rollout=rollout,
                    step_id=item.item_id,
                    people=mentioned,
                    groups=working_groups,
                    now=now,
                )
            else:
                self._remind_approval(
                    session,
                    rollout=rollout,
                    approval_id=item.item_id,
                    people=mentioned,
                    groups=working_groups,
                    now=now,
                )
            owner_texts = reader_texts(session, rollout.owner_id, fallback=rollout.language)
            for person in departed:
                outbox.post(
                    session,
                    now=now,
                    rollout_id=rollout.id,
                    channel=rollout.owner_id,
                    text=owner_texts.text(
                        "reminder.departed",
                        who=formatting.user(person),
                        rollout=formatting.escape(rollout.name),
                    ),
                    dedupe_key=f"departed:{rollout.id}:{person}",
                    not_before=self._owner_opening(session, rollout, now),
                )
        return True

    def _remind_step(
        self,
        session: Session,
        *,
        rollout: Rollout,
        step_id: int,
        people: list[str],
        groups: list[str],
        now: datetime,
    ) -> None:
        step = session.get(Step, step_id, populate_existing=True)
        assert step is not None
        # In the step's thread: the rollout's language.
        rollout_texts = Texts.of(known_language(rollout.language))
        title = rollout_texts.text(f"step.{step.number}.title")
        how_long = rollout_texts.duration(now - step.changed_at)
        key = "reminder.step" if people or groups else "reminder.step.nobody"
        mentions = rollout_texts.join(
            [*(formatting.user(person) for person in people), *(formatting.group(group) for group in groups)]
        )
        text = rollout_texts.text(key, people=mentions, number=step.number, title=title, waited=how_long)
        reminder_blocks = blocks.reminder_message(rollout_texts, text, f"step:{step_id}")
        for message in cards.step_messages(session, step=step):
            if message.channel_id in cards.step_channels(rollout, step.number):
                outbox.post(
                    session,
                    now=now,
                    rollout_id=rollout.id,
                    channel=message.channel_id,
                    text=text,
                    blocks=reminder_blocks,
                    thread_of=message,
                )
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor="msi-bot",
            action="reminder_sent",
            details={
                "step": step.number,
                "count": step.reminder_count,
                "mentioned": people,
                "groups": groups,
            },
        )
        if step.reminder_count == self.escalate_after:
            # The owner's direct message: in their language.
            owner_texts = reader_texts(session, rollout.owner_id, fallback=rollout.language)
            channels = owner_texts.join(
                formatting.channel(c) for c in cards.step_channels(rollout, step.number)
            )
            outbox.post(
                session,
                now=now,
                not_before=self._owner_opening(session, rollout, now),
                rollout_id=rollout.id,
                channel=rollout.owner_id,
                text=owner_texts.text(
                    "reminder.escalation.step",
                    number=step.number,
                    title=owner_texts.text(f"step.{step.number}.title"),
                    rollout=formatting.escape(rollout.name),
                    waited=owner_texts.duration(now - step.changed_at),
                    count=step.reminder_count,
                    channel=channels,
                ),
            )

    def _remind_approval(
        self,
        session: Session,
        *,
        rollout: Rollout,
        approval_id: int,
        people: list[str],
        groups: list[str],
        now: datetime,
    ) -> None:
        approval = session.get(Approval, approval_id, populate_existing=True)
        assert approval is not None
        # In the request's thread: the rollout's language.
        rollout_texts = Texts.of(known_language(rollout.language))
        how_long = rollout_texts.duration(now - approval.requested_at)
        key = "reminder.approval" if people or groups else "reminder.approval.nobody"
        mentions = rollout_texts.join(
            [*(formatting.user(person) for person in people), *(formatting.group(group) for group in groups)]
        )
        text = rollout_texts.text(key, people=mentions, waited=how_long)
        request = queries.kept_message(session, purpose=f"approval:{approval_id}")
        if request is not None:
            outbox.post(
                session,
                now=now,
                rollout_id=rollout.id,
                channel=request.channel_id,
                text=text,
                blocks=blocks.reminder_message(rollout_texts, text, f"approval:{approval_id}"),
                thread_of=request,
            )
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor="msi-bot",
            action="reminder_sent",
            details={
                "approval": approval_id,
                "count": approval.reminder_count,
                "mentioned": people,
                "groups": groups,
            },
        )
        if approval.reminder_count == self.escalate_after:
            owner_texts = reader_texts(session, rollout.owner_id, fallback=rollout.language)
            subject = self.approvals.card(session, owner_texts, approval=approval, rollout=rollout).subject
            outbox.post(
                session,
                now=now,
                not_before=self._owner_opening(session, rollout, now),
                rollout_id=rollout.id,
                channel=rollout.owner_id,
                text=owner_texts.text(
                    "reminder.escalation.approval",
                    subject=subject,
                    rollout=formatting.escape(rollout.name),
                    waited=owner_texts.duration(now - approval.requested_at),
                    count=approval.reminder_count,
                ),
            )

    # ---------------------------------------------------------------- Snooze, Pause, Resume

    @answers_refusals
    def snooze(self, *, target: str, click: Click) -> None:
        """No reminder about this for a day. Only the people the reminder is for may snooze it."""
        kind, _, raw_id = target.partition(":")
        now = self.clock()
        item_id = ids.database_id(raw_id)
        if kind not in ("step", "approval") or item_id is None:
            return
        with self.database.write() as session:
            row: Step | Approval | None = (
                session.get(Step, item_id) if kind == "step" else session.get(Approval, item_id)
            )
            rollout = session.get(Rollout, row.rollout_id) if row is not None else None
            texts = reader_texts(session, click.user_id, fallback=rollout.language if rollout else None)
            if row is None or rollout is None or row.remind_from is None:
                tell(session, now=now, click=click, text=texts.text("reminder.nothing"), rollout_id=None)
                return
            if isinstance(row, Step):
                personas = runbook.step(row.number).personas
            else:
                personas = (Persona.SALESFORCE_ADMIN,)
            mine = set(
                queries.personas_of(
                    session,
                    rollout_id=rollout.id or 0,
                    user_id=click.user_id,
                    groups=self.groups.known if self.groups is not None else None,
                )
            )
            if not mine & {persona.value for persona in personas}:
                raise Refusal(
                    "reminder.deny.snooze", attempted="snooze", rollout_id=rollout.id, **{kind: item_id}
                )
            # Due again SNOOZE from now: the wait is measured from remind_from + MSI_REMINDER_AFTER.
            row.remind_from = now + SNOOZE - self.after
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="reminder_snoozed",
                details={kind: item_id},
            )
            tell(
                session,
                now=now,
                click=click,
                text=texts.text("reminder.snoozed", when=texts.date(now + SNOOZE)),
                rollout_id=rollout.id,
            )

    def set_paused(self, *, rollout_id: int, paused: bool, user_id: str) -> bool:
        """Owner only; the caller checked that. Returns False if nothing changed."""
        now = self.clock()
        with self.database.write() as session:
            rollout = queries.lock_rollout(session, rollout_id=rollout_id)
            if rollout is None or rollout.owner_id != user_id or rollout.status != RolloutStatus.ACTIVE:
                return False
            if rollout.reminders_paused == paused:
                return False
            rollout.reminders_paused = paused
            rollout.updated_at = now
            queries.audit(
                session,
                now=now,
                rollout_id=rollout_id,
                actor=user_id,
                action="reminders_paused" if paused else "reminders_resumed",
            )
            return True
