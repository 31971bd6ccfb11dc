"""team rounds (supplementary teams draws), amendments of a task's team rules, cancelled check items

Revision ID: 7d3f0a9c2e41
Revises: 5b2d9e3f8a01
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d3f0a9c2e41"
down_revision: str | None = "5b2d9e3f8a01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_team_rounds",
        sa.Column("task_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("round", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("draw_id", sa.String(length=64), nullable=False),
        sa.Column("completes_draw_id", sa.String(length=64), nullable=True),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("unassigned", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_task_team_rounds_task_id_tasks"),
        sa.PrimaryKeyConstraint("task_id", "round", name="pk_task_team_rounds"),
    )
    op.create_table(
        "task_amendments",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("task_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_task_amendments_task_id_tasks"),
        sa.PrimaryKeyConstraint("id", name="pk_task_amendments"),
    )
    op.create_index("ix_task_amendments_task_id", "task_amendments", ["task_id"])
    op.add_column("check_items", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("check_items", sa.Column("cancelled_by", sa.String(length=128), nullable=True))
    op.add_column("check_items", sa.Column("cancel_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("check_items", "cancel_reason")
    op.drop_column("check_items", "cancelled_by")
    op.drop_column("check_items", "cancelled_at")
    op.drop_index("ix_task_amendments_task_id", table_name="task_amendments")
    op.drop_table("task_amendments")
    op.drop_table("task_team_rounds")
