"""Fixtures for platform-library tests: a probe app built with the real factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text

import registry
from jcdev.testing import LiveServer, service_settings
from jointcheck.app import create_service_app
from jointcheck.auth import Writer
from jointcheck.db import Session
from jointcheck.errors import Conflict
from jointcheck.outbox import enqueue_event

probe = APIRouter(prefix="/v1/probe")


class ProbeBody(BaseModel):
    name: str = Field(min_length=2)
    count: int = Field(ge=0)
    fail: bool = False


@probe.post("", status_code=201)
async def probe_write(body: ProbeBody, session: Session, _user: Writer) -> dict[str, Any]:
    """Writes an outbox row, then fails on demand: proves the transaction rule."""
    eid = await enqueue_event(session, destination="audit", topic="probe.written", payload=body.model_dump())
    if body.fail:
        raise Conflict("asked to fail after writing", code="probe_failed")
    return {"event_id": str(eid)}


BOOMS = {"count": 0}


@probe.post("/boom")
async def probe_boom_post(_user: Writer) -> None:
    BOOMS["count"] += 1
    raise RuntimeError("secret internals that must not leak")


@probe.post("/upload")
async def probe_upload(request: Request, _user: Writer) -> dict[str, int]:
    """Streams the body, counting: proves limits hold on bodies read as a stream."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"bytes": size}


@probe.get("/int4")
async def probe_int4(value: int, session: Session, _user: Writer) -> int:
    """Hands an unbounded integer to an int4 cast: the database refuses what validation let by."""
    return (await session.execute(text("SELECT CAST(:v AS integer)"), {"v": value})).scalar_one()


@probe.get("/boom")
async def probe_boom() -> None:
    raise RuntimeError("secret internals that must not leak")


@pytest.fixture(scope="session")
def probe_app(service_database_urls: dict[str, str]):
    """An app on the registry's test database with a probe router."""
    settings = service_settings("registry", service_database_urls["registry"])
    return create_service_app(
        settings, migrations_location=registry.MIGRATIONS, title="probe", description="probe", routers=[probe]
    )


@pytest_asyncio.fixture
async def probe_client(probe_app, clean_databases) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=probe_app), base_url="http://probe.test") as c:
        yield c


@pytest.fixture
def live_service(service_database_urls: dict[str, str]) -> Iterator[Any]:
    """Start a service's app (built afresh: its own engine, its own loop) on loopback."""
    servers: list[LiveServer] = []

    def start(service: str, port: int | None = None) -> LiveServer:
        import importlib

        app = importlib.import_module(f"{service}.main").create_app(
            service_settings(service, service_database_urls[service])
        )
        s = LiveServer(app, port).start()
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()
