"""idempotency keys (Idempotency-Key on POSTs)

Revision ID: 9bbe9f8d7088
Revises: d41c7b2e9a53
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import idempotency_v1_downgrade, idempotency_v1_upgrade

revision: str = "9bbe9f8d7088"
down_revision: str | None = "d41c7b2e9a53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_v1_upgrade()


def downgrade() -> None:
    idempotency_v1_downgrade()
