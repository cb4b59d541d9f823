"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 22:10:49.463269
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("marketo_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("salesforce_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reminders_paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rollout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rollout_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_rollout_active_name",
            ["name_key"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_rollout_id"), ["rollout_id"], unique=False)

    op.create_table(
        "rollout_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("persona", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rollout_id", "persona", "user_id", name="uq_rollout_member"),
    )
    with op.batch_alter_table("rollout_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rollout_member_rollout_id"), ["rollout_id"], unique=False)

    op.create_table(
        "slack_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("posted_version", sa.Integer(), nullable=False),
        sa.Column("gone", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purpose", "channel_id", name="uq_slack_message_purpose_channel"),
    )
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_message_rollout_id"), ["rollout_id"], unique=False)

    op.create_table(
        "step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("blocked_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("blocked_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_note", sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=True),
        sa.Column("opened_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("changed_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("note_kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=True),
        sa.Column("note_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("note_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rollout_id", "number", name="uq_step_rollout_number"),
    )
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_rollout_id"), ["rollout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_state"), ["state"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["slack_message.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_rollout_id"), ["rollout_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_rollout_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_state"))
        batch_op.drop_index(batch_op.f("ix_step_rollout_id"))

    op.drop_table("step")
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_message_rollout_id"))

    op.drop_table("slack_message")
    with op.batch_alter_table("rollout_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollout_member_rollout_id"))

    op.drop_table("rollout_member")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_rollout_id"))

    op.drop_table("audit_event")
    with op.batch_alter_table("rollout", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_rollout_active_name",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_rollout_status"))

    op.drop_table("rollout")
