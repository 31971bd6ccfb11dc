"""Alembic environment of the results service (see jointcheck.migrations.run_env)."""

from alembic import context

from jointcheck.migrations import run_env
from results.models import metadata

run_env(context, metadata)
