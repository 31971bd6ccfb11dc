"""idempotency keys (Idempotency-Key on POSTs)

Revision ID: 958365d13a42
Revises: e8a2f6c1d937
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import idempotency_v1_downgrade, idempotency_v1_upgrade

revision: str = "958365d13a42"
down_revision: str | None = "e8a2f6c1d937"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_v1_upgrade()


def downgrade() -> None:
    idempotency_v1_downgrade()
