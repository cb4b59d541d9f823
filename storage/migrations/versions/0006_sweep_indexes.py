"""sweep indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:43:44.926830
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index("ix_approval_status_remind_from", ["status", "remind_from"], unique=False)

    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.create_index("ix_step_state_remind_from", ["state", "remind_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_index("ix_step_state_remind_from")

    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index("ix_approval_status_remind_from")
