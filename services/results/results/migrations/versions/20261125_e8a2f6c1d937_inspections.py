"""inspections (minimal form used by sampling)

Revision ID: e8a2f6c1d937
Revises: 3e98e6f9aa66
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e8a2f6c1d937"
down_revision: str | None = "3e98e6f9aa66"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("draw_id", sa.String(64), nullable=False),
        sa.Column("uscc", sa.String(18, collation="C"), nullable=False),
        sa.Column("inspectors", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("state", sa.String(16), server_default="assigned", nullable=False),
        sa.Column("inspected_on", sa.Date()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inspections"),
        sa.UniqueConstraint("task_id", "uscc", name="uq_inspections_task_id_uscc"),
    )
    op.create_index("ix_inspections_uscc_inspected_on", "inspections", ["uscc", "inspected_on"])
    op.create_index("ix_inspections_inspected_on", "inspections", ["inspected_on"])


def downgrade() -> None:
    op.drop_table("inspections")
