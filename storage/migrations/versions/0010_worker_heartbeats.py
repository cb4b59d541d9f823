"""leased queues held by heartbeating processes: worker_process, claimed_by instead of claimed_until

A claim used to last a fixed lease (claimed_until); it now names the worker_process holding it, and is
free once that process stops heartbeating (bot/platform/leases.py). CSV drafts get the not_before the other
queues have, which their back-off used to borrow claimed_until for.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUES = ("outbox", "pending_click", "csv_draft")


def upgrade() -> None:
    op.create_table(
        "worker_process",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        # Never reuse an id: a new process must not look like the holder of a gone one's claims.
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", storage.db.UTCDateTime(timezone=True), nullable=True))
    # A draft backing off kept its wait in claimed_until; a draft claimed by a process of the old version
    # is free now (no process of the old version runs while the schema changes).
    op.execute(
        "UPDATE csv_draft SET not_before = CASE WHEN claimed_until IS NOT NULL AND claimed_until > created_at "
        "THEN claimed_until ELSE created_at END"
    )
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.alter_column(
            "not_before", existing_type=storage.db.UTCDateTime(timezone=True), nullable=False
        )
    for table in QUEUES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
            batch_op.drop_column("claimed_until")


def downgrade() -> None:
    for table in QUEUES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("claimed_until", storage.db.UTCDateTime(timezone=True), nullable=True)
            )
            batch_op.drop_column("claimed_by")
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.drop_column("not_before")
    op.drop_table("worker_process")
