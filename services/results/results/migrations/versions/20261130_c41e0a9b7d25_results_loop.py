"""results close the loop: tasks as approved, inspections with team and items, findings, history,
the result-category dictionary (seeded at run time with jointcheck.codes.result_categories' defaults), publications, follow-up cases

Revision ID: c41e0a9b7d25
Revises: 5b7e0c2d4a91
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c41e0a9b7d25"
down_revision: str | None = "5b7e0c2d4a91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_categories",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("names_department", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("exclusive", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="problem", nullable=False),
        sa.Column("single_choice", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("follow_up", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_result_categories")),
    )
    op.create_table(
        "result_tasks",
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=False),
        sa.Column("plan_name", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("draw_type", sa.String(length=16), nullable=False),
        sa.Column("lead_department", sa.String(length=16), nullable=False),
        sa.Column("departments", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("inspection_start", sa.Date(), nullable=False),
        sa.Column("inspection_end", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=64), nullable=False),
        sa.Column("checklist_version", sa.Integer(), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_problem", sa.Text(), nullable=True),
        sa.Column("completed_sent", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("published_sent", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_result_tasks")),
    )
    op.create_table(
        "findings",
        sa.Column("inspection_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_findings_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inspection_id", "position", name=op.f("pk_findings")),
    )
    op.create_table(
        "followup_cases",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("inspection_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18, collation="C"), nullable=False),
        sa.Column("item_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("rectify_by", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_followup_cases_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_cases")),
        sa.UniqueConstraint("inspection_id", "position", name="uq_followup_cases_inspection_position"),
    )
    op.create_index(op.f("ix_followup_cases_department"), "followup_cases", ["department"], unique=False)
    op.create_index(op.f("ix_followup_cases_inspection_id"), "followup_cases", ["inspection_id"], unique=False)
    op.create_index(op.f("ix_followup_cases_task_id"), "followup_cases", ["task_id"], unique=False)
    op.create_index(op.f("ix_followup_cases_uscc"), "followup_cases", ["uscc"], unique=False)
    op.create_table(
        "inspection_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("inspection_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_events_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_events")),
    )
    op.create_index(op.f("ix_inspection_events_inspection_id"), "inspection_events", ["inspection_id"], unique=False)
    op.create_table(
        "publications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("inspection_id", sa.UUID(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18, collation="C"), nullable=False),
        sa.Column("entity_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("departments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("receipt", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("outbox_event_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_publications_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("inspection_id", name=op.f("uq_publications_inspection_id")),
    )
    op.create_index(op.f("ix_publications_status"), "publications", ["status"], unique=False)
    op.create_index(op.f("ix_publications_task_id"), "publications", ["task_id"], unique=False)
    op.create_index(op.f("ix_publications_uscc"), "publications", ["uscc"], unique=False)
    op.create_table(
        "followup_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_department", sa.String(length=16), nullable=True),
        sa.Column("to_department", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["followup_cases.id"], name=op.f("fk_followup_events_case_id_followup_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_events")),
    )
    op.create_index(op.f("ix_followup_events_case_id"), "followup_events", ["case_id"], unique=False)
    op.add_column("inspections", sa.Column("objects_draw_id", sa.String(length=64), nullable=True))
    op.add_column(
        "inspections", sa.Column("team", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False)
    )
    op.add_column("inspections", sa.Column("lead_department", sa.String(length=16), nullable=True))
    op.add_column("inspections", sa.Column("no_team_reason", sa.Text(), nullable=True))
    op.add_column("inspections", sa.Column("checklist_id", sa.String(length=64), nullable=True))
    op.add_column("inspections", sa.Column("checklist_version", sa.Integer(), nullable=True))
    op.add_column(
        "inspections", sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False)
    )
    op.add_column(
        "inspections",
        sa.Column("categories", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )
    op.add_column("inspections", sa.Column("follow_up_measure", sa.Text(), nullable=True))
    op.add_column("inspections", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("inspections", sa.Column("submitted_by", sa.String(length=128), nullable=True))
    op.add_column("inspections", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("inspections", sa.Column("approved_by", sa.String(length=128), nullable=True))
    op.add_column("inspections", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column("inspections", sa.Column("late", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("inspections", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.alter_column("inspections", "draw_id", existing_type=sa.VARCHAR(length=64), nullable=True)
    op.create_index("ix_inspections_state_due_on", "inspections", ["state", "due_on"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM inspections WHERE draw_id IS NULL")
    op.drop_index("ix_inspections_state_due_on", table_name="inspections")
    op.alter_column("inspections", "draw_id", existing_type=sa.VARCHAR(length=64), nullable=False)
    op.drop_column("inspections", "version")
    op.drop_column("inspections", "late")
    op.drop_column("inspections", "due_on")
    op.drop_column("inspections", "approved_by")
    op.drop_column("inspections", "approved_at")
    op.drop_column("inspections", "submitted_by")
    op.drop_column("inspections", "submitted_at")
    op.drop_column("inspections", "follow_up_measure")
    op.drop_column("inspections", "categories")
    op.drop_column("inspections", "items")
    op.drop_column("inspections", "checklist_version")
    op.drop_column("inspections", "checklist_id")
    op.drop_column("inspections", "no_team_reason")
    op.drop_column("inspections", "lead_department")
    op.drop_column("inspections", "team")
    op.drop_column("inspections", "objects_draw_id")
    op.drop_index(op.f("ix_followup_events_case_id"), table_name="followup_events")
    op.drop_table("followup_events")
    op.drop_index(op.f("ix_publications_uscc"), table_name="publications")
    op.drop_index(op.f("ix_publications_task_id"), table_name="publications")
    op.drop_index(op.f("ix_publications_status"), table_name="publications")
    op.drop_table("publications")
    op.drop_index(op.f("ix_inspection_events_inspection_id"), table_name="inspection_events")
    op.drop_table("inspection_events")
    op.drop_index(op.f("ix_followup_cases_uscc"), table_name="followup_cases")
    op.drop_index(op.f("ix_followup_cases_task_id"), table_name="followup_cases")
    op.drop_index(op.f("ix_followup_cases_inspection_id"), table_name="followup_cases")
    op.drop_index(op.f("ix_followup_cases_department"), table_name="followup_cases")
    op.drop_table("followup_cases")
    op.drop_table("findings")
    op.drop_table("result_tasks")
    op.drop_table("result_categories")
