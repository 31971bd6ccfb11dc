"""Registry service: Directories every draw is taken from: departments, market entities (with full history), inspectors, experts, recusals; canonical draw-v1 frames as of any registry version."""

from pathlib import Path

#: This service's Alembic tree, shipped inside the package (package data): pass it to
#: ``jointcheck.migrations`` and ``create_service_app``.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: The version of this service's API contract (docs/api/registry.json, CHANGELOG.md): a breaking change
#: bumps it (the minor version while 0.x), `make api-snapshot` refuses it otherwise.
API_VERSION = "0.2.0"
