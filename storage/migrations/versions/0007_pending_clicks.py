"""pending clicks: buttons acknowledged at once and acted on by the click worker

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_click",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("response_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("from_home", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_click", schema=None) as batch_op:
        batch_op.create_index("ix_pending_click_due", ["not_before"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_click", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_click_due")
    op.drop_table("pending_click")
