"""CSV drafts: when the report of a draft's unusable rows was queued, so a second click uploads nothing

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_sent_at", storage.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("csv_draft", schema=None) as batch_op:
        batch_op.drop_column("report_sent_at")
