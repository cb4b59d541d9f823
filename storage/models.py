"""The tables. Every change to them comes with an Alembic migration in storage/migrations/versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.db import UTCDateTime


def _utc(nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class RolloutStatus:
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Rollout(SQLModel, table=True):
    """One MSI Actions setup for one Marketo instance."""

    __tablename__ = "rollout"
    __table_args__ = (
        # Names are unique among active rollouts only, compared case-insensitively (name_key is casefolded).
        Index(
            "uq_rollout_active_name",
            "name_key",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    environment: str = Field(max_length=16)
    owner_id: str = Field(max_length=32)
    time_zone: str = Field(max_length=64)
    marketo_channel: str = Field(max_length=32)
    salesforce_channel: str = Field(max_length=32)
    status: str = Field(default=RolloutStatus.ACTIVE, max_length=16, index=True)
    reminders_paused: bool = False
    # The language of the rollout's channel posts (a key of bot.texts.CATALOG); private answers follow
    # each reader's own Slack locale instead (SlackPerson).
    language: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})
    # The owner's own non-working dates (a shutdown, 年末年始) as [first, last] ISO date pairs, inclusive:
    # reminders treat them as MSI_HOLIDAYS are treated, in each recipient's local date.
    off_dates: list[list[str]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    cancelled_at: datetime | None = _utc(nullable=True)
    cancelled_by: str | None = Field(default=None, max_length=32)


class MemberKind:
    USER = "user"
    GROUP = "group"  # a Slack user group: its current members count (bot/slack/usergroups.py)


class RolloutMember(SQLModel, table=True):
    """A Slack user, or a Slack user group (`kind`), listed in one of a rollout's personas."""

    __tablename__ = "rollout_member"
    __table_args__ = (UniqueConstraint("rollout_id", "persona", "user_id", name="uq_rollout_member"),)

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int = Field(foreign_key="rollout.id", index=True)
    persona: str = Field(max_length=24)
    # A user id ("U…"), or a user group id ("S…") when kind is "group".
    user_id: str = Field(max_length=32)
    kind: str = Field(default=MemberKind.USER, max_length=8, sa_column_kwargs={"server_default": "user"})


class Step(SQLModel, table=True):
    """One of the seven runbook steps of one rollout."""

    __tablename__ = "step"
    __table_args__ = (
        UniqueConstraint("rollout_id", "number", name="uq_step_rollout_number"),
        # The reminder sweep's query: remindable states, oldest wait first.
        Index("ix_step_state_remind_from", "state", "remind_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int = Field(foreign_key="rollout.id", index=True)
    number: int
    state: str = Field(max_length=24, index=True)
    blocked: bool = False
    blocked_by: str | None = Field(default=None, max_length=32)
    blocked_at: datetime | None = _utc(nullable=True)
    blocked_note: str | None = Field(default=None, max_length=3000)
    opened_at: datetime | None = _utc(nullable=True)
    done_at: datetime | None = _utc(nullable=True)
    done_by: str | None = Field(default=None, max_length=32)
    changed_at: datetime = _utc()
    changed_by: str | None = Field(default=None, max_length=32)
    # The last remark shown on the step's message: why it was reopened (later: why approval was refused).
    note_kind: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, max_length=3000)
    note_by: str | None = Field(default=None, max_length=32)
    note_at: datetime | None = _utc(nullable=True)
    reminder_count: int = 0
    last_reminded_at: datetime | None = _utc(nullable=True)
    # When the current wait began, for reminders: set when the step opens or changes, moved to the time of
    # each reminder (or a snooze), None while nothing is expected (locked, awaiting approval, done).
    remind_from: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True, index=True)
    # The last check in Salesforce (steps 6 and 7): {"passed", "at", "by", "checks": [...]}.
    verification: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SlackMessage(SQLModel, table=True):
    """A message the bot keeps up to date: its wanted content, and the ts Slack gave it once posted.

    `version` grows with every change of the wanted content; `posted_version` is the version Slack shows.
    The outbox worker brings Slack up to date (post when there is no ts yet, chat.update afterwards), so
    several quick changes collapse into one update and an update can never overtake its post.
    """

    __tablename__ = "slack_message"
    __table_args__ = (UniqueConstraint("purpose", "channel_id", name="uq_slack_message_purpose_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int | None = Field(default=None, foreign_key="rollout.id", index=True)
    purpose: str = Field(max_length=64)
    channel_id: str = Field(max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    # Where Slack put it: a message addressed to a user id lands in a "D…" channel, which updates must name.
    posted_channel: str | None = Field(default=None, max_length=32)
    text: str = Field(max_length=4000)
    blocks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    posted_version: int = 0
    gone: bool = False
    created_at: datetime = _utc()


class OutboxStatus:
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


class OutboxItem(SQLModel, table=True):
    """A Slack call a committed state change asked for, delivered after commit by the outbox worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int | None = Field(default=None, foreign_key="rollout.id", index=True)
    kind: str = Field(max_length=24)
    target: str = Field(max_length=64)
    message_id: int | None = Field(default=None, foreign_key="slack_message.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    # Set for notices that must be sent at most once (e.g. "I'm not in that channel" per channel).
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    attempts: int = 0
    not_before: datetime = _utc()
    # The worker_process holding the claim (see bot/platform/leases.py); free when that process is gone.
    claimed_by: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _utc()
    delivered_at: datetime | None = _utc(nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who did what, when: every state change and every refused click."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int | None = Field(default=None, foreign_key="rollout.id", index=True)
    at: datetime = _utc()
    actor: str = Field(max_length=32)
    action: str = Field(max_length=48)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ApprovalStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Approval(SQLModel, table=True):
    """A request to a rollout's Salesforce admins to approve a subject (a step, or an invitation batch)."""

    __tablename__ = "approval"
    __table_args__ = (
        # At most one pending request per subject: asking twice cannot post two requests.
        Index(
            "uq_approval_pending_subject",
            "subject_kind",
            "subject_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_approval_status_remind_from", "status", "remind_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int = Field(foreign_key="rollout.id", index=True)
    subject_kind: str = Field(max_length=16)
    subject_id: int
    requested_by: str = Field(max_length=32)
    requested_at: datetime = _utc()
    status: str = Field(default=ApprovalStatus.PENDING, max_length=16, index=True)
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = _utc(nullable=True)
    reason: str | None = Field(default=None, max_length=3000)
    reminder_count: int = 0
    last_reminded_at: datetime | None = _utc(nullable=True)
    remind_from: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True, index=True)


class BatchStatus:
    # Being written in chunks (a large CSV): shown nowhere, asked of nobody, its seats reserved until the last
    # chunk commits and it becomes pending_approval (`InvitationService.begin_batch`).
    PREPARING = "preparing"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class InvitationBatch(SQLModel, table=True):
    """Addresses requested together (one /msi invite, or one CSV), approved together, sent together."""

    __tablename__ = "invitation_batch"

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int = Field(foreign_key="rollout.id", index=True)
    requested_by: str = Field(max_length=32)
    source: str = Field(max_length=16)
    file_name: str | None = Field(default=None, max_length=255)
    status: str = Field(default=BatchStatus.PENDING_APPROVAL, max_length=24, index=True)
    created_at: datetime = _utc()
    changed_at: datetime = _utc()
    changed_by: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=3000)
    # While preparing: the seats held for accepted invitees not written yet, so that a batch requested
    # meanwhile counts them (seats are otherwise counted from invitee rows). Zero once written.
    seats_reserved: int = Field(default=0)


class InviteeStatus:
    REQUESTED = "requested"
    INVITED = "invited"
    RELEASED = "released"  # its batch was rejected or cancelled: the address and the seat are free again


class Invitee(SQLModel, table=True):
    """One address of a batch. An address may hold a seat in one rollout only (one Actions instance)."""

    __tablename__ = "invitee"
    __table_args__ = (
        Index(
            "uq_invitee_active_address",
            "email_key",
            unique=True,
            sqlite_where=text("status IN ('requested', 'invited')"),
            postgresql_where=text("status IN ('requested', 'invited')"),
        ),
        Index("ix_invitee_rollout_status", "rollout_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="invitation_batch.id", index=True)
    rollout_id: int = Field(foreign_key="rollout.id")
    email: str = Field(max_length=254)
    email_key: str = Field(max_length=254)
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    team: str = Field(default="", max_length=200)
    status: str = Field(default=InviteeStatus.REQUESTED, max_length=16)


class DraftStatus:
    PENDING = "pending"  # waiting for the import worker to fetch and read the file
    READY = "ready"  # preview shown; waiting for the uploader
    FAILED = "failed"  # the file could not be read; the uploader was told why
    IGNORED = "ignored"  # not a CSV, or the bot's own file: nothing said
    REQUESTED = "requested"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CsvDraft(SQLModel, table=True):
    """One uploaded file on its way to an invitation batch. The file id is unique: one upload, one preview."""

    __tablename__ = "csv_draft"

    id: int | None = Field(default=None, primary_key=True)
    file_id: str = Field(max_length=32, unique=True)
    uploader: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    rollout_id: int | None = Field(default=None, foreign_key="rollout.id", index=True)
    file_name: str | None = Field(default=None, max_length=255)
    status: str = Field(default=DraftStatus.PENDING, max_length=16, index=True)
    error_key: str | None = Field(default=None, max_length=64)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    headers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    mapping: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    batch_id: int | None = Field(default=None, foreign_key="invitation_batch.id")
    attempts: int = 0
    not_before: datetime = _utc()
    # The worker_process holding the claim (see bot/platform/leases.py); free when that process is gone.
    claimed_by: int | None = None
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    # When the report of its unusable rows was queued for upload (Download report); None again once the
    # preview is recomputed under another mapping or rollout, whose report differs.
    report_sent_at: datetime | None = _utc(nullable=True)


class ProcessedEvent(SQLModel, table=True):
    """Events API deliveries already handled: Slack retries them, several processes may receive them."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = _utc()


class PendingClick(SQLModel, table=True):
    """A button click acknowledged to Slack and not yet acted on.

    Written on the request path (one small insert, so the acknowledgement stays fast and the click survives
    a crash), acted on by the click worker, and deleted in the same transaction as the change it caused.
    """

    __tablename__ = "pending_click"
    __table_args__ = (Index("ix_pending_click_due", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: str = Field(max_length=64)
    value: str = Field(max_length=200)
    user_id: str = Field(max_length=32)
    response_url: str | None = Field(default=None, max_length=500)
    from_home: bool = False
    attempts: int = 0
    not_before: datetime = _utc()
    # The worker_process holding the claim (see bot/platform/leases.py); free when that process is gone.
    claimed_by: int | None = None
    received_at: datetime = _utc()


class ActedSubmission(SQLModel, table=True):
    """A modal submission that was acted on, by the id of the view submitted.

    A view closes once its submission is acted on, so the same view id arriving again is Slack retrying, or
    somebody replaying, a request already handled: it is acknowledged and nothing happens. Rows are kept
    a day, far past the 5 minutes a signed request stays valid.
    """

    __tablename__ = "acted_submission"

    view_id: str = Field(primary_key=True, max_length=64)
    callback_id: str = Field(max_length=64)
    user_id: str = Field(max_length=32)
    acted_at: datetime = _utc()


class WorkerProcess(SQLModel, table=True):
    """A running bot process, for the leased queues: claims name their holder's row, and a claim whose
    holder has not heartbeat for a few seconds (or whose row is gone) may be taken over."""

    __tablename__ = "worker_process"
    # Ids are never reused (SQLite would hand a deleted row's id to the next row): a process registered
    # after another must never look like the holder of that one's leftover claims.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = _utc()
    heartbeat_at: datetime = _utc()


class SlackPerson(SQLModel, table=True):
    """What the bot learned about a Slack user from `users.info`: their locale and time zone.

    Looked up after an acknowledgement, never before it, and shared by every process: a reader whose row is
    missing or stale is answered in the rollout's language (or English) while the look-up runs, and their
    next answer is in their own. `locale` and `tz` stay None when Slack did not say."""

    __tablename__ = "slack_person"

    user_id: str = Field(primary_key=True, max_length=32)
    locale: str | None = Field(default=None, max_length=16)
    tz: str | None = Field(default=None, max_length=64)
    fetched_at: datetime = _utc()


class ReminderDigest(SQLModel, table=True):
    """The one morning digest a person was sent on one local date (SPEC section 6), and what it listed.

    The unique key makes the digest exactly once across processes; `items` ("step:<id>@<seen>" or
    "approval:<id>@<seen>", `seen` the item's remind_from in microseconds) lets the claim of each listed
    reminder, in any process, leave that person out of the thread it posts."""

    __tablename__ = "reminder_digest"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_reminder_digest_user_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32)
    day: str = Field(max_length=10)  # the person's own local date, YYYY-MM-DD
    items: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sent_at: datetime = _utc()
