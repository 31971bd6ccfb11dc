"""frames read the (uscc, valid_from) index alone: it carries valid_to, deleted and credit_class

A frame lists every entity of a scope as of a version in USCC order. With only (uscc, valid_from)
in the index, PostgreSQL visits every heap row for the other three columns: ten million entities
meant reading the whole 4 GB table. With them included, the frame is an index-only scan of about
a sixth of that (after VACUUM has marked the pages all-visible, as autovacuum does).

Revision ID: 3d7b9f2a6c15
Revises: 9e1191dc3d09
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3d7b9f2a6c15"
down_revision: str | None = "9e1191dc3d09"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_entities_uscc_valid_from", table_name="entities")
    op.create_index(
        "ix_entities_uscc_valid_from",
        "entities",
        ["uscc", "valid_from"],
        postgresql_include=["valid_to", "deleted", "credit_class"],
    )


def downgrade() -> None:
    op.drop_index("ix_entities_uscc_valid_from", table_name="entities")
    op.create_index("ix_entities_uscc_valid_from", "entities", ["uscc", "valid_from"])
