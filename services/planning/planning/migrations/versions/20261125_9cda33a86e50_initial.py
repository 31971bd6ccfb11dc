"""initial: transactional outbox and inbox

Revision ID: 9cda33a86e50
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v1_downgrade, outbox_v1_upgrade

revision: str = "9cda33a86e50"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v1_upgrade()


def downgrade() -> None:
    outbox_v1_downgrade()
