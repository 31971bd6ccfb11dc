"""Results test helpers: inspections arrive as the ``inspections.create`` event sampling sends."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import pytest_asyncio

from jointcheck.codes import make_uscc

LEAD, COOPERATING, OUTSIDER = "SWJ", "YJGL", "SCJG"
TASK_DEPARTMENTS = [LEAD, COOPERATING, "XFJY"]
TEAM_DEPARTMENTS = [LEAD, COOPERATING]


def uscc(n: int) -> str:
    return make_uscc(f"91411523MA{n:07d}")


async def stored_renderings_differ(url: str) -> list[str]:
    """Inspections whose stored rendering (``read_json``, kept by a trigger) is not what the list
    would render now — PostgreSQL afresh (jointcheck.jsonrows) and pydantic from the row's columns."""
    import json

    import asyncpg

    from results.inspections.repository import READ_JSON
    from results.inspections.schemas import InspectionRead

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            "SELECT t.*, t.checklist_id IS NULL AS items_pending, "
            f"(SELECT row_to_json(r)::text FROM (SELECT {READ_JSON.select_list}) r) AS fresh FROM inspections t"
        )
    finally:
        await conn.close()
    wrong = []
    for row in rows:
        values = {k: (json.loads(v) if k in ("team", "items", "categories") else v) for k, v in row.items()}
        by_pydantic = InspectionRead.model_validate(values).model_dump_json()
        if not (row["read_json"] == row["fresh"] == by_pydantic):
            wrong.append(f"{row['id']}: stored {row['read_json']} fresh {row['fresh']} pydantic {by_pydantic}")
    return wrong


@pytest.fixture(autouse=True)
def _stored_renderings_stay_fresh(request):
    """After every test that wrote inspections (whatever path wrote them: events, findings, visit,
    submit, review, publication, void …), each one's stored list rendering equals a fresh one."""
    if "clean_databases" not in request.fixturenames:
        yield
        return
    urls = request.getfixturevalue("clean_databases")
    yield
    wrong = asyncio.run(stored_renderings_differ(urls["results"]))
    assert not wrong, "stale inspections.read_json:\n" + "\n".join(wrong)


async def send_event(clients, tokens, topic: str, payload: dict[str, Any], *, event_id: str | None = None):
    body = {"id": event_id or str(uuid.uuid4()), "source": "sampling", "topic": topic, "payload": payload}
    return await clients.results.post("/internal/events", json=body, headers=tokens.service)


def teams_payload(task_id: str, draw_id: str, teams: dict[str, list[str]] | list, **extra: Any) -> dict[str, Any]:
    if isinstance(teams, list):  # already in the event's shape (with members)
        return {
            "task_id": task_id,
            "draw_id": draw_id,
            "departments": TASK_DEPARTMENTS,
            "team_departments": TEAM_DEPARTMENTS,
            "teams": teams,
            **extra,
        }
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


# ----------------------------------------------------------------- the loop: a task, its items, a team

import importlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from jcdev.testing import LiveServer, service_settings  # noqa: E402

TASK = "5f0c1e2a-0000-4000-8000-000000000001"
ITEMS = [
    {"position": 1, "item_id": "item-1", "item_version": 1, "department": LEAD, "code": "SWJ-01", "name": "税务登记"},
    {
        "position": 2,
        "item_id": "item-2",
        "item_version": 3,
        "department": COOPERATING,
        "code": "YJ-07",
        "name": "安全生产",
    },
]


def approved_payload(task_id: str = TASK, *, end: str = "2025-09-26", items=None) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "plan_id": "9b0c1e2a-0000-4000-8000-000000000009",
        "plan_year": 2025,
        "plan_name": "2025年度联合抽查计划",
        "name": "餐饮业联合检查",
        "draw_type": "directed",
        "lead_department": LEAD,
        "departments": TASK_DEPARTMENTS,
        "inspection_start": "2025-06-01",
        "inspection_end": end,
        "checklist_id": "0c0c1e2a-0000-4000-8000-00000000c0c0",
        "checklist_version": 2,
        "items": items if items is not None else ITEMS,
    }


async def send_from(clients, tokens, source: str, topic: str, payload: dict[str, Any]):
    body = {"id": str(uuid.uuid4()), "source": source, "topic": topic, "payload": payload}
    r = await clients.results.post("/internal/events", json=body, headers=tokens.service)
    assert r.status_code == 200, r.text
    return r


def member(inspector: str) -> dict[str, str]:
    return {"inspector": inspector, "department": inspector.split("-")[0]}


@pytest.fixture(scope="session")
def registry_server(service_database_urls) -> Iterator[LiveServer]:
    """A real registry on loopback: approval reads the entity's name from it."""
    main = importlib.import_module("registry.main")
    server = LiveServer(main.create_app(service_settings("registry", service_database_urls["registry"]))).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def results_app(service_database_urls, registry_server):
    main = importlib.import_module("results.main")
    return main.create_app(
        service_settings("results", service_database_urls["results"], registry_url=registry_server.url)
    )


@pytest_asyncio.fixture
async def loop(clients, tokens, results_app) -> dict[str, Any]:
    """Task TASK approved with two items (SWJ's, YJGL's); an objects draw of two entities; a teams draw
    giving uscc(1) a SWJ and a YJGL inspector and leaving uscc(2) without a team."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=results_app), base_url="http://results.test") as rc:
        clients.results = rc
        for n in (1, 2):
            r = await clients.registry.post(
                "/v1/entities",
                json={
                    "uscc": uscc(n),
                    "name": f"信阳市新县第{n}餐馆",
                    "entity_type": "enterprise",
                    "industry_code": "H6210",
                    "division_code": "411523",
                    "address": "新县",
                    "status": "active",
                },
                headers=tokens.admin,
            )
            assert r.status_code == 201, r.text
        await send_from(clients, tokens, "planning", "task.approved", approved_payload())
        await send_from(
            clients,
            tokens,
            "sampling",
            "inspections.drawn",
            {
                "task_id": TASK,
                "draw_id": "OBJ-1",
                "entities": [uscc(1), uscc(2)],
                "lead_department": LEAD,
                "departments": TASK_DEPARTMENTS,
            },
        )
        team = ["SWJ-1", "YJGL-1"]
        await send_from(
            clients,
            tokens,
            "sampling",
            "inspections.create",
            teams_payload(
                TASK,
                "TEAM-1",
                [{"entity": uscc(1), "inspectors": team, "members": [member(i) for i in team]}],
                lead_department=LEAD,
                unassigned=[{"entity": uscc(2), "reason": "no eligible inspector from department YJGL"}],
            ),
        )
        got = {i["uscc"]: i for i in await inspections_of(clients, tokens, TASK)}
        yield {
            "clients": clients,
            "app": results_app,
            "inspections": got,
            "one": got[uscc(1)]["id"],
            "two": got[uscc(2)]["id"],
        }
