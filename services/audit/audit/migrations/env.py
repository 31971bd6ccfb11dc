"""Alembic environment of the audit service (see jointcheck.migrations.run_env)."""

from alembic import context

from jointcheck.migrations import run_env
from audit.models import metadata

run_env(context, metadata)
