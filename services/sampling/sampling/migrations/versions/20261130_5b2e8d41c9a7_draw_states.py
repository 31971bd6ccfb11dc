"""draw kinds and statuses as database facts; an executed draw has its entropy and result

Revision ID: 5b2e8d41c9a7
Revises: 2ed9870917d8
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b2e8d41c9a7"
down_revision: str | None = "2ed9870917d8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_check_constraint(op.f("ck_draws_kind"), "draws", "kind IN ('objects', 'teams', 'experts')")
    op.create_check_constraint(
        op.f("ck_draws_status"), "draws", "status IN ('frozen', 'committed', 'executed', 'voided')"
    )
    op.create_check_constraint(
        op.f("ck_draws_executed_has_entropy"),
        "draws",
        "status <> 'executed' OR (entropy IS NOT NULL AND result_gz IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_draws_executed_has_entropy"), "draws", type_="check")
    op.drop_constraint(op.f("ck_draws_status"), "draws", type_="check")
    op.drop_constraint(op.f("ck_draws_kind"), "draws", type_="check")
