"""Sampling service: draw-v1 verifiable draws of entities, inspection teams and experts, with commit-reveal and public bundles."""

from pathlib import Path

#: This service's Alembic tree, shipped inside the package (package data): pass it to
#: ``jointcheck.migrations`` and ``create_service_app``.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
