"""Alembic environment of the registry service (see jointcheck.migrations.run_env)."""

from alembic import context

from jointcheck.migrations import run_env
from registry.models import metadata

run_env(context, metadata)
