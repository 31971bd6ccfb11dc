"""outbox leases: events are claimed for a while and delivered with no transaction open

Revision ID: dee289bf6ab4
Revises: 7d3f0a9c2e41
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from jointcheck.migrations import outbox_v3_downgrade, outbox_v3_upgrade

revision: str = "dee289bf6ab4"
down_revision: str | None = "7d3f0a9c2e41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_v3_upgrade()


def downgrade() -> None:
    outbox_v3_downgrade()
