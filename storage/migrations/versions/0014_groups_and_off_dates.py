"""personas from Slack user groups (rollout_member.kind), and a rollout's own non-working dates

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every member listed before groups existed is a person; the server default keeps them so.
    with op.batch_alter_table("rollout_member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                server_default="user",
                nullable=False,
            )
        )
    with op.batch_alter_table("rollout", schema=None) as batch_op:
        batch_op.add_column(sa.Column("off_dates", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("rollout", schema=None) as batch_op:
        batch_op.drop_column("off_dates")
    with op.batch_alter_table("rollout_member", schema=None) as batch_op:
        batch_op.drop_column("kind")
