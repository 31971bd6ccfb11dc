"""Each service's Alembic tree: at head it matches the models, and it is reversible."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from jointcheck import migrations
from jointcheck.launcher import _drop_databases, _ensure_databases
from jointcheck.settings import SERVICE_NAMES
from jointcheck.testing import TEST_DB_PREFIX, database_url_for


async def _diff(url: str, metadata) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True, "compare_server_default": True}), metadata
                )
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_no_drift_between_models_and_migrations(service_database_urls, service):
    metadata = importlib.import_module(f"{service}.models").metadata
    assert await _diff(service_database_urls[service], metadata) == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_migrations_downgrade_to_base_and_up_again(pg_server_url, service):
    name = f"{TEST_DB_PREFIX}roundtrip_{service}"
    await _drop_databases(pg_server_url, [name])
    await _ensure_databases(pg_server_url, [name])
    url = database_url_for(pg_server_url, f"roundtrip_{service}")
    try:
        await asyncio.to_thread(migrations.upgrade, service, url)
        await asyncio.to_thread(migrations.downgrade, service, url, "base")
        await asyncio.to_thread(migrations.upgrade, service, url)
        engine = create_async_engine(url)
        assert await migrations.current_revision(engine) == migrations.head_revision(service)
        await engine.dispose()
    finally:
        await _drop_databases(pg_server_url, [name])
