"""outbox leases: events are claimed for a while and delivered with no transaction open

Revision ID: 0c4076ced1ce
Revises: a7c3e91f5d20
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v3_downgrade, outbox_v3_upgrade

revision: str = "0c4076ced1ce"
down_revision: str | None = "a7c3e91f5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v3_upgrade()


def downgrade() -> None:
    outbox_v3_downgrade()
