"""Test configuration: the platform fixtures (real PostgreSQL, per-service clients, tokens)."""

pytest_plugins = ["jointcheck.testing"]
