"""teams draws in rounds: a supplementary round completes the previous one; one active draw per task, kind and round

Revision ID: 8e4c1b7a3f52
Revises: 6c3e0f4a9b12
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8e4c1b7a3f52"
down_revision: str | None = "6c3e0f4a9b12"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("draws", sa.Column("round", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("draws", sa.Column("completes_draw_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_draws_round"), "draws", "round >= 1 AND (round = 1) = (completes_draw_id IS NULL)"
    )
    op.create_check_constraint(op.f("ck_draws_rounds_for_teams"), "draws", "round = 1 OR kind = 'teams'")
    op.drop_index("uq_draws_active_task_kind", table_name="draws")
    op.create_index(
        "uq_draws_active_task_kind_round",
        "draws",
        ["task_id", "kind", "round"],
        unique=True,
        postgresql_where=sa.text("status <> 'voided'"),
    )


def downgrade() -> None:
    # Supplementary rounds cannot be represented without rounds; never drop a draw silently.
    if op.get_bind().execute(sa.text("SELECT count(*) FROM draws WHERE round > 1")).scalar():
        raise RuntimeError("supplementary teams draws exist; export them before downgrading")
    op.drop_index("uq_draws_active_task_kind_round", table_name="draws")
    op.create_index(
        "uq_draws_active_task_kind",
        "draws",
        ["task_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status <> 'voided'"),
    )
    op.drop_constraint(op.f("ck_draws_rounds_for_teams"), "draws", type_="check")
    op.drop_constraint(op.f("ck_draws_round"), "draws", type_="check")
    op.drop_column("draws", "completes_draw_id")
    op.drop_column("draws", "round")
