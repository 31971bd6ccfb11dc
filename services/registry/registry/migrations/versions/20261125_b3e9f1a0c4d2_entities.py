"""entities with full history (one row per version)

Revision ID: b3e9f1a0c4d2
Revises: 7a1c0e5d2b10
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b3e9f1a0c4d2"
down_revision: str | None = "7a1c0e5d2b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("row_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18, collation="C"), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("entity_type", sa.String(24), nullable=False),
        sa.Column("industry_code", sa.String(5, collation="C"), nullable=False),
        sa.Column("division_code", sa.String(6, collation="C"), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("registered_on", sa.Date()),
        sa.Column("credit_class", sa.String(1)),
        sa.Column("classified_at", sa.DateTime(timezone=True)),
        sa.Column("departments", postgresql.ARRAY(sa.String(16)), server_default="{}", nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(64)), server_default="{}", nullable=False),
        sa.Column("legacy_code", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("valid_from", sa.BigInteger(), nullable=False),
        sa.Column("valid_to", sa.BigInteger()),
        sa.Column("deleted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("changed_by", sa.String(128)),
        sa.Column("change_reason", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("row_id", name="pk_entities"),
    )
    op.create_index(
        "uq_entities_current_uscc", "entities", ["uscc"], unique=True, postgresql_where=sa.text("valid_to IS NULL")
    )
    op.create_index("ix_entities_uscc_valid_from", "entities", ["uscc", "valid_from"])
    op.create_index(
        "ix_entities_current_industry", "entities", ["industry_code"], postgresql_where=sa.text("valid_to IS NULL")
    )
    op.create_index(
        "ix_entities_current_division", "entities", ["division_code"], postgresql_where=sa.text("valid_to IS NULL")
    )


def downgrade() -> None:
    op.drop_table("entities")
