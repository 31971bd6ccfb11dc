"""Alembic environment of the audit service (see jointcheck.migrations.run_env)."""

from alembic import context

from audit.models import metadata
from jointcheck.migrations import run_env

run_env(context, metadata)
