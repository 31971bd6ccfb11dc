"""outbox leases: events are claimed for a while and delivered with no transaction open

Revision ID: 9e1191dc3d09
Revises: 9c3e5a7b1d24
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v3_downgrade, outbox_v3_upgrade

revision: str = "9e1191dc3d09"
down_revision: str | None = "9c3e5a7b1d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v3_upgrade()


def downgrade() -> None:
    outbox_v3_downgrade()
