"""invitation batches written in chunks: seats reserved while a large batch is being written

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitation_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seats_reserved", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("invitation_batch", schema=None) as batch_op:
        batch_op.drop_column("seats_reserved")
