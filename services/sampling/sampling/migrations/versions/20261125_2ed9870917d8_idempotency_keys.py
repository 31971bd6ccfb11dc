"""idempotency keys (Idempotency-Key on POSTs)

Revision ID: 2ed9870917d8
Revises: f19b3d5c7e21
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from jointcheck.migrations import idempotency_v1_downgrade, idempotency_v1_upgrade

revision: str = "2ed9870917d8"
down_revision: str | None = "f19b3d5c7e21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_v1_upgrade()


def downgrade() -> None:
    idempotency_v1_downgrade()
