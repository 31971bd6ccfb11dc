"""The GSXT emulator in process (validation, idempotency, counts) and on loopback (timeouts, hangs)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from gsxt_emulator.main import EmulatorSettings
from gsxt_emulator.main import create_app as create_emulator
from jcdev.testing import TEST_JWT_SECRET, LiveServer
from jointcheck.codes import make_uscc

USCC = make_uscc("91411523MA0000001")

RECORD: dict[str, Any] = {
    "record_id": "pub-T1-0001",
    "uscc": USCC,
    "entity_name": "新县示范餐饮有限公司",
    "plan_id": "P-1",
    "plan_number": "411523-2025-SCJG-01",
    "task_id": "T-1",
    "task_name": "餐饮服务联合抽查",
    "draw_type": "undirected",
    "inspecting_departments": ["SCJG", "XFJY"],
    "publishing_department": "SCJG",
    "inspection_date": "2025-09-20",
    "completion_date": "2025-09-26",
    "result_categories": [{"code": "problem_followup_case", "department": "XFJY"}],
    "follow_up_measure": "移交县消防救援大队立案查处",
    "inspection_methods": ["on_site"],
}


def record(n: int = 1, **changes: Any) -> dict[str, Any]:
    """Record ``n`` (its own id and entity), with ``changes``."""
    base = copy.deepcopy(RECORD)
    base["record_id"] = f"pub-T1-{n:04d}"
    base["uscc"] = make_uscc(f"91411523MA{n:07d}")
    return base | changes


def emulator_app() -> Any:
    return create_emulator(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET))


@pytest_asyncio.fixture
async def gsxt(tokens) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh emulator in process; its client carries no token (GSXT's intake needs none)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app()), base_url="http://gsxt.test") as c:
        yield c


class Recorder:
    """Wraps the emulator app to remember the headers of each publication call."""

    def __init__(self, app: Any) -> None:
        self.app, self.headers = app, []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/publications" and scope["method"] == "POST":
            self.headers.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def live_emulator() -> Any:
    """The emulator on loopback (a real socket: a caller's timeout is a real timeout)."""
    recorder = Recorder(emulator_app())
    server = LiveServer(recorder).start()
    server.recorder = recorder
    yield server
    server.stop()


@pytest_asyncio.fixture
async def control(live_emulator, tokens) -> AsyncIterator[httpx.AsyncClient]:
    """The live emulator's control routes, reset before and after each test."""
    async with httpx.AsyncClient(base_url=live_emulator.url, headers=tokens.service, timeout=30) as c:
        assert (await c.post("/emulator/reset")).status_code == 204
        live_emulator.recorder.headers.clear()
        yield c
        await c.post("/emulator/reset")
