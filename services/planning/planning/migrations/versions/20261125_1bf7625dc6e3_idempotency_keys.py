"""idempotency keys (Idempotency-Key on POSTs)

Revision ID: 1bf7625dc6e3
Revises: cd757e88c7ee
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import idempotency_v1_downgrade, idempotency_v1_upgrade

revision: str = "1bf7625dc6e3"
down_revision: str | None = "cd757e88c7ee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_v1_upgrade()


def downgrade() -> None:
    idempotency_v1_downgrade()
