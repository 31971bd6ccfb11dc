"""check items, industry checklists, annual plans and tasks (each with its versions or history)

Revision ID: cd757e88c7ee
Revises: 9cda33a86e50
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cd757e88c7ee"
down_revision: str | None = "9cda33a86e50"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "check_items",
        sa.Column("id", UUID, nullable=False),
        sa.Column("department", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_check_items"),
        sa.UniqueConstraint("department", "code", name="uq_check_items_department_code"),
    )
    op.create_table(
        "check_item_versions",
        sa.Column("item_id", UUID, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sub_items", postgresql.JSONB(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("methods", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("objects", sa.Text(), nullable=False),
        sa.Column("inspector_requirements", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.CheckConstraint("category IN ('general', 'key')", name="ck_check_item_versions_category"),
        sa.ForeignKeyConstraint(["item_id"], ["check_items.id"], name="fk_check_item_versions_item_id_check_items"),
        sa.PrimaryKeyConstraint("item_id", "version", name="pk_check_item_versions"),
    )

    op.create_table(
        "checklists",
        sa.Column("id", UUID, nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_checklists"),
    )
    op.create_table(
        "checklist_versions",
        sa.Column("checklist_id", UUID, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("industry_codes", postgresql.ARRAY(sa.String(8)), nullable=False),
        sa.Column("lead_department", sa.String(16), nullable=False),
        sa.Column("cooperating_departments", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("frequency_per_year", sa.Integer(), nullable=False),
        sa.Column("frequency_note", sa.String(200), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_id"], ["checklists.id"], name="fk_checklist_versions_checklist_id_checklists"
        ),
        sa.PrimaryKeyConstraint("checklist_id", "version", name="pk_checklist_versions"),
    )
    op.create_index("ix_checklist_versions_lead_department", "checklist_versions", ["lead_department"])
    op.create_table(
        "checklist_entries",
        sa.Column("checklist_id", UUID, nullable=False),
        sa.Column("checklist_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", UUID, nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_id", "checklist_version"],
            ["checklist_versions.checklist_id", "checklist_versions.version"],
            name="fk_checklist_entries_checklist_id_checklist_versions",
        ),
        sa.ForeignKeyConstraint(
            ["item_id", "item_version"],
            ["check_item_versions.item_id", "check_item_versions.version"],
            name="fk_checklist_entries_item_id_check_item_versions",
        ),
        sa.PrimaryKeyConstraint("checklist_id", "checklist_version", "position", name="pk_checklist_entries"),
    )

    op.create_table(
        "plans",
        sa.Column("id", UUID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("lead_department", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True)),
        sa.Column("filed_by", sa.String(128)),
        sa.Column("filed_late", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("published_by", sa.String(128)),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("year", "lead_department", name="uq_plans_year_lead_department"),
    )
    op.create_table(
        "plan_transitions",
        sa.Column("id", UUID, nullable=False),
        sa.Column("plan_id", UUID, nullable=False),
        sa.Column("from_state", sa.String(24)),
        sa.Column("to_state", sa.String(24), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_plan_transitions_plan_id_plans"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_transitions"),
    )
    op.create_index("ix_plan_transitions_plan_id", "plan_transitions", ["plan_id"])

    op.create_table(
        "tasks",
        sa.Column("id", UUID, nullable=False),
        sa.Column("plan_id", UUID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("checklist_id", UUID, nullable=False),
        sa.Column("checklist_version", sa.Integer(), nullable=False),
        sa.Column("lead_department", sa.String(16), nullable=False),
        sa.Column("departments", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("scope", postgresql.JSONB(), nullable=False),
        sa.Column("draw_type", sa.String(16), nullable=False),
        sa.Column("sampling_rules", postgresql.JSONB(), nullable=False),
        sa.Column("exclusion_days", sa.Integer(), nullable=False),
        sa.Column("team_rules", postgresql.JSONB(), nullable=False),
        sa.Column("experts", postgresql.JSONB(), nullable=False),
        sa.Column("inspection_start", sa.Date(), nullable=False),
        sa.Column("inspection_end", sa.Date(), nullable=False),
        sa.Column("executing_body", sa.String(200), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("objects_draw_id", sa.String(64)),
        sa.Column("teams_draw_id", sa.String(64)),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_tasks_plan_id_plans"),
        sa.ForeignKeyConstraint(
            ["checklist_id", "checklist_version"],
            ["checklist_versions.checklist_id", "checklist_versions.version"],
            name="fk_tasks_checklist_id_checklist_versions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_plan_id", "tasks", ["plan_id"])
    op.create_index("ix_tasks_state", "tasks", ["state"])
    op.create_table(
        "task_transitions",
        sa.Column("id", UUID, nullable=False),
        sa.Column("task_id", UUID, nullable=False),
        sa.Column("from_state", sa.String(24)),
        sa.Column("to_state", sa.String(24), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_task_transitions_task_id_tasks"),
        sa.PrimaryKeyConstraint("id", name="pk_task_transitions"),
    )
    op.create_index("ix_task_transitions_task_id", "task_transitions", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_transitions_task_id", table_name="task_transitions")
    op.drop_table("task_transitions")
    op.drop_index("ix_tasks_state", table_name="tasks")
    op.drop_index("ix_tasks_plan_id", table_name="tasks")
    op.drop_table("tasks")
    op.drop_index("ix_plan_transitions_plan_id", table_name="plan_transitions")
    op.drop_table("plan_transitions")
    op.drop_table("plans")
    op.drop_table("checklist_entries")
    op.drop_index("ix_checklist_versions_lead_department", table_name="checklist_versions")
    op.drop_table("checklist_versions")
    op.drop_table("checklists")
    op.drop_table("check_item_versions")
    op.drop_table("check_items")
