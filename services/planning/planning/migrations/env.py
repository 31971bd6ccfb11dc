"""Alembic environment of the planning service (see jointcheck.migrations.run_env)."""

from alembic import context

from jointcheck.migrations import run_env
from planning.models import metadata

run_env(context, metadata)
