"""ordered outbox: events numbered as written, delivered in order per destination and key

Revision ID: 6c3e0f4a9b12
Revises: 5b2e8d41c9a7
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v2_downgrade, outbox_v2_upgrade

revision: str = "6c3e0f4a9b12"
down_revision: str | None = "5b2e8d41c9a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v2_upgrade()


def downgrade() -> None:
    outbox_v2_downgrade()
