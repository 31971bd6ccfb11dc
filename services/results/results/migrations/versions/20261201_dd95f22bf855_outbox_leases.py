"""outbox leases: events are claimed for a while and delivered with no transaction open

Revision ID: dd95f22bf855
Revises: c41e0a9b7d25
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v3_downgrade, outbox_v3_upgrade

revision: str = "dd95f22bf855"
down_revision: str | None = "c41e0a9b7d25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v3_upgrade()


def downgrade() -> None:
    outbox_v3_downgrade()
