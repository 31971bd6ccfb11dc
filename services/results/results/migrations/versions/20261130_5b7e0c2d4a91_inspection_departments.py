"""inspections know their task's departments and their team's departments (visibility)

Rows created before this revision get empty lists: until their teams draw is re-announced
they are visible only to admins, auditors, services and their team's inspectors, and only
admins and team members may record their visit — the safe side of the rule.

Revision ID: 5b7e0c2d4a91
Revises: 7d4f1a5b0c23
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5b7e0c2d4a91"
down_revision: str | None = "7d4f1a5b0c23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("departments", "team_departments")


def upgrade() -> None:
    for name in COLUMNS:
        # The default only fills existing rows; new rows always carry their departments.
        op.add_column(
            "inspections",
            sa.Column(name, postgresql.ARRAY(sa.String(16)), nullable=False, server_default=sa.text("'{}'")),
        )
        op.alter_column("inspections", name, server_default=None)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("inspections", name)
