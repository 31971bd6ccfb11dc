"""Bring the whole system up: database, migrations, five services and the GSXT emulator.

``make run`` calls ``python -m jcdev run``; the e2e suite and the benchmarks call
:func:`start_stack` with their own ports and database names. Configuration:

* ``JC_DATABASE_URL`` — a PostgreSQL *server* URL (``postgresql://user:pw@host:5432/postgres``).
  Each service gets its own database on it (``jc_registry``…; ``JC_DB_PREFIX`` changes the
  prefix). Unset: an embedded PostgreSQL (the ``pgserver`` package) is started in
  ``.data/pg`` (``JC_DATA_DIR``) and kept between runs.
* ``JC_PORT_BASE`` — ports ``base+1`` … ``base+5`` and ``base+9`` instead of 8001 … 8009, and
  ``base`` for the development gateway (8000: the portal and every service on one origin).
* ``JC_<SETTING>`` — read by every service unless ``<SERVICE>_<SETTING>`` is set
  (e.g. ``JC_JWT_SECRET``, ``JC_ENVIRONMENT``, ``JC_LOG_LEVEL``).
* ``JC_DEMO_DATA=0`` — do not load the demo county into an empty registry.
* ``JC_WORKERS`` — uvicorn worker processes per service (default 1); every worker runs its own
  outbox dispatcher and pools (docs/architecture.md, "Several processes per service").
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from jcdev.services import DEFAULT_PORTS, SERVICE_NAMES, app_factory, migrations_location
from jointcheck import migrations
from jointcheck.db import asyncpg_url


def data_dir() -> Path:
    """Where development data lives (the embedded PostgreSQL): ``JC_DATA_DIR`` or ``./.data``."""
    return Path(os.environ.get("JC_DATA_DIR") or ".data").resolve()


@dataclass
class StackConfig:
    """Where the stack runs: ports, database names and extra environment."""

    server_url: str
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    db_prefix: str = "jc_"
    host: str = "127.0.0.1"
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    services: tuple[str, ...] = SERVICE_NAMES
    with_gsxt: bool = True
    #: start the development gateway (:mod:`jcdev.gateway`) too, when ``ports`` names one
    with_gateway: bool = True
    #: uvicorn worker processes per service (``JC_WORKERS``); each runs its own outbox dispatcher.
    workers: int = 1

    def process_names(self) -> list[str]:
        """What :func:`start_stack` starts: the services, the emulator, the gateway (in that order)."""
        names = list(self.services) + (["gsxt"] if self.with_gsxt else [])
        return names + (["gateway"] if self.with_gateway and "gateway" in self.ports else [])

    def database_url(self, service: str) -> str:
        url = make_url(asyncpg_url(self.server_url)).set(database=f"{self.db_prefix}{service}")
        return url.render_as_string(hide_password=False)

    def base_url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"


# ------------------------------------------------------------------ database


def embedded_server_url(pgdata: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL in ``pgdata`` and return its server URL."""
    import pgserver  # imported lazily: only needed without a configured database

    pgdata = pgdata or data_dir() / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    _EMBEDDED.append(server)  # keep a reference: the server stops when the last handle goes
    return server.get_uri("postgres")


_EMBEDDED: list[object] = []


def configured_server_url() -> str | None:
    return os.environ.get("JC_DATABASE_URL") or None


async def ensure_databases(server_url: str, names: Iterable[str]) -> None:
    u = make_url(server_url).set(drivername="postgresql", database="postgres")
    dsn = u.render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_databases(server_url: str, names: Iterable[str]) -> None:
    u = make_url(server_url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(u.render_as_string(hide_password=False))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def prepare_databases(cfg: StackConfig, *, fresh: bool = False) -> None:
    """Create each service's database if missing (dropping it first if ``fresh``) and migrate."""
    names = [f"{cfg.db_prefix}{s}" for s in cfg.services]
    if fresh:
        asyncio.run(drop_databases(cfg.server_url, names))
    asyncio.run(ensure_databases(cfg.server_url, names))
    for service in cfg.services:
        migrations.upgrade(migrations_location(service), cfg.database_url(service))


# ------------------------------------------------------------------ processes


def service_env(cfg: StackConfig, service: str) -> dict[str, str]:
    """Environment of one service process (``JC_*`` settings are read by every service)."""
    env = {k: v for k, v in os.environ.items() if k != "JC_DATABASE_URL"}
    prefix = service.upper() + "_"
    env[prefix + "DATABASE_URL"] = cfg.database_url(service)
    for other in (*SERVICE_NAMES, "gsxt"):
        if other in cfg.ports:
            env[f"{prefix}{other.upper()}_URL"] = cfg.base_url(other)
    env.update({k.replace("{PREFIX}", prefix): v for k, v in cfg.extra_env.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def service_command(cfg: StackConfig, service: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app_factory(service),
        "--host",
        cfg.host,
        "--port",
        str(cfg.ports[service]),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
        *(["--workers", str(cfg.workers)] if cfg.workers > 1 and service != "gsxt" else []),
    ]


@dataclass
class Stack:
    """Running service processes."""

    cfg: StackConfig
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, service: str) -> subprocess.Popen:
        log = None
        if self.cfg.log_dir:
            self.cfg.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.cfg.log_dir / f"{service}.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            service_command(self.cfg, service),
            env=service_env(self.cfg, service),
            stdout=log or None,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
        )
        self.processes[service] = proc
        return proc

    def stop(self, service: str, timeout: float = 10) -> None:
        proc = self.processes.pop(service, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        for service in list(self.processes):
            self.stop(service)

    def wait_ready(self, services: Iterable[str] | None = None, timeout: float = 60) -> None:
        """Wait until each service's /readyz (the emulator's /healthz, the gateway's /portal/) answers 200."""
        pending = set(services or self.processes)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while pending:
                for service in list(pending):
                    proc = self.processes.get(service)
                    if proc is not None and proc.poll() is not None:
                        raise RuntimeError(f"{service} exited with status {proc.returncode} during start-up")
                    path = {"gsxt": "/healthz", "gateway": "/portal/"}.get(service, "/readyz")
                    try:
                        if client.get(self.cfg.base_url(service) + path).status_code == 200:
                            pending.discard(service)
                    except httpx.HTTPError:
                        pass
                if pending:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"not ready after {timeout}s: {sorted(pending)}")
                    time.sleep(0.2)


def start_stack(cfg: StackConfig, *, fresh: bool = False, wait: bool = True) -> Stack:
    """Prepare the databases and start every service (and the GSXT emulator, and the gateway)."""
    prepare_databases(cfg, fresh=fresh)
    stack = Stack(cfg)
    names = cfg.process_names()
    try:
        for name in names:
            stack.start(name)
        if wait:
            stack.wait_ready(names)
    except BaseException:
        stack.stop_all()
        raise
    return stack
