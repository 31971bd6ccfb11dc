"""ordered outbox: events numbered as written, delivered in order per destination and key

Revision ID: 5b2d9e3f8a01
Revises: 1bf7625dc6e3
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v2_downgrade, outbox_v2_upgrade

revision: str = "5b2d9e3f8a01"
down_revision: str | None = "1bf7625dc6e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v2_upgrade()


def downgrade() -> None:
    outbox_v2_downgrade()
