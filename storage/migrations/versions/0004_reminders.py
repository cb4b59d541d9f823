"""reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 22:56:13.868539
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_from", storage.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_approval_remind_from"), ["remind_from"], unique=False)

    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_from", storage.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_step_remind_from"), ["remind_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_remind_from"))
        batch_op.drop_column("remind_from")

    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_remind_from"))
        batch_op.drop_column("remind_from")
