"""inspectors, experts and recusals with full history (one row per version)

Revision ID: c5d7e2f4a9b1
Revises: b3e9f1a0c4d2
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c5d7e2f4a9b1"
down_revision: str | None = "b3e9f1a0c4d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _versioned_columns() -> list[sa.Column]:
    return [
        sa.Column("valid_from", sa.BigInteger(), nullable=False),
        sa.Column("valid_to", sa.BigInteger()),
        sa.Column("deleted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("changed_by", sa.String(128)),
        sa.Column("change_reason", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "inspectors",
        sa.Column("row_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("inspector_id", sa.String(32, collation="C"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("department", sa.String(16, collation="C"), nullable=False),
        sa.Column("certificate_no", sa.String(32), nullable=False),
        sa.Column("specialties", postgresql.ARRAY(sa.String(64)), server_default="{}", nullable=False),
        sa.Column("region", sa.String(6, collation="C"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        *_versioned_columns(),
        sa.PrimaryKeyConstraint("row_id", name="pk_inspectors"),
    )
    op.create_index(
        "uq_inspectors_current_id",
        "inspectors",
        ["inspector_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index("ix_inspectors_id_valid_from", "inspectors", ["inspector_id", "valid_from"])
    op.create_index(
        "uq_inspectors_current_certificate",
        "inspectors",
        ["certificate_no"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL AND NOT deleted"),
    )
    op.create_index(
        "ix_inspectors_current_department", "inspectors", ["department"], postgresql_where=sa.text("valid_to IS NULL")
    )

    op.create_table(
        "experts",
        sa.Column("row_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.String(32, collation="C"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64, collation="C"), nullable=False),
        sa.Column("organisation", sa.String(128), server_default="", nullable=False),
        sa.Column("title", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        *_versioned_columns(),
        sa.PrimaryKeyConstraint("row_id", name="pk_experts"),
    )
    op.create_index(
        "uq_experts_current_id", "experts", ["expert_id"], unique=True, postgresql_where=sa.text("valid_to IS NULL")
    )
    op.create_index("ix_experts_id_valid_from", "experts", ["expert_id", "valid_from"])

    op.create_table(
        "recusals",
        sa.Column("row_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("recusal_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("inspector_id", sa.String(32, collation="C"), nullable=False),
        sa.Column("uscc", sa.String(18, collation="C"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by", sa.String(128), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_until", sa.Date()),
        sa.Column("withdrawal_reason", sa.Text()),
        *_versioned_columns(),
        sa.CheckConstraint(
            "effective_until IS NULL OR effective_until >= effective_from", name="ck_recusals_period_ordered"
        ),
        sa.PrimaryKeyConstraint("row_id", name="pk_recusals"),
    )
    op.create_index(
        "uq_recusals_current_id", "recusals", ["recusal_id"], unique=True, postgresql_where=sa.text("valid_to IS NULL")
    )
    op.create_index("ix_recusals_id_valid_from", "recusals", ["recusal_id", "valid_from"])
    op.create_index(
        "ix_recusals_current_inspector", "recusals", ["inspector_id"], postgresql_where=sa.text("valid_to IS NULL")
    )
    op.create_index("ix_recusals_current_uscc", "recusals", ["uscc"], postgresql_where=sa.text("valid_to IS NULL"))


def downgrade() -> None:
    op.drop_table("recusals")
    op.drop_table("experts")
    op.drop_table("inspectors")
