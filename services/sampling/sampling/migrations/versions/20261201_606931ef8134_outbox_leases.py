"""outbox leases: events are claimed for a while and delivered with no transaction open

Revision ID: 606931ef8134
Revises: 8e4c1b7a3f52
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v3_downgrade, outbox_v3_upgrade

revision: str = "606931ef8134"
down_revision: str | None = "8e4c1b7a3f52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v3_upgrade()


def downgrade() -> None:
    outbox_v3_downgrade()
