"""Bring the whole system up: database, migrations, five services and the GSXT emulator.

``make run`` calls ``python -m jointcheck.launcher run``; the e2e suite calls
:func:`start_stack` with its own ports and database names. Configuration:

* ``JC_DATABASE_URL`` — a PostgreSQL *server* URL (``postgresql://user:pw@host:5432/postgres``).
  Each service gets its own database on it (``jc_registry``…). Unset: an embedded
  PostgreSQL (the ``pgserver`` package) is started in ``.data/pg`` and kept between runs.
* ``JC_<SETTING>`` — read by every service unless ``<SERVICE>_<SETTING>`` is set
  (e.g. ``JC_JWT_SECRET``, ``JC_ENVIRONMENT``, ``JC_LOG_LEVEL``).
* ``JC_DEMO_DATA=0`` — do not load the demo county into an empty registry.
"""

from __future__ import annotations

import argparse
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

from jointcheck import migrations
from jointcheck.auth import mint_token
from jointcheck.db import asyncpg_url
from jointcheck.settings import DEFAULT_PORTS, DEV_JWT_SECRET, SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = ROOT / ".data"


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

    def database_url(self, service: str) -> str:
        url = make_url(asyncpg_url(self.server_url)).set(database=f"{self.db_prefix}{service}")
        return url.render_as_string(hide_password=False)

    def base_url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"


# ------------------------------------------------------------------ database


def embedded_server_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """Start (or reuse) the embedded PostgreSQL and return its server URL."""
    import pgserver  # imported lazily: only needed without a configured database

    pgdata = data_dir / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    _EMBEDDED.append(server)  # keep a reference: the server stops when the last handle goes
    return server.get_uri("postgres")


_EMBEDDED: list[object] = []


def configured_server_url() -> str | None:
    return os.environ.get("JC_DATABASE_URL") or None


async def _ensure_databases(server_url: str, names: Iterable[str]) -> None:
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


async def _drop_databases(server_url: str, names: Iterable[str]) -> None:
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
        asyncio.run(_drop_databases(cfg.server_url, names))
    asyncio.run(_ensure_databases(cfg.server_url, names))
    for service in cfg.services:
        migrations.upgrade(service, cfg.database_url(service))


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
    if service == "gsxt":
        app = "gsxt_emulator.main:create_app"
    else:
        app = f"{service}.main:create_app"
    return [
        sys.executable, "-m", "uvicorn", "--factory", app,
        "--host", cfg.host, "--port", str(cfg.ports[service]),
        "--no-access-log", "--timeout-graceful-shutdown", "5",
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
            cwd=str(ROOT),
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
        """Wait until each service's /readyz (the emulator's /healthz) answers 200."""
        pending = set(services or self.processes)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while pending:
                for service in list(pending):
                    proc = self.processes.get(service)
                    if proc is not None and proc.poll() is not None:
                        raise RuntimeError(f"{service} exited with status {proc.returncode} during start-up")
                    path = "/healthz" if service == "gsxt" else "/readyz"
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
    """Prepare the databases and start every service (and the GSXT emulator)."""
    prepare_databases(cfg, fresh=fresh)
    stack = Stack(cfg)
    names = list(cfg.services) + (["gsxt"] if cfg.with_gsxt else [])
    try:
        for name in names:
            stack.start(name)
        if wait:
            stack.wait_ready(names)
    except BaseException:
        stack.stop_all()
        raise
    return stack


# ------------------------------------------------------------------ CLI


def _dev_token(role: str, dept: str | None, subject: str | None = None) -> str:
    secret = os.environ.get("JC_JWT_SECRET", DEV_JWT_SECRET)
    return mint_token(secret, subject=subject or f"dev-{role}", roles=[role], dept=dept, name=f"开发用 {role}")


def cmd_run(args: argparse.Namespace) -> int:
    server_url = configured_server_url()
    if server_url:
        print(f"Using the configured PostgreSQL (JC_DATABASE_URL): {make_url(server_url).render_as_string(hide_password=True)}")
    else:
        print(f"No JC_DATABASE_URL: starting the embedded PostgreSQL in {DEFAULT_DATA_DIR / 'pg'} …")
        server_url = embedded_server_url()
    cfg = StackConfig(server_url=server_url, log_dir=None)
    prepare_databases(cfg)
    if os.environ.get("JC_DEMO_DATA", "1") != "0":
        _load_demo_data(cfg)
    stack = Stack(cfg)
    names = list(cfg.services) + ["gsxt"]
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name in names:
            stack.start(name)
        stack.wait_ready(names, timeout=90)
        print("\n=== 一业一查 joint inspection services are up ===")
        for name in names:
            label = "GSXT emulator (公示系统模拟器)" if name == "gsxt" else name
            print(f"  {label:<32} {cfg.base_url(name)}/docs")
        print("\nDev admin token (12 h) — paste into /docs → Authorize:")
        print(f"  {_dev_token('admin', None)}")
        print("Other roles: make token ROLE=officer DEPT=SCJG\nCtrl-C stops everything.\n")
        while not stopping:
            for name, proc in list(stack.processes.items()):
                if proc.poll() is not None:
                    print(f"{name} exited with status {proc.returncode}; stopping everything", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("\nStopping services …")
        stack.stop_all()
        print("Stopped. Data kept; `make run` again reuses it.")
    return 0


def _load_demo_data(cfg: StackConfig) -> None:
    """Load the demo county into an empty registry."""
    from registry.demo_loader import load_demo_if_empty

    asyncio.run(load_demo_if_empty(cfg.database_url("registry")))


def cmd_migrate(_: argparse.Namespace) -> int:
    server_url = configured_server_url() or embedded_server_url()
    prepare_databases(StackConfig(server_url=server_url))
    print("Every service database is at head.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    if args.role == "officer" and not args.dept:
        print("an officer token needs DEPT=<department code>", file=sys.stderr)
        return 2
    print(_dev_token(args.role, args.dept, args.subject))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jointcheck.launcher", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything (make run)").set_defaults(func=cmd_run)
    sub.add_parser("migrate", help="create and migrate every service database").set_defaults(func=cmd_migrate)
    tok = sub.add_parser("token", help="print a development token")
    tok.add_argument("--role", required=True, choices=["admin", "officer", "inspector", "auditor", "service"])
    tok.add_argument("--dept", default=None)
    tok.add_argument("--subject", default=None)
    tok.set_defaults(func=cmd_token)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
