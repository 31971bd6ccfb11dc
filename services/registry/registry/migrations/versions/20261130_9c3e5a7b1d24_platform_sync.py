"""platform sync: entities know their source; the feed cursor and sync runs

Revision ID: 9c3e5a7b1d24
Revises: 4f1a8c2e7d90
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9c3e5a7b1d24"
down_revision: str | None = "4f1a8c2e7d90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("entities", sa.Column("source", sa.String(16), server_default="local", nullable=False))
    op.create_table(
        "platform_sync_state",
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("newest_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_platform_sync_state")),
    )
    op.create_table(
        "platform_sync_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cursor_from", sa.BigInteger(), nullable=False),
        sa.Column("cursor_to", sa.BigInteger(), nullable=False),
        sa.Column("newest_seq", sa.BigInteger(), server_default="0", nullable=False),
        *(
            sa.Column(c, sa.Integer(), server_default="0", nullable=False)
            for c in (
                "pages",
                "pulled",
                "inserted",
                "updated",
                "deregistered",
                "classes_changed",
                "unchanged",
                "rejected",
            )
        ),
        sa.Column("rejects", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("versions", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_sync_runs")),
    )


def downgrade() -> None:
    op.drop_table("platform_sync_runs")
    op.drop_table("platform_sync_state")
    op.drop_column("entities", "source")
