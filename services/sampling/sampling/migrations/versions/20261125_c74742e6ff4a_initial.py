"""initial: transactional outbox and inbox

Revision ID: c74742e6ff4a
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v1_downgrade, outbox_v1_upgrade

revision: str = "c74742e6ff4a"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v1_upgrade()


def downgrade() -> None:
    outbox_v1_downgrade()
