"""ordered outbox: events numbered as written, delivered in order per destination and key

Revision ID: 7d4f1a5b0c23
Revises: 958365d13a42
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v2_downgrade, outbox_v2_upgrade

revision: str = "7d4f1a5b0c23"
down_revision: str | None = "958365d13a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v2_upgrade()


def downgrade() -> None:
    outbox_v2_downgrade()
