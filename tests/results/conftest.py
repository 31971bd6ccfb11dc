"""Results test helpers: inspections arrive as the ``inspections.create`` event sampling sends."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio

from jointcheck.codes import make_uscc

LEAD, COOPERATING, OUTSIDER = "SWJ", "YJGL", "SCJG"
TASK_DEPARTMENTS = [LEAD, COOPERATING, "XFJY"]
TEAM_DEPARTMENTS = [LEAD, COOPERATING]


def uscc(n: int) -> str:
    return make_uscc(f"91411523MA{n:07d}")


async def send_event(clients, tokens, topic: str, payload: dict[str, Any], *, event_id: str | None = None):
    body = {"id": event_id or str(uuid.uuid4()), "source": "sampling", "topic": topic, "payload": payload}
    return await clients.results.post("/internal/events", json=body, headers=tokens.service)


def teams_payload(task_id: str, draw_id: str, teams: dict[str, list[str]], **extra: Any) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "draw_id": draw_id,
        "departments": TASK_DEPARTMENTS,
        "team_departments": TEAM_DEPARTMENTS,
        "teams": [{"entity": e, "inspectors": i} for e, i in teams.items()],
        **extra,
    }


async def inspections_of(clients, tokens, task_id: str | None = None) -> list[dict[str, Any]]:
    params = {"task_id": task_id} if task_id else {}
    r = await clients.results.get("/v1/inspections", params=params, headers=tokens.admin)
    assert r.status_code == 200, r.text
    return r.json()["items"]


@pytest_asyncio.fixture
async def drawn(clients, tokens) -> dict[str, Any]:
    """One executed teams draw of task T-1: two entities, each with a SWJ and a YJGL inspector."""
    teams = {uscc(1): ["SWJ-1", "YJGL-1"], uscc(2): ["SWJ-2", "YJGL-2"]}
    r = await send_event(clients, tokens, "inspections.create", teams_payload("T-1", "D-1", teams))
    assert r.status_code == 200, r.text
    items = await inspections_of(clients, tokens, "T-1")
    return {"task_id": "T-1", "draw_id": "D-1", "teams": teams, "inspections": {i["uscc"]: i for i in items}}
