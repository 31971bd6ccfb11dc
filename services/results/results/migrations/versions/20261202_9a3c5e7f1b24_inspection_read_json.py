"""inspections.read_json: each inspection rendered as the list sends it, kept by a trigger

The inspection list page sent PostgreSQL's rendering of every row, built per request (about
30 µs a row for the team, items and categories arrays). The rendering is now stored with the
row: a ``BEFORE INSERT OR UPDATE`` trigger writes it in the statement that writes the row, so
no write path — ORM, bulk upsert, raw SQL — can leave it stale. Existing rows are rendered here.

Revision ID: 9a3c5e7f1b24
Revises: 662e40328504
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a3c5e7f1b24"
down_revision: str | None = "662e40328504"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# results.inspections.repository.read_json_function_body() as of this revision (InspectionRead
# then); a later schema change replaces the function in its own migration.
BODY = "\nBEGIN\n  NEW.read_json := (SELECT row_to_json(r)::text FROM (SELECT NEW.id AS \"id\", NEW.task_id AS \"task_id\", NEW.objects_draw_id AS \"objects_draw_id\", NEW.draw_id AS \"draw_id\", NEW.uscc AS \"uscc\", NEW.inspectors AS \"inspectors\", coalesce((SELECT '[' || string_agg('{\"inspector\":' || coalesce((e.v->'inspector')::text, 'null') || ',\"department\":' || coalesce((e.v->'department')::text, 'null') || '}', ',' ORDER BY e.ord) || ']' FROM jsonb_array_elements(NEW.team) WITH ORDINALITY AS e(v, ord)), '[]')::json AS \"team\", NEW.lead_department AS \"lead_department\", NEW.departments AS \"departments\", NEW.team_departments AS \"team_departments\", NEW.state AS \"state\", NEW.no_team_reason AS \"no_team_reason\", NEW.checklist_id AS \"checklist_id\", NEW.checklist_version AS \"checklist_version\", coalesce((SELECT '[' || string_agg('{\"position\":' || coalesce((e.v->'position')::text, 'null') || ',\"item_id\":' || coalesce((e.v->'item_id')::text, 'null') || ',\"item_version\":' || coalesce((e.v->'item_version')::text, 'null') || ',\"department\":' || coalesce((e.v->'department')::text, 'null') || ',\"code\":' || coalesce((e.v->'code')::text, 'null') || ',\"name\":' || coalesce((e.v->'name')::text, 'null') || ',\"legal_basis\":' || coalesce((e.v->'legal_basis')::text, '\"\"') || ',\"content\":' || coalesce((e.v->'content')::text, '\"\"') || ',\"methods\":' || coalesce(CASE WHEN e.v->'methods' IS NULL THEN NULL ELSE array_to_json(ARRAY(SELECT jsonb_array_elements_text(e.v->'methods')))::text END, '[]') || '}', ',' ORDER BY e.ord) || ']' FROM jsonb_array_elements(NEW.items) WITH ORDINALITY AS e(v, ord)), '[]')::json AS \"items\", NEW.checklist_id IS NULL AS \"items_pending\", NEW.inspected_on AS \"inspected_on\", coalesce((SELECT '[' || string_agg('{\"code\":' || coalesce((e.v->'code')::text, 'null') || ',\"department\":' || coalesce((e.v->'department')::text, 'null') || '}', ',' ORDER BY e.ord) || ']' FROM jsonb_array_elements(NEW.categories) WITH ORDINALITY AS e(v, ord)), '[]')::json AS \"categories\", NEW.follow_up_measure AS \"follow_up_measure\", CASE WHEN NEW.submitted_at IS NULL THEN NULL ELSE to_char((NEW.submitted_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', NEW.submitted_at) = NEW.submitted_at THEN '' ELSE to_char((NEW.submitted_at AT TIME ZONE 'UTC'), '.US') END || 'Z' END AS \"submitted_at\", CASE WHEN NEW.approved_at IS NULL THEN NULL ELSE to_char((NEW.approved_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', NEW.approved_at) = NEW.approved_at THEN '' ELSE to_char((NEW.approved_at AT TIME ZONE 'UTC'), '.US') END || 'Z' END AS \"approved_at\", NEW.due_on AS \"due_on\", NEW.late AS \"late\", CASE WHEN NEW.created_at IS NULL THEN NULL ELSE to_char((NEW.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', NEW.created_at) = NEW.created_at THEN '' ELSE to_char((NEW.created_at AT TIME ZONE 'UTC'), '.US') END || 'Z' END AS \"created_at\") r);\n  RETURN NEW;\nEND\n"


def upgrade() -> None:
    op.add_column("inspections", sa.Column("read_json", sa.Text(), nullable=True))
    op.execute("CREATE FUNCTION inspections_read_json() RETURNS trigger LANGUAGE plpgsql AS $body$" + BODY + "$body$")
    op.execute(
        "CREATE TRIGGER inspections_read_json BEFORE INSERT OR UPDATE ON inspections "
        "FOR EACH ROW EXECUTE FUNCTION inspections_read_json()"
    )
    op.execute("UPDATE inspections SET read_json = NULL")  # the trigger renders every row
    op.alter_column("inspections", "read_json", nullable=False)


def downgrade() -> None:
    op.execute("DROP TRIGGER inspections_read_json ON inspections")
    op.execute("DROP FUNCTION inspections_read_json()")
    op.drop_column("inspections", "read_json")
