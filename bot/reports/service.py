"""Read-side answers: /msi status, /msi list, /msi audit and the App Home view.

Which rollout a command means (SPEC section 2): the name given; else the one whose channel the command was
typed in; else, in a direct message with the bot, the only active rollout; else the user picks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.approvals import cards as approval_cards
from bot.approvals.service import ApprovalService
from bot.invitations.service import InvitationService
from bot.platform import outbox
from bot.platform.access import Refusal, answers_refusals_as
from bot.platform.csv_safety import write_csv
from bot.platform.people import Readers, reader_texts
from bot.reports import blocks
from bot.reports.blocks import RolloutSummary, StepSummary
from bot.rollouts.resolution import Answer, resolve_rollout
from bot.slack import blockkit, formatting
from bot.steps import runbook
from bot.steps.runbook import Persona, StepState
from bot.texts import Texts, known_language
from storage import queries
from storage.db import Database
from storage.models import Rollout, Step


def summarize(
    session: Session,
    texts: Texts,
    rollout: Rollout,
    approvals: ApprovalService | None = None,
    invitations: InvitationService | None = None,
) -> RolloutSummary:
    assert rollout.id is not None
    rows = queries.steps_of(session, rollout_id=rollout.id)
    cards: tuple[approval_cards.ApprovalCard, ...] = ()
    if approvals is not None:
        pending = approvals.pending_in(session, rollout_id=rollout.id)
        cards = tuple(
            approvals.card(session, texts, approval=approval, rollout=rollout) for approval in pending
        )
    return RolloutSummary(
        rollout_id=rollout.id,
        name=rollout.name,
        environment=rollout.environment,
        owner_id=rollout.owner_id,
        marketo_channel=rollout.marketo_channel,
        salesforce_channel=rollout.salesforce_channel,
        steps=tuple(_step_summary(row) for row in rows),
        approvals=cards,
        reminders_paused=rollout.reminders_paused,
        off_dates=tuple(
            (str(row[0]), str(row[1]), str(row[2]) if len(row) > 2 else "")
            for row in rollout.off_dates or []
            if isinstance(row, list) and len(row) >= 2
        ),
        invitations=invitations.counts(session, rollout_id=rollout.id) if invitations is not None else None,
        seat_limit=invitations.seats if invitations is not None else 0,
        open_batches=tuple(
            (
                batch.id or 0,
                invitations.invitee_count(session, batch_id=batch.id or 0),
                batch.status,
                batch.requested_by,
            )
            for batch in invitations.open_batches(session, rollout_id=rollout.id)
        )
        if invitations is not None
        else (),
    )


def _step_summary(row: Step) -> StepSummary:
    state = StepState(row.state)
    if state is StepState.DONE:
        when, who = row.done_at, row.done_by
    elif row.blocked:
        when, who = row.blocked_at, row.blocked_by
    else:
        when, who = (row.opened_at if state is StepState.OPEN else row.changed_at), row.changed_by
    return StepSummary(
        number=row.number,
        state=state,
        blocked=row.blocked,
        when=when,
        who=who,
        blocked_note=row.blocked_note,
        step_id=row.id,
    )


def _names(texts: Texts, rollouts: Sequence[Rollout]) -> str:
    return texts.quoted(formatting.escape(r.name) for r in rollouts)


class ReportService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        approvals: ApprovalService,
        invitations: InvitationService,
        readers: Readers,
        *,
        groups: queries.GroupMembers | None = None,
    ):
        self.database = database
        self.clock = clock
        self.groups = groups
        self.approvals = approvals
        self.invitations = invitations
        # Chooses the reader's language from memory: a status asked again costs no database read at all.
        self.readers = readers
        # The last status answer per rollout and reader's language (None: not known yet, so the rollout's),
        # with the audit revision it was built at. A status reads some ten queries and renders some forty
        # blocks; most asks come between two changes.
        self._status_cache: dict[tuple[int, str | None], tuple[tuple[int, int], Answer]] = {}
        # On SQLite: the last answer per channel and reader's language for a status asked without a name,
        # by audit generation.
        self._status_here: dict[tuple[str, str | None], tuple[int, Answer]] = {}

    # ---------------------------------------------------------------- /msi status and /msi list

    def status(self, *, name: str, channel_id: str, user_id: str = "") -> Answer:
        """The status answer, in the language `user_id` reads (the rollout's while it is not known)."""
        language = self.readers.known_language(user_id) if user_id else None
        if name:
            return self._status(name=name, channel_id=channel_id, language=language)
        if self.database.is_sqlite:
            # On SQLite one process owns the database, so its count of audited commits tells exactly when
            # an answer may have changed: no query at all while nothing did. Read before any data, so a
            # kept answer is never older than the count it is kept under.
            generation = self.database.audit_generation
            kept = self._status_here.get((channel_id, language))
            if kept is not None and kept[0] == generation:
                return kept[1]
            answer = self._status(name="", channel_id=channel_id, language=language)
            self._status_here[(channel_id, language)] = (generation, answer)
            return answer
        return self._cached_status_by_revision(channel_id, language) or self._status(
            name="", channel_id=channel_id, language=language
        )

    def _status(self, *, name: str, channel_id: str, language: str | None) -> Answer:
        with self.database.read() as session:
            found = resolve_rollout(session, name=name, channel_id=channel_id)
            if found.rollout is not None and found.rollout.id is not None:
                return self._rollout_status(session, found.rollout, found.rollout.id, language)
            texts = Texts.of(known_language(language))
            if found.named:
                key = "status.not_found" if found.candidates else "status.not_found_none"
                text = texts.text(key, name=formatting.escape(name), names=_names(texts, found.candidates))
                return Answer(text=text, blocks=[blockkit.section(text)])
            if not found.candidates:
                text = texts.text("status.none")
                return Answer(text=text, blocks=[blockkit.section(text)])
            reader_texts = texts
            lines = [
                blocks.rollout_line(reader_texts, summarize(session, reader_texts, rollout))
                for rollout in found.candidates
            ]
            heading = None
            if queries.rollouts_using_channel(session, channel_id=channel_id):
                heading = reader_texts.text(
                    "status.several_here", example=formatting.escape(found.candidates[0].name)
                )
            return Answer(text="\n".join(lines), blocks=blockkit.lines_blocks(reader_texts, heading, lines))

    def _cached_status_by_revision(self, channel_id: str, language: str | None) -> Answer | None:
        """The kept answer for the one rollout using this channel if its audit revision has not moved:
        one statement, no ORM objects (several processes may share a PostgreSQL database)."""
        with self.database.read() as session:
            found = queries.revisions_of_rollouts_using_channel(session.connection(), channel_id=channel_id)
        if len(found) != 1:
            return None
        rollout_id, count, newest = found[0]
        cached = self._status_cache.get((rollout_id, language))
        return cached[1] if cached is not None and cached[0] == (count, newest) else None

    def _rollout_status(
        self, session: Session, rollout: Rollout, rollout_id: int, language: str | None
    ) -> Answer:
        revision = queries.audit_revision(session, rollout_id=rollout_id)
        cached = self._status_cache.get((rollout_id, language))
        if cached is not None and cached[0] == revision:
            return cached[1]
        # A reader whose language is not known yet is answered in the rollout's (a change of it in Edit is
        # audited, so moves the revision).
        reader_texts = Texts.of(known_language(language or rollout.language))
        summary = summarize(session, reader_texts, rollout, self.approvals, self.invitations)
        answer = Answer(
            text=blocks.rollout_line(reader_texts, summary),
            blocks=blocks.status_blocks(reader_texts, summary),
        )
        # The revision is read first: an answer may be newer than the revision it is kept under (a change
        # committed in between, then the next ask recomputes), never older.
        self._status_cache[(rollout_id, language)] = (revision, answer)
        return answer

    def list(self, *, user_id: str = "") -> Answer:
        with self.database.read() as session:
            reader = reader_texts(session, user_id)
            active = queries.active_rollouts(session)
            if not active:
                text = reader.text("status.none")
                return Answer(text=text, blocks=[blockkit.section(text)])
            lines = [
                blocks.rollout_line(reader, summarize(session, reader, rollout), "list.line")
                for rollout in active
            ]
        heading = reader.text("list.title")
        return Answer(text="\n".join(lines), blocks=blockkit.lines_blocks(reader, heading, lines))

    # ---------------------------------------------------------------- /msi audit

    @answers_refusals_as(lambda text: Answer(text=text, blocks=[blockkit.section(text)]))
    def request_audit(self, *, user_id: str, name: str, channel_id: str) -> Answer:
        """Check who asks, then queue the CSV for delivery by direct message (a file upload is slow)."""
        now = self.clock()
        with self.database.write() as session:
            found = resolve_rollout(session, name=name, channel_id=channel_id)
            rollout = found.rollout
            texts = reader_texts(session, user_id, fallback=rollout.language if rollout else None)
            if rollout is None:
                if found.named:
                    key = "status.not_found" if found.candidates else "status.not_found_none"
                    text = texts.text(
                        key, name=formatting.escape(name), names=_names(texts, found.candidates)
                    )
                elif not found.candidates:
                    text = texts.text("status.none")
                else:
                    example = formatting.escape(found.candidates[0].name)
                    text = texts.text("audit.pick", example=example, names=_names(texts, found.candidates))
                return Answer(text=text, blocks=[blockkit.section(text)])
            assert rollout.id is not None
            personas = queries.personas_of(
                session, rollout_id=rollout.id, user_id=user_id, groups=self.groups
            )
            if user_id != rollout.owner_id and not personas:
                raise Refusal(
                    "audit.denied",
                    {"rollout": formatting.escape(rollout.name)},
                    attempted="audit",
                    rollout_id=rollout.id,
                )
            trail = queries.audit_trail(session, rollout_id=rollout.id)
            content = write_csv(
                ["time_utc", "actor", "action", "step", "details"],
                (
                    [
                        event.at.astimezone(UTC).isoformat(timespec="seconds"),
                        event.actor,
                        event.action,
                        event.details.get("step", ""),
                        json.dumps(event.details, ensure_ascii=False, sort_keys=True),
                    ]
                    for event in trail
                ),
            )
            outbox.upload(
                session,
                now=now,
                rollout_id=rollout.id,
                user_id=user_id,
                filename=f"msi-audit-{_slug(rollout.name)}-{now:%Y%m%d-%H%M}.csv",
                title=texts.text("audit.title", rollout=rollout.name),
                content=content,
                comment=texts.text(
                    "audit.comment", rollout=formatting.escape(rollout.name), count=len(trail)
                ),
            )
            text = texts.text("audit.sending", rollout=formatting.escape(rollout.name))
            return Answer(text=text, blocks=[blockkit.section(text)])

    # ---------------------------------------------------------------- App Home

    def home(self, *, user_id: str) -> dict[str, Any]:
        with self.database.read() as session:
            summaries = []
            may_reopen: dict[int, set[int]] = {}
            may_decide: set[int] = set()
            reader = reader_texts(session, user_id)
            for rollout in queries.active_rollouts(session):
                summary = summarize(session, reader, rollout, self.approvals, self.invitations)
                summaries.append(summary)
                personas = {
                    Persona(p)
                    for p in queries.personas_of(
                        session, rollout_id=summary.rollout_id, user_id=user_id, groups=self.groups
                    )
                }
                if Persona.SALESFORCE_ADMIN in personas:
                    may_decide.add(summary.rollout_id)
                reopenable = {
                    step.number
                    for step in summary.steps
                    if step.state is StepState.DONE
                    and (user_id == rollout.owner_id or personas & set(runbook.step(step.number).personas))
                }
                if reopenable:
                    may_reopen[summary.rollout_id] = reopenable
        decision_buttons = {
            card.approval_id: self.approvals.decision_buttons(reader, card)
            for summary in summaries
            if summary.rollout_id in may_decide
            for card in summary.approvals
        }
        cancel_buttons = {
            batch_id: self.invitations.cancel_button(reader, batch_id, count, one_of_many=True)
            for summary in summaries
            for batch_id, count, _state, _requester in summary.open_batches
        }
        return blocks.home_view(
            reader,
            user_id,
            summaries,
            may_reopen=may_reopen,
            may_decide=frozenset(may_decide),
            decision_buttons=decision_buttons,
            cancel_buttons=cancel_buttons,
        )


def _slug(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    return "-".join(part for part in cleaned.split("-") if part)[:40] or "rollout"
