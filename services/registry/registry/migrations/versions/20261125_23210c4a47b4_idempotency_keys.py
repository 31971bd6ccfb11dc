"""idempotency keys (Idempotency-Key on POSTs)

Revision ID: 23210c4a47b4
Revises: c5d7e2f4a9b1
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import idempotency_v1_downgrade, idempotency_v1_upgrade

revision: str = "23210c4a47b4"
down_revision: str | None = "c5d7e2f4a9b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_v1_upgrade()


def downgrade() -> None:
    idempotency_v1_downgrade()
