"""drop ix_step_runs_execution_id: the unique (execution_id, step_id, attempt) index
already serves look-ups by execution, and every step run paid for both

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 19:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("step_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_runs_execution_id"))


def downgrade() -> None:
    with op.batch_alter_table("step_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_step_runs_execution_id"), ["execution_id"], unique=False
        )
