"""E2E: every service as a real uvicorn process on loopback, started by the same
launcher ``make run`` uses, talking to each other over real HTTP. The tests call them through
the deployment's gateway: Debian's nginx on the project's own configuration
(``deploy/nginx/jointcheck.conf.template``, rendered by :mod:`jcdev.nginx`); the portal's
browser tests through the development gateway (:mod:`jcdev.gateway`) as ``make run`` serves it."""

from __future__ import annotations

import getpass
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from jcdev.nginx import Gateway, GatewayConfig
from jcdev.services import SERVICE_NAMES
from jcdev.stack import Stack, StackConfig, start_stack
from jcdev.testing import TEST_DB_PREFIX, TEST_JWT_SECRET, require_system_binary

_BASE = int(os.environ.get("JC_E2E_PORT_BASE", "18000"))
E2E_PORTS = {
    "gateway": _BASE,  # the development gateway: the portal and every service on one origin
    "registry": _BASE + 1,
    "planning": _BASE + 2,
    "sampling": _BASE + 3,
    "results": _BASE + 4,
    "audit": _BASE + 5,
    "gsxt": _BASE + 9,
}
NGINX_PORT = _BASE + 8  # the deployment's gateway (nginx) in front of the same services
NGINX = "/usr/sbin/nginx"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is fine
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def e2e_stack_config(server_url: str, *, ports: dict[str, int], db_prefix: str, log_dir: Path) -> StackConfig:
    """The e2e suite's services: test secret, quick outbox and witness schedules, small pools."""
    return StackConfig(
        server_url=server_url,
        ports=dict(ports),
        db_prefix=db_prefix,
        log_dir=log_dir,
        extra_env={
            "{PREFIX}ENVIRONMENT": "test",
            "{PREFIX}JWT_SECRET": TEST_JWT_SECRET,
            "{PREFIX}OUTBOX_POLL_INTERVAL": "0.1",
            "{PREFIX}OUTBOX_BACKOFF_BASE": "0.2",
            "{PREFIX}OUTBOX_BACKOFF_MAX": "1.0",
            "{PREFIX}LOG_LEVEL": "INFO",
            "{PREFIX}DB_POOL_SIZE": "4",  # the e2e stack shares the server with the in-process apps
            # the audit service replays every executed draw soon after it is made
            "{PREFIX}REPLAY_INTERVAL_SECONDS": "2",
            "{PREFIX}SCHEDULER_POLL_SECONDS": "0.5",
        },
    )


@pytest.fixture(scope="session")
def stack(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    busy = [p for p in E2E_PORTS.values() if not _port_free(p)]
    if busy:
        pytest.fail(f"e2e ports already in use: {busy}")
    cfg = e2e_stack_config(
        pg_server_url,
        ports=E2E_PORTS,
        db_prefix=TEST_DB_PREFIX.replace("test", "e2e", 1) if "test" in TEST_DB_PREFIX else TEST_DB_PREFIX + "e2e_",
        log_dir=tmp_path_factory.mktemp("e2e-logs"),
    )
    running = start_stack(cfg, fresh=True)
    try:
        yield running
    finally:
        running.stop_all()


def gateway_config(stack: Stack, workdir: Path, *, port: int, portal_root: Path, **settings: object) -> GatewayConfig:
    """The gateway in front of the e2e stack: its own files in ``workdir``; ``settings``
    override the deployment's (limits, upstreams)."""
    return GatewayConfig(
        upstreams={s: f"{stack.cfg.host}:{stack.cfg.ports[s]}" for s in SERVICE_NAMES},
        listen=f"127.0.0.1:{port}",
        portal_root=str(portal_root),
        temp_dir=str(workdir / "tmp"),
        error_log=str(workdir / "error.log"),
        access_log=str(workdir / "access.log"),
        worker_processes="1",
        user=getpass.getuser(),  # the files here are the test user's
        **settings,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def portal_root() -> Path:
    """What nginx serves at /portal/: the portal's pages as their package ships them."""
    import jcportal

    return Path(jcportal.STATIC_DIR)


@pytest.fixture(scope="session")
def nginx_gateway(stack: Stack, portal_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Debian's nginx on the project's gateway configuration, in front of the e2e stack. Its
    limits are the deployment's, loosened where the whole suite shares one client address
    (tests/e2e/test_gateway_e2e.py runs a second gateway with tight limits)."""
    nginx = require_system_binary(NGINX, "the e2e suite calls the services through the gateway")
    if not _port_free(NGINX_PORT):
        pytest.fail(f"gateway port already in use: {NGINX_PORT}")
    workdir = tmp_path_factory.mktemp("gateway")
    cfg = gateway_config(
        stack,
        workdir,
        port=NGINX_PORT,
        portal_root=portal_root,
        public_rate="200r/s",
        public_burst=400,
        unauthorized_rate="600r/m",
        unauthorized_burst=200,
    )
    running = Gateway(nginx, cfg, workdir).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def direct_urls(stack: Stack) -> dict[str, str]:
    """Each service's own address (what other services and the Prometheus scraper use)."""
    return {name: stack.cfg.base_url(name) for name in E2E_PORTS}


@pytest.fixture(scope="session")
def urls(nginx_gateway: Gateway, direct_urls: dict[str, str]) -> dict[str, str]:
    """Where the e2e tests call each service: through the deployment's gateway (nginx,
    ``/<service>``); the GSXT emulator, which stands in for an outside system, directly; and
    ``gateway``, the development gateway ``make run`` serves the portal with."""
    return {name: f"{nginx_gateway.url}/{name}" for name in SERVICE_NAMES} | {
        "gsxt": direct_urls["gsxt"],
        "gateway": direct_urls["gateway"],
    }


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def log_of(stack: Stack) -> Callable[[str], str]:
    def read(service: str) -> str:
        assert stack.cfg.log_dir is not None
        return (Path(stack.cfg.log_dir) / f"{service}.log").read_text(encoding="utf-8", errors="replace")

    return read


def eventually(check: Callable[[], object], *, timeout: float = 20.0, interval: float = 0.2) -> object:
    """Poll ``check`` until it returns a truthy value (or fail with the last value)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
