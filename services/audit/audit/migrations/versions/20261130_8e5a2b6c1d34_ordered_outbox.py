"""ordered outbox: events numbered as written, delivered in order per destination and key

Revision ID: 8e5a2b6c1d34
Revises: 9bbe9f8d7088
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v2_downgrade, outbox_v2_upgrade

revision: str = "8e5a2b6c1d34"
down_revision: str | None = "9bbe9f8d7088"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v2_upgrade()


def downgrade() -> None:
    outbox_v2_downgrade()
