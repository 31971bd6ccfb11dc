"""ordered outbox: events numbered as written, delivered in order per destination and key

Revision ID: 4f1a8c2e7d90
Revises: 23210c4a47b4
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v2_downgrade, outbox_v2_upgrade

revision: str = "4f1a8c2e7d90"
down_revision: str | None = "23210c4a47b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v2_upgrade()


def downgrade() -> None:
    outbox_v2_downgrade()
