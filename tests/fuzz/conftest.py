"""Every service (and the GSXT emulator) under uvicorn on loopback, wired to each other.

The fuzz run talks real HTTP to real processes-in-threads backed by the real test
databases, so a 5xx anywhere in the stack — a route, a middleware, a call to a sibling
service, PostgreSQL refusing a value — shows up as the 5xx it would be in production.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator

import pytest

from jcdev.services import SERVICE_NAMES
from jcdev.testing import TEST_JWT_SECRET, LiveServer, _truncate_all, free_port, service_settings


@pytest.fixture(scope="session")
def fuzz_servers(service_database_urls: dict[str, str]) -> Iterator[dict[str, str]]:
    """Base URL of each service and of the emulator (``gsxt``), all pointing at each other."""
    ports = {name: free_port() for name in (*SERVICE_NAMES, "gsxt")}
    urls = {f"{name}_url": f"http://127.0.0.1:{port}" for name, port in ports.items()}
    servers: list[LiveServer] = []
    try:
        for name in SERVICE_NAMES:
            app = importlib.import_module(f"{name}.main").create_app(
                service_settings(name, service_database_urls[name], **urls)
            )
            servers.append(LiveServer(app, ports[name]).start())
        from gsxt_emulator.main import EmulatorSettings
        from gsxt_emulator.main import create_app as create_emulator

        emulator = create_emulator(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET))
        servers.append(LiveServer(emulator, ports["gsxt"]).start())
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def fuzz_cleanup(service_database_urls: dict[str, str]) -> Iterator[None]:
    """Whatever the fuzzing wrote is emptied once, after the module (not after every case:
    a truncate per case would cost more than the fuzzing)."""
    yield

    async def truncate() -> None:
        await asyncio.gather(*(_truncate_all(u) for u in service_database_urls.values()))

    asyncio.run(truncate())
