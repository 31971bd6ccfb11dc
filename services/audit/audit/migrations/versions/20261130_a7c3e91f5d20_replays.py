"""replays, chain verifications, scheduler leases, per-record history indexes

Revision ID: a7c3e91f5d20
Revises: 8e5a2b6c1d34
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a7c3e91f5d20"
down_revision: str | None = "8e5a2b6c1d34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replays",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("draw_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("failed_check", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("checks", postgresql.JSONB(), nullable=False),
        sa.Column("registry_version", sa.BigInteger(), nullable=True),
        sa.Column("announcement_sha256", sa.String(64), nullable=True),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_replays"),
    )
    op.create_index("ix_replays_draw_id_finished_at", "replays", ["draw_id", "finished_at"])
    op.create_index("ix_replays_task_id", "replays", ["task_id"])
    op.create_index("ix_replays_finished_at_id", "replays", ["finished_at", "id"])
    op.create_table(
        "chain_verifications",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("first_broken_seq", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chain_verifications"),
    )
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_scheduler_leases"),
    )
    op.create_index("ix_audit_events_object_id", "audit_events", ["object_id"])
    op.create_index("ix_audit_events_data_task_id", "audit_events", [sa.text("(data ->> 'task_id')")])
    op.create_index("ix_audit_events_data_draw_id", "audit_events", [sa.text("(data ->> 'draw_id')")])


def downgrade() -> None:
    op.drop_index("ix_audit_events_data_draw_id", table_name="audit_events")
    op.drop_index("ix_audit_events_data_task_id", table_name="audit_events")
    op.drop_index("ix_audit_events_object_id", table_name="audit_events")
    op.drop_table("scheduler_leases")
    op.drop_table("chain_verifications")
    op.drop_index("ix_replays_finished_at_id", table_name="replays")
    op.drop_index("ix_replays_task_id", table_name="replays")
    op.drop_index("ix_replays_draw_id_finished_at", table_name="replays")
    op.drop_table("replays")
