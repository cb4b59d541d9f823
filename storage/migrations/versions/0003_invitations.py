"""invitations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 22:47:57.518288
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_event",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "invitation_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=True),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invitation_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_batch_rollout_id"), ["rollout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_batch_status"), ["status"], unique=False)

    op.create_table(
        "csv_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("uploader", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["invitation_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id"),
    )
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_csv_draft_rollout_id"), ["rollout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_csv_draft_status"), ["status"], unique=False)

    op.create_table(
        "invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("email_key", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["invitation_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invitee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitee_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_invitee_rollout_status", ["rollout_id", "status"], unique=False)
        batch_op.create_index(
            "uq_invitee_active_address",
            ["email_key"],
            unique=True,
            sqlite_where=sa.text("status IN ('requested', 'invited')"),
            postgresql_where=sa.text("status IN ('requested', 'invited')"),
        )

    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("posted_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.drop_column("posted_channel")

    with op.batch_alter_table("invitee", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invitee_active_address",
            sqlite_where=sa.text("status IN ('requested', 'invited')"),
            postgresql_where=sa.text("status IN ('requested', 'invited')"),
        )
        batch_op.drop_index("ix_invitee_rollout_status")
        batch_op.drop_index(batch_op.f("ix_invitee_batch_id"))

    op.drop_table("invitee")
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_csv_draft_status"))
        batch_op.drop_index(batch_op.f("ix_csv_draft_rollout_id"))

    op.drop_table("csv_draft")
    with op.batch_alter_table("invitation_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_batch_status"))
        batch_op.drop_index(batch_op.f("ix_invitation_batch_rollout_id"))

    op.drop_table("invitation_batch")
    op.drop_table("processed_event")
