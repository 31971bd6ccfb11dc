"""Alembic environment of the sampling service (see jointcheck.migrations.run_env)."""

from alembic import context

from jointcheck.migrations import run_env
from sampling.models import metadata

run_env(context, metadata)
