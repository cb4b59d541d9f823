"""Invitations (SPEC section 5): checking addresses against the rollout and the seat limit, and batches.

A batch goes pending_approval → approved → sent (or rejected / cancelled). Seats are counted under the
rollout's row lock, and a partial unique index keeps an address in one rollout at a time, so two batches at
once can neither exceed MSI_SEATS nor claim the same address twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.approvals.service import ApprovalService, SubjectText
from bot.invitations import blocks
from bot.invitations.emails import check_address, split_addresses
from bot.platform import outbox
from bot.platform.access import Click, Refusal, answers_refusals, answers_refusals_as, tell
from bot.platform.csv_safety import write_csv
from bot.platform.people import reader_texts, rollout_language
from bot.rollouts.resolution import Answer, resolve_rollout
from bot.slack import blockkit, formatting
from bot.steps.runbook import Persona, StepState
from bot.texts import Texts, known_language
from storage import queries
from storage.db import Database, affected_rows
from storage.models import (
    Approval,
    ApprovalStatus,
    BatchStatus,
    InvitationBatch,
    Invitee,
    InviteeStatus,
    Rollout,
    RolloutStatus,
    Step,
)

logger = logging.getLogger(__name__)

BATCH_SUBJECT = "batch"
INVITE_STEP = 5  # "Invite users to MSI Actions": approved batches wait for it to open
OPEN_BATCH_STATES = (BatchStatus.PENDING_APPROVAL, BatchStatus.APPROVED)
SEAT_HOLDING = (InviteeStatus.REQUESTED, InviteeStatus.INVITED)
INVITEE_CSV_HEADER = ("Email", "First Name", "Last Name", "Team")


class Candidate(NamedTuple):
    """An address that passed validation, with the names the CSV gave (empty from /msi invite)."""

    email: str
    key: str
    first_name: str = ""
    last_name: str = ""
    team: str = ""
    line: int = 0  # typed in /msi invite, not read from a file


class Addressee(Protocol):
    """What classify and create_batch need of an address: a Candidate from `/msi invite`, or a CSV row
    (bot.uploads.parsing.Invitee, taken as it is so 80,000 rows are not copied)."""

    @property
    def email(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def line(self) -> int: ...


class Unusable(NamedTuple):
    """An address or a file's row that can't be used, and why (a catalog key, or email-validator's words)."""

    line: int  # the file's line; 0 for an address typed in /msi invite
    address: str  # as typed when invalid, else as normalised; not escaped
    reason_key: str
    params: dict[str, object] | None = None  # the reason's placeholders
    detail: str = ""  # email-validator's own reason, for invalid addresses


# Longest name or team kept on an invitee (the column's size); longer cells are cut, not refused.
NAME_LIMIT = 200

# From how many addresses on a classification may read all seats held at once instead of looking up each.
WHOLE_TABLE_ABOVE = 2000

# Invitees written per transaction when a batch is written in chunks (`write_chunk`). On SQLite every other
# write, click intake included, waits while one is open: 80,000 rows in one transaction kept acknowledgements
# waiting for seconds; a chunk of this size takes tens of milliseconds.
CHUNK_ROWS = 2000
# A preparing batch whose writer has not written a chunk for this long was abandoned (its process died and its
# click was given up): housekeeping removes it, freeing its addresses and seats.
ABANDONED_AFTER = timedelta(minutes=10)
_INVITEES = Invitee.__table__  # type: ignore[attr-defined]
_BATCHES = InvitationBatch.__table__  # type: ignore[attr-defined]

# The categories of addresses that can't be used, in the order summaries show them (SPEC section 5).
CATEGORIES = ("invalid", "duplicates", "already_here", "elsewhere", "over_limit")


@dataclass
class Summary:
    """What became of every address offered (SPEC section 5's summary)."""

    accepted: list[Addressee] = field(default_factory=list)
    # A file's invalid and repeated rows are counted while it is read and only the first kept: `invalid_count`
    # and `duplicate_count` say how many there are when the lists hold fewer.
    invalid: list[Unusable] = field(default_factory=list)
    duplicates: list[Unusable] = field(default_factory=list)
    # The addressees themselves (references, not copies): a file of 80,000 rows already requested keeps no
    # second object per row; their reasons are worded only for the rows shown or reported.
    already_here: list[Addressee] = field(default_factory=list)
    elsewhere: list[tuple[Addressee, str]] = field(default_factory=list)  # with the other rollout's name
    over_limit: list[Addressee] = field(default_factory=list)
    seats_left: int = 0
    limit: int = 0
    invalid_count: int | None = None
    duplicate_count: int | None = None

    def count(self, category: str) -> int:
        """How many addresses fall in `category` (one of CATEGORIES)."""
        kept = len(self._kept(category))
        total = {"invalid": self.invalid_count, "duplicates": self.duplicate_count}.get(category)
        return kept if total is None else max(total, kept)

    def unusable(self, category: str) -> Sequence[Unusable]:
        """The rows of `category` kept, each with its reason; worded lazily, one row at a time."""
        return _Worded(self._kept(category), _WORDING[category], self.limit)

    def _kept(self, category: str) -> Sequence[Any]:
        kept: Sequence[Any] = getattr(self, category)
        return kept


def _already_here(addressee: Addressee, limit: int) -> Unusable:
    return Unusable(addressee.line, addressee.email, "invite.reason.already_here")


def _elsewhere(item: tuple[Addressee, str], limit: int) -> Unusable:
    return Unusable(item[0].line, item[0].email, "invite.reason.elsewhere", {"rollout": item[1]})


def _over_limit(addressee: Addressee, limit: int) -> Unusable:
    return Unusable(addressee.line, addressee.email, "invite.reason.over_limit", {"limit": limit})


def _as_is(item: Unusable, limit: int) -> Unusable:
    return item


_WORDING: dict[str, Callable[[Any, int], Unusable]] = {
    "invalid": _as_is,
    "duplicates": _as_is,
    "already_here": _already_here,
    "elsewhere": _elsewhere,
    "over_limit": _over_limit,
}


class _Worded(Sequence[Unusable]):
    """A summary's list seen as Unusable rows, each made when read (Texts.cut reads only those it shows)."""

    def __init__(self, items: Sequence[Any], word: Callable[[Any, int], Unusable], limit: int) -> None:
        self.items, self.word, self.limit = items, word, limit

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.word(item, self.limit) for item in self.items[index]]
        return self.word(self.items[index], self.limit)


def reason_text(
    reader_texts: Texts, row: Unusable, *, escape: Callable[[str], str] = formatting.escape
) -> str:
    """Why `row` can't be used, in the reader's language; `escape` is for mrkdwn (a CSV takes it as is)."""
    if row.detail and reader_texts.language == "en":
        # email-validator's own reason is more precise than ours, but it exists in English only: other
        # languages get the catalog's reason, so a Japanese preview has no English in it.
        return escape(row.detail)
    params = {
        name: escape(value) if isinstance(value, str) else value for name, value in (row.params or {}).items()
    }
    return reader_texts.text(row.reason_key, **params)


def unusable_line(reader_texts: Texts, row: Unusable) -> str:
    """One row that can't be used, as mrkdwn: with its line number when it comes from a file."""
    reason = reason_text(reader_texts, row)
    if row.line:
        address = formatting.clip(formatting.escape(row.address), 80) or "—"
        return reader_texts.text("invite.item.line", line=row.line, address=address, reason=reason)
    address = formatting.clip(formatting.escape(row.address), 120) or "—"
    return reader_texts.text("invite.item.invalid", address=address, reason=reason)


def summary_parts(
    reader_texts: Texts, summary: Summary, *, item_limit: int = 10
) -> tuple[list[str], list[str]]:
    """The summary's counts (accepted always, then each category that has any, in CATEGORIES' order) and
    the first rows of each category with their reasons, cut with "and N more". The one wording shared by
    `/msi invite`, the CSV preview and its Request invitations answer."""
    counts = [
        reader_texts.text("invite.summary.accepted", count=len(summary.accepted), seats=summary.seats_left)
    ]
    problems: list[str] = []
    for category in CATEGORIES:
        total = summary.count(category)
        if not total:
            continue
        counts.append(reader_texts.text(f"invite.summary.{category}", count=total, limit=summary.limit))
        problems.extend(
            reader_texts.cut(
                summary.unusable(category),
                item_limit,
                render=lambda row: unusable_line(reader_texts, row),
                total=total,
            )
        )
    return counts, problems


def summary_lines(reader_texts: Texts, summary: Summary, *, item_limit: int = 10) -> list[str]:
    """The summary as mrkdwn lines: the counts, then the addresses that can't be used under a heading."""
    counts, problems = summary_parts(reader_texts, summary, item_limit=item_limit)
    if not problems:
        return counts
    return [*counts, reader_texts.text("invite.summary.problems"), *("    " + line for line in problems)]


def batch_purpose(batch: InvitationBatch) -> str:
    return f"batch:{batch.id}"


def requester_purpose(batch: InvitationBatch) -> str:
    return f"batch_requester:{batch.id}"


class InvitationService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        approvals: ApprovalService,
        *,
        seats: int,
        groups: queries.GroupMembers | None = None,
    ):
        self.database = database
        self.clock = clock
        self.approvals = approvals
        self.seats = seats
        self.groups = groups
        approvals.register(BatchApprovals(self))

    # ---------------------------------------------------------------- checking addresses

    @staticmethod
    def cancel_button(
        reader_texts: Texts, batch_id: int, count: int, *, one_of_many: bool = False
    ) -> dict[str, Any]:
        """A batch's Cancel button, for another surface that lists the batch (App Home)."""
        return blocks.batch_cancel_button(reader_texts, batch_id, count, one_of_many=one_of_many)

    def classify(
        self,
        session: Session,
        *,
        rollout: Rollout,
        candidates: Sequence[Addressee],
        summary: Summary | None = None,
    ) -> Summary:
        """Sort valid candidates into accepted / listed twice / already here / elsewhere / over the limit.

        The caller holds the rollout's row lock, so the seat count cannot change underneath.
        """
        result = summary or Summary()
        result.limit = self.seats
        keys = list({candidate.key for candidate in candidates})
        holders: dict[str, int] = {}
        holding = select(col(Invitee.email_key), col(Invitee.rollout_id)).where(
            col(Invitee.status).in_(SEAT_HOLDING)
        )
        if len(keys) > WHOLE_TABLE_ABOVE and (
            session.scalar(select(func.count()).select_from(holding.subquery())) or 0
        ) <= len(keys):
            # A big file against a smaller table: one read of every seat held beats a query per 500 addresses.
            wanted = set(keys)
            holders = {key: rollout_id for key, rollout_id in session.execute(holding) if key in wanted}
            keys = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = session.execute(
                select(col(Invitee.email_key), col(Invitee.rollout_id)).where(
                    col(Invitee.email_key).in_(chunk), col(Invitee.status).in_(SEAT_HOLDING)
                )
            ).all()
            holders.update({key: rollout_id for key, rollout_id in rows})
        other_names = {
            row.id: row.name
            for row in session.scalars(select(Rollout).where(col(Rollout.id).in_(set(holders.values()))))
        }
        taken = self.seats_taken(session, rollout_id=rollout.id or 0)
        left = max(self.seats - taken, 0)
        seen: dict[str, int] = {}
        # Bound methods and a running count: this loop runs once per row of a file (80,000 for 5 MB).
        accept, over_limit = result.accepted.append, result.over_limit.append
        here, elsewhere = result.already_here.append, result.elsewhere.append
        accepted_count, this_rollout = len(result.accepted), rollout.id
        for candidate in candidates:
            key = candidate.key
            first_line = seen.get(key)
            if first_line is not None:
                # Listed twice in what was offered: a file's repeats are found while it is read, so these are
                # /msi invite's (no line numbers), or a file's only if its caller did not look.
                if candidate.line:
                    duplicate = Unusable(
                        candidate.line, candidate.email, "email.duplicate", {"first_line": first_line}
                    )
                else:
                    duplicate = Unusable(0, candidate.email, "invite.reason.duplicate")
                result.duplicates.append(duplicate)
                continue
            seen[key] = candidate.line
            holder = holders.get(key)
            if holder is None:
                if accepted_count < left:
                    accept(candidate)
                    accepted_count += 1
                else:
                    over_limit(candidate)
            elif holder == this_rollout:
                here(candidate)
            else:
                elsewhere((candidate, other_names.get(holder, "?")))
        result.seats_left = left - accepted_count
        return result

    def seats_taken(self, session: Session, *, rollout_id: int) -> int:
        """Seats held by invitees, plus those reserved by batches still being written in chunks."""
        held = session.scalar(
            select(func.count())
            .select_from(Invitee)
            .where(col(Invitee.rollout_id) == rollout_id, col(Invitee.status).in_(SEAT_HOLDING))
        )
        reserved = session.scalar(
            select(func.coalesce(func.sum(col(InvitationBatch.seats_reserved)), 0)).where(
                col(InvitationBatch.rollout_id) == rollout_id,
                col(InvitationBatch.status) == BatchStatus.PREPARING,
            )
        )
        return int(held or 0) + int(reserved or 0)

    # ---------------------------------------------------------------- /msi invite

    @answers_refusals_as(lambda text: Answer(text=text, blocks=[blockkit.section(text)]))
    def invite_command(self, *, user_id: str, channel_id: str, text: str) -> Answer:
        now = self.clock()
        pieces = split_addresses(text)
        with self.database.write() as session:
            found = resolve_rollout(session, name="", channel_id=channel_id)
            fallback = found.rollout.language if found.rollout is not None else None
            texts = reader_texts(session, user_id, fallback=fallback)
            if found.rollout is None:
                if not found.candidates:
                    return _answer(texts, texts.text("invite.none_active"))
                names = texts.quoted(formatting.escape(r.name) for r in found.candidates)
                return _answer(texts, texts.text("invite.where", names=names))
            rollout = queries.lock_rollout(session, rollout_id=found.rollout.id or 0)
            assert rollout is not None
            self.check_may_request(session, rollout=rollout, user_id=user_id, attempted="invite")
            if not pieces:
                return _answer(texts, texts.text("invite.usage"))
            summary = Summary()
            candidates = []
            for piece in pieces:
                checked = check_address(piece)
                if checked.normalized is None or checked.key is None:
                    summary.invalid.append(
                        Unusable(0, piece, checked.problem or "email.invalid", None, checked.detail)
                    )
                else:
                    candidates.append(Candidate(email=checked.normalized, key=checked.key))
            self.classify(session, rollout=rollout, candidates=candidates, summary=summary)
            lines = summary_lines(texts, summary)
            if summary.accepted:
                batch = self.create_batch(
                    session,
                    rollout=rollout,
                    requester=user_id,
                    source="command",
                    file_name=None,
                    accepted=summary.accepted,
                    now=now,
                )
                lines.insert(
                    0,
                    texts.text(
                        "invite.created",
                        batch=batch.id,
                        count=len(summary.accepted),
                        rollout=formatting.escape(rollout.name),
                        channel=formatting.channel(rollout.salesforce_channel),
                    ),
                )
            else:
                lines.insert(0, texts.text("invite.nothing_created"))
            return _answer(texts, "\n".join(lines))

    def may_request(self, session: Session, *, rollout: Rollout, user_id: str) -> bool:
        return user_id == rollout.owner_id or bool(
            queries.personas_of(session, rollout_id=rollout.id or 0, user_id=user_id, groups=self.groups)
        )

    def check_may_request(
        self, session: Session, *, rollout: Rollout, user_id: str, attempted: str, **details: object
    ) -> None:
        """Raise the refusal (answered and audited by the caller's `answers_refusals`) unless `user_id`
        may request invitations for `rollout`: by command, or from a CSV preview."""
        if not self.may_request(session, rollout=rollout, user_id=user_id):
            raise Refusal(
                "invite.denied",
                {"rollout": formatting.escape(rollout.name)},
                attempted=attempted,
                rollout_id=rollout.id,
                **details,
            )

    # ---------------------------------------------------------------- batches

    def create_batch(
        self,
        session: Session,
        *,
        rollout: Rollout,
        requester: str,
        source: str,
        file_name: str | None,
        accepted: Sequence[Addressee],
        now: datetime,
    ) -> InvitationBatch:
        """The whole batch in the caller's transaction (the rollout is locked): for batches of up to
        CHUNK_ROWS addresses; larger ones are written in chunks (`begin_batch`)."""
        batch = self._new_batch(
            session, rollout=rollout, requester=requester, source=source, file_name=file_name, now=now
        )
        session.execute(_INVITEES.insert(), invitee_rows(batch, accepted))
        self._announce(session, batch=batch, rollout=rollout, count=len(accepted), now=now)
        return batch

    def _new_batch(
        self,
        session: Session,
        *,
        rollout: Rollout,
        requester: str,
        source: str,
        file_name: str | None,
        now: datetime,
        status: str = BatchStatus.PENDING_APPROVAL,
        seats_reserved: int = 0,
    ) -> InvitationBatch:
        batch = InvitationBatch(
            rollout_id=rollout.id or 0,
            requested_by=requester,
            source=source,
            file_name=file_name,
            status=status,
            seats_reserved=seats_reserved,
            created_at=now,
            changed_at=now,
            changed_by=requester,
        )
        session.add(batch)
        session.flush()
        return batch

    def _announce(
        self, session: Session, *, batch: InvitationBatch, rollout: Rollout, count: int, now: datetime
    ) -> None:
        """A batch whose invitees are all stored: audited, asked of the Salesforce admins, shown."""
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor=batch.requested_by,
            action="batch_created",
            details={"batch": batch.id, "count": count, "source": batch.source, "file": batch.file_name},
        )
        self.approvals.request(
            session,
            rollout=rollout,
            subject_kind=BATCH_SUBJECT,
            subject_id=batch.id or 0,
            requester=batch.requested_by,
            now=now,
        )
        self.render(session, batch=batch, rollout=rollout, now=now)

    # ---------------------------------------------------------------- large batches, written in chunks

    def begin_batch(
        self,
        session: Session,
        *,
        rollout: Rollout,
        requester: str,
        source: str,
        file_name: str | None,
        accepted: Sequence[Addressee],
        now: datetime,
    ) -> InvitationBatch:
        """Start a large batch in the caller's transaction (the rollout is locked, `accepted` classified
        under that lock): a preparing batch that reserves a seat for every accepted address, so batches
        requested while its invitees are written (`write_chunk`) still cannot exceed the seats."""
        return self._new_batch(
            session,
            rollout=rollout,
            requester=requester,
            source=source,
            file_name=file_name,
            now=now,
            status=BatchStatus.PREPARING,
            seats_reserved=len(accepted),
        )

    def write_chunk(self, *, batch: InvitationBatch, chunk: Sequence[Addressee]) -> bool:
        """Store some invitees of a preparing batch in a transaction of their own, turning their reserved
        seats into held ones. False (nothing written) when the batch is no longer preparing: another attempt
        at the same click discarded it, or it was found abandoned."""
        with self.database.write_connection() as connection:
            live = affected_rows(
                connection.execute(
                    update(_BATCHES)
                    .where(_BATCHES.c.id == batch.id, _BATCHES.c.status == BatchStatus.PREPARING)
                    .values(
                        seats_reserved=_BATCHES.c.seats_reserved - len(chunk),
                        changed_at=self.clock(),  # also shows the writer is alive (ABANDONED_AFTER)
                    )
                )
            )
            if live != 1:
                return False
            # The reservation kept the seats but not the addresses: one that a request committed meanwhile
            # claimed (it saw the address free) is that request's; the row is skipped, its seat freed.
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            connection.execute(dialect.insert(_INVITEES).on_conflict_do_nothing(), invitee_rows(batch, chunk))
        return True

    def finish_batch(
        self, session: Session, *, batch_id: int, rollout: Rollout, now: datetime
    ) -> InvitationBatch | None:
        """The last step of a batch written in chunks, in the caller's transaction (the rollout is locked):
        the batch becomes pending approval and is announced. None if it is no longer preparing."""
        changed = affected_rows(
            session.execute(
                update(InvitationBatch)
                .where(
                    col(InvitationBatch.id) == batch_id,
                    col(InvitationBatch.status) == BatchStatus.PREPARING,
                )
                .values(status=BatchStatus.PENDING_APPROVAL, seats_reserved=0, changed_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        batch = session.get(InvitationBatch, batch_id, populate_existing=True)
        if changed != 1 or batch is None:
            return None
        count = self.invitee_count(session, batch_id=batch_id)
        self._announce(session, batch=batch, rollout=rollout, count=count, now=now)
        return batch

    def discard_batch(self, session: Session, *, batch_id: int) -> bool:
        """Remove a preparing batch and the invitees written so far: it was never shown to anyone."""
        status = session.scalar(
            select(col(InvitationBatch.status)).where(col(InvitationBatch.id) == batch_id)
        )
        if status != BatchStatus.PREPARING:
            return False
        session.execute(delete(Invitee).where(col(Invitee.batch_id) == batch_id))
        session.execute(delete(InvitationBatch).where(col(InvitationBatch.id) == batch_id))
        return True

    def discard_abandoned(self) -> int:
        """Housekeeping: preparing batches nobody has written to for ABANDONED_AFTER are removed."""
        cutoff = self.clock() - ABANDONED_AFTER
        with self.database.read() as session:
            stale = session.scalars(
                select(col(InvitationBatch.id)).where(
                    col(InvitationBatch.status) == BatchStatus.PREPARING,
                    col(InvitationBatch.changed_at) < cutoff,
                )
            ).all()
        removed = 0
        for batch_id in stale:
            with self.database.write() as session:
                removed += self.discard_batch(session, batch_id=batch_id or 0)
        if removed:
            logger.info("removed %s invitation batch(es) abandoned while being written", removed)
        return removed

    def invitee_count(self, session: Session, *, batch_id: int) -> int:
        return int(
            session.scalar(select(func.count()).select_from(Invitee).where(col(Invitee.batch_id) == batch_id))
            or 0
        )

    def step5_ready(self, session: Session, *, rollout_id: int) -> bool:
        state = session.scalar(
            select(col(Step.state)).where(col(Step.rollout_id) == rollout_id, col(Step.number) == INVITE_STEP)
        )
        return state is not None and state != StepState.LOCKED.value

    def render(self, session: Session, *, batch: InvitationBatch, rollout: Rollout, now: datetime) -> None:
        """Bring the requester's message and, once approved with step 5 open, the Marketo task up to date."""
        count = self.invitee_count(session, batch_id=batch.id or 0)
        step5_ready = self.step5_ready(session, rollout_id=rollout.id or 0)
        state_key = f"batch.state.{batch.status}"
        if batch.status == BatchStatus.APPROVED and not step5_ready:
            state_key = "batch.state.approved_waiting"
        may_cancel = batch.status in OPEN_BATCH_STATES and rollout.status == RolloutStatus.ACTIVE
        # The requester's direct message is in their language; the Marketo admins' task in the rollout's.
        requester_texts = reader_texts(session, batch.requested_by, fallback=rollout.language)
        rollout_texts = Texts.of(known_language(rollout.language))
        text, requester_blocks = blocks.batch_requester_message(
            requester_texts,
            batch_id=batch.id or 0,
            count=count,
            rollout_name=rollout.name,
            file_name=batch.file_name,
            state=requester_texts.text(state_key),
            may_cancel=may_cancel,
        )
        outbox.keep_message(
            session,
            now=now,
            rollout_id=rollout.id,
            purpose=requester_purpose(batch),
            channel_id=batch.requested_by,
            text=text,
            blocks=requester_blocks,
        )
        task_exists = queries.kept_message(session, purpose=batch_purpose(batch)) is not None
        if not task_exists and not (batch.status == BatchStatus.APPROVED and step5_ready):
            return
        approval = queries.latest_approval(session, subject_kind=BATCH_SUBJECT, subject_id=batch.id or 0)
        text, task_blocks = blocks.batch_task_message(
            rollout_texts,
            batch_id=batch.id or 0,
            count=count,
            rollout_name=rollout.name,
            environment=rollout.environment,
            requester=batch.requested_by,
            approver=approval.decided_by if approval is not None and approval.decided_by else "",
            status=batch.status,
            changed_by=batch.changed_by,
            changed_at=batch.changed_at,
        )
        task = outbox.keep_message(
            session,
            now=now,
            rollout_id=rollout.id,
            purpose=batch_purpose(batch),
            channel_id=rollout.marketo_channel,
            text=text,
            blocks=task_blocks,
        )
        if not task_exists:
            self._attach_list(
                session, rollout_texts, batch=batch, rollout=rollout, task=task, count=count, now=now
            )

    def _attach_list(
        self,
        session: Session,
        texts: Texts,
        *,
        batch: InvitationBatch,
        rollout: Rollout,
        task: object,
        count: int,
        now: datetime,
    ) -> None:
        # Columns, not Invitee objects: building 80,000 ORM objects kept the approval's transaction (and,
        # on SQLite, every other write) waiting for seconds.
        invitees = session.execute(
            select(col(Invitee.email), col(Invitee.first_name), col(Invitee.last_name), col(Invitee.team))
            .where(col(Invitee.batch_id) == batch.id)
            .order_by(col(Invitee.id))
        ).all()
        content = write_csv(INVITEE_CSV_HEADER, (list(row) for row in invitees))
        outbox.upload(
            session,
            now=now,
            rollout_id=rollout.id,
            user_id=None,
            thread_of=task,  # type: ignore[arg-type]
            filename=f"msi-invitations-batch-{batch.id}.csv",
            title=texts.text("batch.file_title", batch=batch.id),
            content=content,
            comment=texts.text(
                "batch.file_comment", batch=batch.id, count=count, rollout=formatting.escape(rollout.name)
            ),
        )

    def steps_opened(self, session: Session, rollout: Rollout, numbers: list[int], now: datetime) -> None:
        if INVITE_STEP in numbers:
            self.post_waiting_tasks(session, rollout=rollout, now=now)

    def language_changed(self, session: Session, rollout: Rollout, now: datetime) -> None:
        """The rollout's posts changed language: its batches' Marketo tasks are updated in place."""
        for batch in session.scalars(
            select(InvitationBatch).where(col(InvitationBatch.rollout_id) == rollout.id)
        ):
            self.render(session, batch=batch, rollout=rollout, now=now)

    def rollout_cancelled(self, session: Session, rollout: Rollout, by: str, now: datetime) -> None:
        self.cancel_all_open(session, rollout=rollout, by=by, now=now)

    def post_waiting_tasks(self, session: Session, *, rollout: Rollout, now: datetime) -> None:
        """Step 5 just opened: hand every approved batch to the Marketo admins."""
        approved = session.scalars(
            select(InvitationBatch).where(
                col(InvitationBatch.rollout_id) == rollout.id,
                col(InvitationBatch.status) == BatchStatus.APPROVED,
            )
        ).all()
        for batch in approved:
            self.render(session, batch=batch, rollout=rollout, now=now)

    def _release(self, session: Session, *, batch: InvitationBatch) -> None:
        session.execute(
            update(Invitee)
            .where(col(Invitee.batch_id) == batch.id, col(Invitee.status) == InviteeStatus.REQUESTED)
            .values(status=InviteeStatus.RELEASED)
            .execution_options(synchronize_session=False)
        )

    def _load(self, session: Session, batch_id: int) -> tuple[InvitationBatch, Rollout] | None:
        rollout_id = session.scalar(
            select(col(InvitationBatch.rollout_id)).where(col(InvitationBatch.id) == batch_id)
        )
        if rollout_id is None:
            return None
        rollout = queries.lock_rollout(session, rollout_id=rollout_id)
        batch = session.get(InvitationBatch, batch_id, populate_existing=True)
        if rollout is None or batch is None:
            return None
        return batch, rollout

    def _tell_state(self, session: Session, *, click: Click, batch: InvitationBatch, now: datetime) -> None:
        texts = reader_texts(session, click.user_id, fallback=rollout_language(session, batch.rollout_id))
        text = texts.text("batch.already", batch=batch.id, state=texts.text(f"batch.state.{batch.status}"))
        tell(session, now=now, click=click, text=text, rollout_id=batch.rollout_id)

    @answers_refusals
    def mark_sent(self, *, batch_id: int, click: Click) -> None:
        now = self.clock()
        with self.database.write() as session:
            loaded = self._load(session, batch_id)
            if loaded is None:
                texts = reader_texts(session, click.user_id)
                tell(session, now=now, click=click, text=texts.text("approval.gone"), rollout_id=None)
                return
            batch, rollout = loaded
            personas = queries.personas_of(
                session, rollout_id=rollout.id or 0, user_id=click.user_id, groups=self.groups
            )
            if Persona.MARKETO_ADMIN.value not in personas:
                raise Refusal("batch.deny.sent", attempted="batch_sent", rollout_id=rollout.id)
            changed = affected_rows(
                session.execute(
                    update(InvitationBatch)
                    .where(
                        col(InvitationBatch.id) == batch_id,
                        col(InvitationBatch.status) == BatchStatus.APPROVED,
                    )
                    .values(status=BatchStatus.SENT, changed_at=now, changed_by=click.user_id)
                    .execution_options(synchronize_session=False)
                )
            )
            session.refresh(batch)
            if changed != 1:
                self._tell_state(session, click=click, batch=batch, now=now)
                return
            session.execute(
                update(Invitee)
                .where(col(Invitee.batch_id) == batch_id, col(Invitee.status) == InviteeStatus.REQUESTED)
                .values(status=InviteeStatus.INVITED)
                .execution_options(synchronize_session=False)
            )
            count = self.invitee_count(session, batch_id=batch_id)
            self.render(session, batch=batch, rollout=rollout, now=now)
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="batch_sent",
                details={"batch": batch_id, "count": count},
            )
            outbox.post(
                session,
                now=now,
                rollout_id=rollout.id,
                channel=batch.requested_by,
                text=reader_texts(session, batch.requested_by, fallback=rollout.language).text(
                    "batch.notify.sent",
                    count=count,
                    batch=batch_id,
                    rollout=formatting.escape(rollout.name),
                    who=formatting.user(click.user_id),
                ),
            )

    @answers_refusals
    def cancel(self, *, batch_id: int, click: Click) -> None:
        now = self.clock()
        with self.database.write() as session:
            loaded = self._load(session, batch_id)
            if loaded is None:
                texts = reader_texts(session, click.user_id)
                tell(session, now=now, click=click, text=texts.text("approval.gone"), rollout_id=None)
                return
            batch, rollout = loaded
            if click.user_id not in (batch.requested_by, rollout.owner_id):
                raise Refusal(
                    "batch.deny.cancel", {"batch": batch_id}, attempted="batch_cancel", rollout_id=rollout.id
                )
            if not self.cancel_in(session, batch=batch, rollout=rollout, by=click.user_id, now=now):
                self._tell_state(session, click=click, batch=batch, now=now)
                return
            if click.user_id != batch.requested_by:
                outbox.post(
                    session,
                    now=now,
                    rollout_id=rollout.id,
                    channel=batch.requested_by,
                    text=reader_texts(session, batch.requested_by, fallback=rollout.language).text(
                        "batch.notify.cancelled",
                        batch=batch_id,
                        rollout=formatting.escape(rollout.name),
                        who=formatting.user(click.user_id),
                    ),
                )

    def cancel_in(
        self, session: Session, *, batch: InvitationBatch, rollout: Rollout, by: str, now: datetime
    ) -> bool:
        """Cancel an open batch inside the caller's transaction (the rollout is locked); False if not open."""
        changed = affected_rows(
            session.execute(
                update(InvitationBatch)
                .where(
                    col(InvitationBatch.id) == batch.id, col(InvitationBatch.status).in_(OPEN_BATCH_STATES)
                )
                .values(status=BatchStatus.CANCELLED, changed_at=now, changed_by=by)
                .execution_options(synchronize_session=False)
            )
        )
        session.refresh(batch)
        if changed != 1:
            return False
        self._release(session, batch=batch)
        self.approvals.close_pending(
            session, rollout=rollout, subject_kind=BATCH_SUBJECT, subject_id=batch.id or 0, by=by, now=now
        )
        self.render(session, batch=batch, rollout=rollout, now=now)
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor=by,
            action="batch_cancelled",
            details={"batch": batch.id},
        )
        return True

    def cancel_all_open(self, session: Session, *, rollout: Rollout, by: str, now: datetime) -> None:
        for batch in self.open_batches(session, rollout_id=rollout.id or 0):
            self.cancel_in(session, batch=batch, rollout=rollout, by=by, now=now)

    # ---------------------------------------------------------------- read side

    def open_batches(self, session: Session, *, rollout_id: int) -> list[InvitationBatch]:
        return list(
            session.scalars(
                select(InvitationBatch)
                .where(
                    col(InvitationBatch.rollout_id) == rollout_id,
                    col(InvitationBatch.status).in_(OPEN_BATCH_STATES),
                )
                .order_by(col(InvitationBatch.id))
            ).all()
        )

    def counts(self, session: Session, *, rollout_id: int) -> dict[str, int]:
        """Invitations by batch state, plus the seats taken."""
        # Counted per batch, then summed by the batches' states: joining every invitee row to its batch cost
        # /msi status a few hundred milliseconds with an 80,000-address batch.
        per_batch = session.execute(
            select(col(Invitee.batch_id), func.count())
            .where(col(Invitee.rollout_id) == rollout_id)
            .group_by(col(Invitee.batch_id))
        ).all()
        states = dict(
            session.execute(
                select(col(InvitationBatch.id), col(InvitationBatch.status)).where(
                    col(InvitationBatch.rollout_id) == rollout_id
                )
            ).all()
        )
        rows: dict[str, int] = {}
        for batch_id, number in per_batch:
            status = states.get(batch_id)
            if status is not None and status != BatchStatus.PREPARING:  # not shown until written
                rows[status] = rows.get(status, 0) + int(number)
        counts = {
            state: 0
            for state in (
                BatchStatus.PENDING_APPROVAL,
                BatchStatus.APPROVED,
                BatchStatus.SENT,
                BatchStatus.REJECTED,
                BatchStatus.CANCELLED,
            )
        }
        counts.update(rows)
        counts["seats"] = self.seats_taken(session, rollout_id=rollout_id)
        return counts


class BatchApprovals:
    """Invitation batches as subjects of Salesforce admin approval."""

    kind = BATCH_SUBJECT

    def __init__(self, service: InvitationService):
        self.service = service

    def describe(
        self, session: Session, texts: Texts, *, approval: Approval, rollout: Rollout
    ) -> SubjectText:
        count = self.service.invitee_count(session, batch_id=approval.subject_id)
        return SubjectText(
            subject=texts.text("batch.subject", batch=approval.subject_id, count=count),
            why=texts.text("batch.why", limit=self.service.seats),
            channel=formatting.channel(rollout.marketo_channel),
        )

    def decided(self, session: Session, *, approval: Approval, rollout: Rollout, now: datetime) -> None:
        batch = session.get(InvitationBatch, approval.subject_id, populate_existing=True)
        if batch is None or batch.status != BatchStatus.PENDING_APPROVAL:
            return
        if approval.status == ApprovalStatus.APPROVED:
            batch.status = BatchStatus.APPROVED
        elif approval.status == ApprovalStatus.REJECTED:
            batch.status = BatchStatus.REJECTED
            batch.reason = approval.reason
            self.service._release(session, batch=batch)
        else:
            return
        batch.changed_at = now
        batch.changed_by = approval.decided_by
        session.flush()
        self.service.render(session, batch=batch, rollout=rollout, now=now)


def invitee_rows(batch: InvitationBatch, accepted: Sequence[Addressee]) -> list[dict[str, Any]]:
    """Invitee rows for a core executemany insert (an ORM object per row cost more than the insert)."""
    batch_id, rollout_id = batch.id or 0, batch.rollout_id
    return [
        {
            "batch_id": batch_id,
            "rollout_id": rollout_id,
            "email": candidate.email,
            "email_key": candidate.key,
            "first_name": candidate.first_name[:NAME_LIMIT],
            "last_name": candidate.last_name[:NAME_LIMIT],
            "team": candidate.team[:NAME_LIMIT],
            "status": InviteeStatus.REQUESTED,
        }
        for candidate in accepted
    ]


def _answer(texts: Texts, text: str) -> Answer:
    """A one-off answer in the reader's language `texts`, cut to fit a message."""
    return Answer(text=text, blocks=blockkit.lines_blocks(texts, None, text.split("\n"), limit=60))
