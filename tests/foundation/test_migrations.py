"""Each service's Alembic tree: at head it matches the models, and it is reversible."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from jcdev.services import SERVICE_NAMES, migrations_location
from jcdev.stack import drop_databases, ensure_databases
from jcdev.testing import TEST_DB_PREFIX, database_url_for
from jointcheck import migrations


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
    await drop_databases(pg_server_url, [name])
    await ensure_databases(pg_server_url, [name])
    url = database_url_for(pg_server_url, f"roundtrip_{service}")
    location = migrations_location(service)
    try:
        await asyncio.to_thread(migrations.upgrade, location, url)
        await asyncio.to_thread(migrations.downgrade, location, url, "base")
        await asyncio.to_thread(migrations.upgrade, location, url)
        engine = create_async_engine(url)
        assert await migrations.current_revision(engine) == migrations.head_revision(location)
        await engine.dispose()
    finally:
        await drop_databases(pg_server_url, [name])


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_keeps_its_migrations_inside_its_package(service):
    package = importlib.import_module(service)
    location = migrations_location(service)
    assert location == package.MIGRATIONS and location.parent == Path(package.__file__).resolve().parent
    assert migrations.head_revision(location) is not None


def test_a_location_without_an_alembic_tree_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Alembic tree"):
        migrations.head_revision(tmp_path)


async def test_wait_returns_once_the_job_has_migrated(pg_server_url):
    """``python -m <service> wait``: what a pod's init container runs while the migrate job
    works — it fails after its timeout on an unmigrated database, and returns once at head."""
    import os
    import sys

    name = f"{TEST_DB_PREFIX}wait_audit"
    await drop_databases(pg_server_url, [name])
    await ensure_databases(pg_server_url, [name])
    url = database_url_for(pg_server_url, "wait_audit")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JC_")} | {"AUDIT_DATABASE_URL": url}
    command = [sys.executable, "-m", "audit", "wait", "--interval", "0.2", "--timeout"]

    async def start(timeout: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *command, timeout, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )

    try:
        early = await start("1")
        out = (await asyncio.wait_for(early.communicate(), 60))[0].decode()
        assert early.returncode == 1 and "not at head" in out, out
        waiting = await start("60")
        await asyncio.sleep(1.0)
        assert waiting.returncode is None  # still waiting: nothing migrated yet
        await asyncio.to_thread(migrations.upgrade, migrations_location("audit"), url)
        out = (await asyncio.wait_for(waiting.communicate(), 60))[0].decode()
        assert waiting.returncode == 0 and migrations.head_revision(migrations_location("audit")) in out, out
    finally:
        await drop_databases(pg_server_url, [name])
