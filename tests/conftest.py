"""Test configuration: the platform fixtures (real PostgreSQL, per-service clients, tokens)."""

import os

from hypothesis import settings

pytest_plugins = ["jcdev.testing"]

# CI runs property tests with a fixed seed, so a red run is reproducible and not luck;
# developers get fresh random examples each run.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
