"""Reminders and escalation (SPEC section 6), exactly once across processes.

The APScheduler job only finds due work: one indexed query per kind (`remind_from <= now - MSI_REMINDER_AFTER`
on active, unpaused rollouts), so a sweep costs what is due, not what is stored. Each reminder is claimed by
a conditional update on the value the sweep saw (`WHERE remind_from = :seen`), in the same transaction that
writes its messages to the outbox: two schedulers, or two processes on one PostgreSQL database, cannot both
win, and a failed post is retried by the outbox, never lost. Slack is asked who has left the workspace
before that transaction, never inside it.

Working time is each mentioned person's (MSI_WORKING_HOURS and MSI_HOLIDAYS in their cached Slack zone, the
rollout's when Slack cannot tell; a person the cache does not know is looked up first, outside any
transaction): a due item outside everyone's hours is left as it is, so it stays due and the first sweep in
someone's hours sends it, mentioning only the people then at work.

A person that more than one due item would mention gets one digest direct message instead (once per person
and local date, `reminder_digest`): the digest's transaction locks the items it lists, and each item's claim,
which takes the same row first, then leaves the digest's readers out of its thread post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.approvals.service import ApprovalService
from bot.config import WorkingHours
from bot.platform import crashpoints, logs, outbox
from bot.platform.access import Click, Refusal, answers_refusals, tell
from bot.platform.metrics import Metrics
from bot.platform.people import reader_texts
from bot.reminders import blocks
from bot.reminders.calendar import OffDays, WorkingCalendar, off_days, zone
from bot.slack import formatting, ids
from bot.slack.usergroups import UserGroups
from bot.steps import cards, runbook
from bot.steps.runbook import Persona
from bot.texts import Texts, known_language
from storage import queries
from storage.db import Database, affected_rows
from storage.models import (
    Approval,
    ApprovalStatus,
    ReminderDigest,
    Rollout,
    RolloutStatus,
    SlackMessage,
    SlackPerson,
    Step,
)

logger = logging.getLogger(__name__)

JOB_ID = "msi-reminder-sweep"
BATCH_LIMIT = 500
# A click on a "Snooze 1 day" button of a reminder posted before the choices existed (value "step:<id>")
# snoozes until the next working day, the nearest of the choices to what that button said.
OLD_BUTTON_CHOICE = "workday"


@dataclass(frozen=True)
class Due:
    kind: str  # "step" or "approval"
    item_id: int
    rollout_id: int
    seen: datetime  # remind_from as the sweep read it: the claim is conditional on it

    @property
    def key(self) -> str:
        """How a digest lists this reminder: the item, and the wait it belongs to (its remind_from)."""
        return f"{self.kind}:{self.item_id}@{seen_key(self.seen)}"


def seen_key(moment: datetime) -> int:
    """A remind_from as whole microseconds since the epoch: equal in every process that read the row."""
    return round(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class Plan:
    """A due reminder and, settled before any transaction, whom it would mention now."""

    item: Due
    mentioned: list[str]  # still in the workspace and in their working hours now
    departed: list[str]
    zones: dict[str, str]  # each candidate's zone (the rollout's for an unknown one)
    # User groups standing for the persona, mentioned as groups: one of their members is at work now.
    groups: tuple[str, ...] = ()


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
        look_up_person: Callable[[str], None] | None = None,
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
        # Asks Slack (users.info) for a person's zone and caches it (bot/platform/people.py): called for
        # people the cache does not know, before their working time is judged, outside any transaction.
        self.look_up_person = look_up_person
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
        """One pass: remind what is due and within working hours. Returns how many reminders were claimed.

        First each due item's recipients are settled (no transaction open); then each person with more than
        one item waiting gets their digest; then each item is claimed and posted in its thread, leaving out
        the people whose digest listed it."""
        now = self.clock()
        if self.metrics is not None:
            self.metrics.reminder_sweeps.inc()
        due = self.find_due(now)
        if not due:
            return 0
        plans: list[Plan] = []
        for item in due:
            try:
                with logs.context(kind="reminder", rollout=item.rollout_id):
                    plan = self._plan(item, now)
            except Exception:
                logger.exception(
                    "reminder for %s %s failed; the next sweep tries again", item.kind, item.item_id
                )
                continue
            if plan is not None:
                plans.append(plan)
        self._send_digests(plans, now)
        sent = 0
        for plan in plans:
            item = plan.item
            try:
                with logs.context(kind="reminder", rollout=item.rollout_id):
                    reminded = self._claim(plan, now)
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

    def _known_zones(self, session: Session, people: list[str]) -> dict[str, str]:
        return {
            person.user_id: person.tz
            for person in session.scalars(select(SlackPerson).where(col(SlackPerson.user_id).in_(people)))
            if person.tz
        }

    def _time_zones(self, session: Session, people: list[str], *, fallback: str) -> dict[str, str]:
        """Each person's Slack time zone from the cache bot/platform/people.py fills; `fallback` (the
        rollout's zone) for anyone whose zone is not known (yet)."""
        known = self._known_zones(session, people)
        return {person: known.get(person) or fallback for person in people}

    def _owner_opening(self, session: Session, rollout: Rollout, now: datetime) -> datetime:
        """When the owner's direct message may be delivered: now in their working time, else their next
        opening (the outbox holds it until then)."""
        owner_zone = self._time_zones(session, [rollout.owner_id], fallback=rollout.time_zone)[
            rollout.owner_id
        ]
        return self.calendar.next_opening(now, owner_zone, off_days(rollout.off_dates))

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

    def _item_groups(self, session: Session, rollout: Rollout, item: Due) -> tuple[list[str], str | None]:
        """The user groups a reminder of `item` is for, and whom they leave out (an approval's requester)."""
        if item.kind == "step":
            step = session.get(Step, item.item_id)
            personas = runbook.step(step.number).personas if step is not None else ()
            return self._groups(session, rollout=rollout, personas=personas), None
        approval = session.get(Approval, item.item_id)
        excluded = approval.requested_by if approval is not None else None
        return self._groups(session, rollout=rollout, personas=(Persona.SALESFORCE_ADMIN,)), excluded

    def _candidates(self, session: Session, item: Due) -> tuple[Rollout, list[str]] | None:
        rollout = session.get(Rollout, item.rollout_id)
        if rollout is None:
            return None
        if item.kind == "step":
            step = session.get(Step, item.item_id)
            personas = runbook.step(step.number).personas if step is not None else ()
            return rollout, self._people(session, rollout=rollout, personas=personas)
        approval = session.get(Approval, item.item_id)
        return rollout, [
            person
            for person in self._people(session, rollout=rollout, personas=(Persona.SALESFORCE_ADMIN,))
            if approval is None or person != approval.requested_by
        ]

    def _plan(self, item: Due, now: datetime) -> Plan | None:
        """Whom the reminder would mention now; None when it waits (nobody it is for is at work)."""
        # Who to mention is settled before any transaction: asking Slack is a network call.
        with self.database.read() as session:
            found = self._candidates(session, item)
            if found is None:
                return None
            rollout, candidates = found
            fallback_zone = rollout.time_zone
            off: OffDays = off_days(rollout.off_dates)
            group_ids, excluded = self._item_groups(session, rollout, item)
            known = self._known_zones(session, candidates)
            unknown = [person for person in candidates if person not in known]
        # Groups are mentioned as groups (<!subteam^…>), when it is working time for one of their members.
        group_members = self._group_members(group_ids, excluded=excluded)
        if unknown and self.look_up_person is not None:
            # People who never used the bot: their zone is asked of Slack once (then cached), so that they
            # are reminded in their own hours rather than the rollout's.
            for person in unknown:
                self.look_up_person(person)
        group_people = sorted({member for members in group_members.values() for member in members})
        with self.database.read() as session:
            zones = self._time_zones(session, candidates, fallback=fallback_zone)
            member_zones = (
                self._time_zones(session, group_people, fallback=fallback_zone) if group_people else {}
            )
        # Working time is judged per person, in their own zone (outside the rollout's own non-working dates),
        # before Slack is asked who has left: outside everyone's hours a sweep costs no further network call.
        working = [person for person in candidates if self.calendar.is_working(now, zones[person], off)]
        working_groups = [
            group_id
            for group_id in group_ids
            if any(self.calendar.is_working(now, member_zones[m], off) for m in group_members[group_id])
        ]
        # A group with no members now counts as nobody, as a persona with no people does.
        active_groups = [group_id for group_id in group_ids if group_members[group_id]]
        if not (
            working or working_groups
            if candidates or active_groups
            else self.calendar.is_working(now, fallback_zone, off)
        ):
            return None  # waits for the next opening of someone it mentions (or of the rollout's zone)
        active = [person for person in candidates if self.is_active_user(person)]
        departed = [person for person in candidates if person not in active]
        mentioned = [person for person in working if person in active]
        if (active or active_groups) and not (mentioned or working_groups):
            return None  # those still in the workspace are all outside their hours: wait for theirs
        if not active and not active_groups and not self.calendar.is_working(now, fallback_zone, off):
            return None  # nobody left to mention: the rollout's own hours decide, as for a rollout alone
        return Plan(
            item=item, mentioned=mentioned, departed=departed, zones=zones, groups=tuple(working_groups)
        )

    # ---------------------------------------------------------------- the morning digest

    def _send_digests(self, plans: list[Plan], now: datetime) -> None:
        """One direct message to each person that more than one of these reminders would mention, once per
        person and local date: the first sweep of their working day that finds several waiting."""
        waiting: dict[str, list[Plan]] = {}
        for plan in plans:
            for person in plan.mentioned:
                waiting.setdefault(person, []).append(plan)
        for person, theirs in waiting.items():
            if len(theirs) < 2:
                continue
            try:
                if self._digest(person, theirs, now) and self.metrics is not None:
                    self.metrics.reminders_sent.labels("digest").inc()
            except IntegrityError:
                pass  # another process sent this person's digest for today first: theirs stands
            except Exception:
                logger.exception("a reminder digest failed; its reminders go to their threads")

    def _digest(self, person: str, plans: list[Plan], now: datetime) -> bool:
        day = now.astimezone(zone(plans[0].zones.get(person))).date().isoformat()
        # In a fixed order, so that two processes writing digests for people sharing items cannot deadlock.
        plans = sorted(plans, key=lambda plan: (plan.item.kind, plan.item.item_id))
        with self.database.write() as session:
            # Lock each item still waiting as the sweep saw it (an update changing nothing): a claim of it
            # in another process then waits for this transaction, and sees the digest once it commits. An
            # item claimed meanwhile (its remind_from moved on) was reminded in its thread: not listed.
            listed = [plan for plan in plans if self._still_waiting(session, plan.item)]
            if len(listed) < 2:
                return False  # one item left: its thread reminder is enough
            if session.scalars(
                select(col(ReminderDigest.id)).where(
                    col(ReminderDigest.user_id) == person, col(ReminderDigest.day) == day
                )
            ).first():
                return False  # sent today already (by this process or another)
            session.add(
                ReminderDigest(user_id=person, day=day, items=[plan.item.key for plan in listed], sent_at=now)
            )
            session.flush()  # a concurrent digest for the same person and day fails here, rolling it back
            first = session.get(Rollout, listed[0].item.rollout_id)
            texts = reader_texts(session, person, fallback=first.language if first is not None else None)
            lines = [line for plan in listed if (line := self._digest_line(session, texts, plan.item, now))]
            text, digest_blocks = blocks.digest_message(texts, lines)
            outbox.post(
                session,
                now=now,
                rollout_id=None,
                channel=person,
                text=text,
                blocks=digest_blocks,
                dedupe_key=f"digest:{person}:{day}",
            )
            queries.audit(
                session,
                now=now,
                rollout_id=None,
                actor="msi-bot",
                action="reminder_digest_sent",
                details={"user": person, "day": day, "items": [plan.item.key for plan in listed]},
            )
        return True

    def _still_waiting(self, session: Session, item: Due) -> bool:
        model = Step if item.kind == "step" else Approval
        return (
            affected_rows(
                session.execute(
                    update(model)
                    .where(col(model.id) == item.item_id, col(model.remind_from) == item.seen)
                    .values(remind_from=item.seen)
                    .execution_options(synchronize_session=False)
                )
            )
            == 1
        )

    def _digest_line(self, session: Session, texts: Texts, item: Due, now: datetime) -> str | None:
        rollout = session.get(Rollout, item.rollout_id)
        if rollout is None:
            return None
        name = formatting.escape(rollout.name)
        threads = self._threads(session, rollout, item)
        link = (
            formatting.message_link(threads[0].channel_id, threads[0].ts, texts.text("reminder.digest.open"))
            if threads and threads[0].ts
            else ""
        )
        if item.kind == "step":
            step = session.get(Step, item.item_id)
            if step is None:
                return None
            return texts.text(
                "reminder.digest.step",
                rollout=name,
                number=step.number,
                title=texts.text(f"step.{step.number}.title"),
                waited=texts.duration(now - step.changed_at),
                link=link,
            )
        approval = session.get(Approval, item.item_id)
        if approval is None:
            return None
        subject = self.approvals.card(session, texts, approval=approval, rollout=rollout).subject
        return texts.text(
            "reminder.digest.approval",
            rollout=name,
            subject=subject,
            waited=texts.duration(now - approval.requested_at),
            link=link,
        )

    def _threads(self, session: Session, rollout: Rollout, item: Due) -> list[SlackMessage]:
        """The messages a reminder of `item` replies to: each copy of a step's message in the step's
        channels, or the approval request."""
        if item.kind == "step":
            step = session.get(Step, item.item_id)
            if step is None:
                return []
            channels = cards.step_channels(rollout, step.number)
            return [
                message
                for message in cards.step_messages(session, step=step)
                if message.channel_id in channels
            ]
        request = queries.kept_message(session, purpose=f"approval:{item.item_id}")
        return [request] if request is not None else []

    # ---------------------------------------------------------------- each reminder in its thread

    def _claim(self, plan: Plan, now: datetime) -> bool:
        item = plan.item
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
            # Read after the claim, which waited for any digest locking this item: those it reached are
            # not mentioned again in the thread.
            digested = self._digested(session, item, plan.mentioned)
            people = [person for person in plan.mentioned if person not in digested]
            rollout = session.get(Rollout, item.rollout_id)
            assert rollout is not None
            groups = list(plan.groups)
            in_thread = bool(people) or bool(groups) or not digested
            if item.kind == "step":
                self._remind_step(
                    session,
                    rollout=rollout,
                    step_id=item.item_id,
                    people=people,
                    groups=groups,
                    digested=digested,
                    in_thread=in_thread,
                    now=now,
                )
            else:
                self._remind_approval(
                    session,
                    rollout=rollout,
                    approval_id=item.item_id,
                    people=people,
                    groups=groups,
                    digested=digested,
                    in_thread=in_thread,
                    now=now,
                )
            owner_texts = reader_texts(session, rollout.owner_id, fallback=rollout.language)
            for person in plan.departed:
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

    def _digested(self, session: Session, item: Due, people: list[str]) -> list[str]:
        """Which of `people` had this very reminder (this item, this wait) in their digest."""
        if not people:
            return []
        rows = session.scalars(
            select(ReminderDigest).where(
                col(ReminderDigest.user_id).in_(people), col(ReminderDigest.sent_at) >= item.seen
            )
        ).all()
        covered = {row.user_id for row in rows if item.key in (row.items or [])}
        return [person for person in people if person in covered]

    def _remind_step(
        self,
        session: Session,
        *,
        rollout: Rollout,
        step_id: int,
        people: list[str],
        groups: list[str],
        digested: list[str],
        in_thread: bool,
        now: datetime,
    ) -> None:
        step = session.get(Step, step_id, populate_existing=True)
        assert step is not None
        if in_thread:
            # In the step's thread: the rollout's language.
            rollout_texts = Texts.of(known_language(rollout.language))
            title = rollout_texts.text(f"step.{step.number}.title")
            how_long = rollout_texts.duration(now - step.changed_at)
            key = "reminder.step" if people or groups else "reminder.step.nobody"
            mentions = rollout_texts.join(
                [
                    *(formatting.user(person) for person in people),
                    *(formatting.group(group) for group in groups),
                ]
            )
            text = rollout_texts.text(key, people=mentions, number=step.number, title=title, waited=how_long)
            reminder_blocks = blocks.reminder_message(rollout_texts, text, f"step:{step_id}")
            for message in self._threads(session, rollout, Due("step", step_id, rollout.id or 0, now)):
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
                "digested": digested,
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
        digested: list[str],
        in_thread: bool,
        now: datetime,
    ) -> None:
        approval = session.get(Approval, approval_id, populate_existing=True)
        assert approval is not None
        if in_thread:
            # In the request's thread: the rollout's language.
            rollout_texts = Texts.of(known_language(rollout.language))
            how_long = rollout_texts.duration(now - approval.requested_at)
            key = "reminder.approval" if people or groups else "reminder.approval.nobody"
            mentions = rollout_texts.join(
                [
                    *(formatting.user(person) for person in people),
                    *(formatting.group(group) for group in groups),
                ]
            )
            text = rollout_texts.text(key, people=mentions, waited=how_long)
            for request in self._threads(
                session, rollout, Due("approval", approval_id, rollout.id or 0, now)
            ):
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
                "digested": digested,
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

    def snooze_until(
        self, choice: str, now: datetime, time_zone: str | None, off: OffDays = ()
    ) -> datetime | None:
        """When a reminder snoozed now with `choice` is due again; None for a choice that is not one. `off`:
        the rollout's own non-working dates, skipped as holidays are."""
        if choice == "hour":
            return now + timedelta(hours=1)
        if choice == "workday":
            return self.calendar.next_working_day(now, time_zone, off)
        if choice == "monday":
            return self.calendar.next_monday(now, time_zone, off)
        return None

    @answers_refusals
    def snooze(self, *, value: str, click: Click) -> None:
        """No reminder about this until the chosen moment: in 1 hour, at the start of the next working day,
        or of next Monday, in the snoozer's own zone (the rollout's when unknown). Only the people the
        reminder is for may snooze it; the thread is told who did, and until when.

        `value` is a menu option's "<choice>:<kind>:<id>", or an old button's "<kind>:<id>"."""
        parts = value.split(":")
        if len(parts) == 2:
            choice, (kind, raw_id) = OLD_BUTTON_CHOICE, parts
        elif len(parts) == 3:
            choice, kind, raw_id = parts
        else:
            return
        now = self.clock()
        item_id = ids.database_id(raw_id)
        if kind not in ("step", "approval") or item_id is None or choice not in blocks.SNOOZE_CHOICES:
            return  # no button of ours sends that: a forged or mangled payload
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
            snoozer_zone = self._time_zones(session, [click.user_id], fallback=rollout.time_zone)[
                click.user_id
            ]
            until = self.snooze_until(choice, now, snoozer_zone, off_days(rollout.off_dates))
            assert until is not None  # the choice was checked above
            # Due again at `until`: the wait is measured from remind_from + MSI_REMINDER_AFTER.
            row.remind_from = until - self.after
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="reminder_snoozed",
                details={kind: item_id, "choice": choice, "until": until.isoformat()},
            )
            # The thread, in the rollout's language; `<!date>` shows each reader the time in their own zone.
            rollout_texts = Texts.of(known_language(rollout.language))
            note = rollout_texts.text(
                "reminder.snoozed.thread", who=formatting.user(click.user_id), when=rollout_texts.date(until)
            )
            for message in self._threads(session, rollout, Due(kind, item_id, rollout.id or 0, now)):
                outbox.post(
                    session,
                    now=now,
                    rollout_id=rollout.id,
                    channel=message.channel_id,
                    text=note,
                    thread_of=message,
                )
            tell(
                session,
                now=now,
                click=click,
                text=texts.text("reminder.snoozed", when=texts.date(until)),
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
