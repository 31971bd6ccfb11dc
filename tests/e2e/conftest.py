"""E2E: every service as a real uvicorn process on loopback, started by the same
launcher ``make run`` uses, talking to each other over real HTTP, with the development
gateway (the portal and every service on one origin) in front."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from jcdev.stack import Stack, StackConfig, start_stack
from jcdev.testing import TEST_DB_PREFIX, TEST_JWT_SECRET

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


@pytest.fixture(scope="session")
def stack(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    busy = [p for p in E2E_PORTS.values() if not _port_free(p)]
    if busy:
        pytest.fail(f"e2e ports already in use: {busy}")
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    cfg = StackConfig(
        server_url=pg_server_url,
        ports=dict(E2E_PORTS),
        db_prefix=TEST_DB_PREFIX.replace("test", "e2e", 1) if "test" in TEST_DB_PREFIX else TEST_DB_PREFIX + "e2e_",
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
    running = start_stack(cfg, fresh=True)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="session")
def urls(stack: Stack) -> dict[str, str]:
    return {name: stack.cfg.base_url(name) for name in E2E_PORTS}


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
