"""acted submissions: a modal submission retried or replayed acts once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acted_submission",
        sa.Column("view_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("callback_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("acted_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("view_id"),
    )


def downgrade() -> None:
    op.drop_table("acted_submission")
