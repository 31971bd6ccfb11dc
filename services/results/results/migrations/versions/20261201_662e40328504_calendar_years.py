"""calendar years: holiday schedules operators load for years the chinesecalendar package does not know

Revision ID: 662e40328504
Revises: dd95f22bf855
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "662e40328504"
down_revision: str | None = "dd95f22bf855"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("days_off", postgresql.ARRAY(sa.Date()), nullable=False),
        sa.Column("makeup_workdays", postgresql.ARRAY(sa.Date()), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("loaded_by", sa.String(300), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("year BETWEEN 1900 AND 2200", name="ck_calendar_years_year_range"),
        sa.CheckConstraint("origin IN ('api', 'file')", name="ck_calendar_years_origin"),
        sa.PrimaryKeyConstraint("year", name="pk_calendar_years"),
    )


def downgrade() -> None:
    op.drop_table("calendar_years")
