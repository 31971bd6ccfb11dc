"""draws

Revision ID: f19b3d5c7e21
Revises: c74742e6ff4a
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f19b3d5c7e21"
down_revision: str | None = "c74742e6ff4a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draws",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("objects_draw_id", postgresql.UUID(as_uuid=True)),
        sa.Column("announcement", sa.Text(), nullable=False),
        sa.Column("announcement_sha256", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("entropy_source", sa.String(200), nullable=False),
        sa.Column("input_hashes", postgresql.JSONB(), nullable=False),
        sa.Column("inputs_gz", sa.LargeBinary(), nullable=False),
        sa.Column("context", postgresql.JSONB(), nullable=False),
        sa.Column("public_from", sa.Date(), nullable=False),
        sa.Column("receipt", postgresql.JSONB()),
        sa.Column("registered_at", sa.DateTime(timezone=True)),
        sa.Column("registration_error", sa.Text()),
        sa.Column("entropy", sa.Text()),
        sa.Column("entropy_at", sa.DateTime(timezone=True)),
        sa.Column("result_gz", sa.LargeBinary()),
        sa.Column("summary", postgresql.JSONB()),
        sa.Column("executed_at", sa.DateTime(timezone=True)),
        sa.Column("void_reason", sa.Text()),
        sa.Column("voided_at", sa.DateTime(timezone=True)),
        sa.Column("voided_by", sa.String(128)),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_draws"),
    )
    op.create_index(
        "uq_draws_active_task_kind",
        "draws",
        ["task_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status <> 'voided'"),
    )
    op.create_index("ix_draws_task_id", "draws", ["task_id"])


def downgrade() -> None:
    op.drop_table("draws")
