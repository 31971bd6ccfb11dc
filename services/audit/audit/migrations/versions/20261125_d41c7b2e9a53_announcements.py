"""announcement register

Revision ID: d41c7b2e9a53
Revises: b424456d7bc8
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d41c7b2e9a53"
down_revision: str | None = "b424456d7bc8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("receipt_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("announcement_sha256", sa.String(64), nullable=False),
        sa.Column("announcement", sa.Text(), nullable=False),
        sa.Column("draw_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column(
            "registered_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False
        ),
        sa.Column("chain_seq", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("receipt_id", name="pk_announcements"),
        sa.UniqueConstraint("announcement_sha256", name="uq_announcements_announcement_sha256"),
    )
    op.create_index("ix_announcements_draw_id", "announcements", ["draw_id"])


def downgrade() -> None:
    op.drop_index("ix_announcements_draw_id", table_name="announcements")
    op.drop_table("announcements")
