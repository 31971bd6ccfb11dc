"""Pytest fixtures shared by every service's tests (``pytest_plugins = ["jcdev.testing"]``).

* A real PostgreSQL for every run: ``JC_TEST_DATABASE_URL`` if set, else the local server
  on 127.0.0.1:5432 if it answers, else an embedded one (pgserver) in ``.data/pg-test``
  (``JC_DATA_DIR`` moves ``.data``).
  Databases are named ``jctest_<service>`` (``JC_TEST_DB_PREFIX`` changes the prefix).
* Each service's test database is dropped, created and migrated once per run.
* Each test is isolated: every table a test may have written is truncated after it.
* ``clients.registry`` … an ``httpx.AsyncClient`` per service over ``ASGITransport``.
* ``tokens.admin``, ``tokens.officer("SCJG")`` … bearer headers signed with the test secret.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
import uvicorn
from sqlalchemy.engine import make_url

from jcdev.services import SERVICE_NAMES, migrations_location
from jcdev.stack import data_dir, drop_databases, ensure_databases
from jointcheck import migrations
from jointcheck.auth import mint_token

# tests/registry/ and tests/planning/ are packages named like the services. Under
# --import-mode=importlib pytest binds such a package to the bare name ("planning") unless a
# module of that name is imported already; importing the services first keeps every
# service name bound to the service itself (``planning.MIGRATIONS`` included).
for _service in SERVICE_NAMES:
    importlib.import_module(_service)

TEST_JWT_SECRET = "test-secret-not-for-production-0123456789abcdef"
# Another prefix (and JC_E2E_PORT_BASE) lets two suites share one PostgreSQL server at once.
TEST_DB_PREFIX = os.environ.get("JC_TEST_DB_PREFIX", "jctest_")


def _local_server_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


_embedded: list[Any] = []


def resolve_test_server_url() -> str:
    """Configured URL, else the local server, else an embedded PostgreSQL."""
    configured = os.environ.get("JC_TEST_DATABASE_URL")
    if configured:
        return configured
    if _local_server_answers():
        try:
            asyncio.run(_probe("postgresql://postgres@127.0.0.1:5432/postgres"))
            return "postgresql://postgres@127.0.0.1:5432/postgres"
        except Exception:  # answers but refuses us: fall back to embedded
            pass
    import pgserver

    pgdata = data_dir() / "pg-test"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    _embedded.append(server)
    return server.get_uri("postgres")


async def _probe(url: str) -> None:
    conn = await asyncpg.connect(url, timeout=3)
    await conn.close()


def database_url_for(server_url: str, service: str, prefix: str = TEST_DB_PREFIX) -> str:
    return (
        make_url(server_url)
        .set(drivername="postgresql+asyncpg", database=f"{prefix}{service}")
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    return resolve_test_server_url()


@pytest.fixture(scope="session")
def service_database_urls(pg_server_url: str) -> dict[str, str]:
    """Fresh, migrated database per service for this run."""
    names = [f"{TEST_DB_PREFIX}{s}" for s in SERVICE_NAMES]
    asyncio.run(drop_databases(pg_server_url, names))
    asyncio.run(ensure_databases(pg_server_url, names))
    urls = {s: database_url_for(pg_server_url, s) for s in SERVICE_NAMES}
    for service, url in urls.items():
        migrations.upgrade(migrations_location(service), url)
    return urls


def service_settings(service: str, database_url: str, **overrides: Any) -> Any:
    """The service's own Settings class, pointed at its test database."""
    config = importlib.import_module(f"{service}.config")
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "jwt_secret": TEST_JWT_SECRET,
        "outbox_enabled": False,
        "log_json": True,
        "log_level": "WARNING",
        # Small pools: a run builds every service several times (in process, on loopback, in the
        # fuzz and matrix stacks) against one server whose max_connections is usually 100.
        "db_pool_size": 4,
    }
    if service == "audit":
        # Test apps run no background witness jobs (several apps share one database); tests
        # run the jobs themselves (audit.replays.scheduler.run_due_jobs).
        values["scheduler_enabled"] = False
    values.update(overrides)
    return config.Settings(**values)


@pytest.fixture(scope="session")
def apps(service_database_urls: dict[str, str]) -> dict[str, Any]:
    """One app per service, built once per run (no lifespan: no outbox dispatcher)."""
    built = {}
    for service in SERVICE_NAMES:
        main = importlib.import_module(f"{service}.main")
        built[service] = main.create_app(service_settings(service, service_database_urls[service]))
    return built


@dataclass
class Clients:
    registry: httpx.AsyncClient
    planning: httpx.AsyncClient
    sampling: httpx.AsyncClient
    results: httpx.AsyncClient
    audit: httpx.AsyncClient

    def __getitem__(self, name: str) -> httpx.AsyncClient:
        return getattr(self, name)


async def _truncate_all(url: str) -> None:
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def clean_databases(service_database_urls: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    """Isolation: after the test, every service table is emptied."""
    yield service_database_urls
    await asyncio.gather(*(_truncate_all(u) for u in service_database_urls.values()))


@pytest_asyncio.fixture
async def clients(apps: dict[str, Any], clean_databases: dict[str, str]) -> AsyncIterator[Clients]:
    opened = {
        s: httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[s]), base_url=f"http://{s}.test")
        for s in SERVICE_NAMES
    }
    try:
        yield Clients(**opened)
    finally:
        for c in opened.values():
            await c.aclose()


class Tokens:
    """Authorization headers for each role, signed with the test secret."""

    def __init__(self, secret: str = TEST_JWT_SECRET) -> None:
        self.secret = secret

    def header(self, role: str, dept: str | None = None, subject: str | None = None) -> dict[str, str]:
        token = mint_token(self.secret, subject=subject or f"test-{role}-{dept or 'x'}", roles=[role], dept=dept)
        return {"Authorization": f"Bearer {token}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.header("admin")

    @property
    def auditor(self) -> dict[str, str]:
        return self.header("auditor")

    @property
    def service(self) -> dict[str, str]:
        return self.header("service", subject="service:test")

    @property
    def inspector(self) -> dict[str, str]:
        return self.header("inspector")

    def officer(self, dept: str) -> dict[str, str]:
        return self.header("officer", dept)


@pytest.fixture(scope="session")
def tokens() -> Tokens:
    return Tokens()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on loopback in a background thread (its own event loop).

    Build the app for it afresh (``create_app(...)``): an app's engine belongs to one loop.
    """

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self.thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        self.server.should_exit = False
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread:
            self.thread.join(15)
        self.server.started = False


def require_system_binary(path: str, why: str) -> str:
    """The path of a system program a test drives (Chromium, nginx, promtool), which
    ``tools/system-packages.sh`` (``make test`` runs it) installs from Debian's archive.
    Missing outside CI, the test skips saying why; under ``CI=true`` it fails instead."""
    import shutil

    found = shutil.which(path) or (path if os.access(path, os.X_OK) else None)
    if found:
        return found
    message = f"{path} is not installed ({why}); `make system-packages` installs it (needs root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
