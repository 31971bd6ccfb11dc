"""Planning test helpers: bodies of items, checklists, plans and tasks; a live registry for previews."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from jcdev.testing import LiveServer, free_port, service_settings

LEAD = "SWJ"  # 商务局 leads the petrol-station checklist
COOPERATING = ["YJGL", "XFJY"]
PLAN_YEAR = 2027  # its filing deadline (31 January 2027) is still ahead
RULES = {
    "A": {"ratio": "0.05"},
    "B": {"ratio": "0.1", "min": 1},
    "C": {"ratio": "0.3", "alternates": 1},
    "D": {"ratio": "0.6", "max": 50},
    "U": {"count": 2},
}


def item_body(department: str, code: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "department": department,
        "code": code,
        "name": f"{department} 检查事项 {code}",
        "sub_items": ["是否取得许可", "是否按规定公示"],
        "legal_basis": "《成品油市场管理办法》第二十六条",
        "content": "检查经营资质与台账",
        "methods": ["on_site", "documentary"],
        "category": "key",
        "objects": "成品油零售经营企业",
        "inspector_requirements": ["成品油流通"],
        "remarks": "",
    }
    body.update(overrides)
    return body


def task_body(plan_id: str, checklist_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "plan_id": plan_id,
        "checklist_id": checklist_id,
        "name": f"{PLAN_YEAR}年加油站“一业一查”联合抽查",
        "sampling_rules": RULES,
        "inspection_start": f"{PLAN_YEAR}-04-01",
        "inspection_end": f"{PLAN_YEAR}-09-30",
        "executing_body": "新县商务局",
    }
    body.update(overrides)
    return body


async def create_item(clients, headers, department: str, code: str, **kw: Any) -> dict[str, Any]:
    r = await clients.planning.post("/v1/items", json=item_body(department, code, **kw), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def create_plan(clients, headers, *, year: int = PLAN_YEAR, lead: str = LEAD) -> dict[str, Any]:
    r = await clients.planning.post(
        "/v1/plans",
        json={"year": year, "lead_department": lead, "name": f"{year}年度{lead}联合抽查计划"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def publish_plan(clients, headers, plan_id: str) -> None:
    """File and publish a plan (if not yet): tasks are approved (and drawn) only under a published plan."""
    state = (await clients.planning.get(f"/v1/plans/{plan_id}", headers=headers)).json()["state"]
    for frm, to in (("draft", "filed"), ("filed", "published")):
        if state == frm:
            r = await clients.planning.post(f"/v1/plans/{plan_id}/transitions", json={"to": to}, headers=headers)
            assert r.status_code == 200, r.text
            state = to


async def create_task(clients, headers, plan_id: str, checklist_id: str, **kw: Any) -> dict[str, Any]:
    r = await clients.planning.post("/v1/tasks", json=task_body(plan_id, checklist_id, **kw), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


@pytest_asyncio.fixture
async def clients(clients, tokens):
    """Department codes are the registry's: every planning test that talks to the services starts with
    the county's departments in the registry."""
    from jointcheck.demo import departments

    for d in departments():
        r = await clients.registry.post(
            "/v1/departments", json={"code": d.code, "name": d.name, "short_name": d.short_name}, headers=tokens.admin
        )
        assert r.status_code == 201, r.text
    return clients


@pytest_asyncio.fixture
async def world(clients, tokens) -> dict[str, Any]:
    """Three departments' items, a petrol-station checklist led by SWJ, SWJ's 2027 plan."""
    items = [
        await create_item(clients, tokens.admin, "SWJ", "SWJ-001", name="成品油零售经营资格检查"),
        await create_item(clients, tokens.admin, "YJGL", "YJGL-001", name="危险化学品安全管理检查"),
        await create_item(clients, tokens.admin, "XFJY", "XFJY-001", name="消防设施器材检查"),
    ]
    r = await clients.planning.post(
        "/v1/checklists",
        json={
            "name": "加油站",
            "industry_codes": ["f5265"],
            "lead_department": LEAD,
            "cooperating_departments": COOPERATING,
            "items": [{"item_id": i["id"]} for i in items],
            "frequency_per_year": 1,
            "frequency_note": "每年不少于1次",
        },
        headers=tokens.admin,
    )
    assert r.status_code == 201, r.text
    checklist = r.json()
    plan = await create_plan(clients, tokens.admin)
    return {"items": items, "checklist": checklist, "plan": plan}


async def move(clients, headers, task_id: str, to: str, reason: str = "") -> httpx.Response:
    return await clients.planning.post(
        f"/v1/tasks/{task_id}/transitions", json={"to": to, "reason": reason}, headers=headers
    )


async def send_event(
    clients, tokens, topic: str, payload: dict[str, Any], *, event_id: str | None = None, source: str = "sampling"
) -> httpx.Response:
    import uuid

    body = {"id": event_id or str(uuid.uuid4()), "source": source, "topic": topic, "payload": payload}
    return await clients.planning.post("/internal/events", json=body, headers=tokens.service)


# ----------------------------------------------------------------- a live registry


@pytest.fixture(scope="session")
def live_registry(service_database_urls: dict[str, str]) -> Iterator[LiveServer]:
    """The registry app, built afresh on its test database, served on loopback."""
    from registry.main import create_app as create_registry

    server = LiveServer(create_registry(service_settings("registry", service_database_urls["registry"]))).start()
    yield server
    server.stop()


def planning_app(service_database_urls: dict[str, str], **overrides: Any) -> Any:
    from planning.main import create_app as create_planning

    return create_planning(service_settings("planning", service_database_urls["planning"], **overrides))


@pytest.fixture(scope="session")
def planning_with_registry_app(service_database_urls: dict[str, str], live_registry: LiveServer) -> Any:
    return planning_app(service_database_urls, registry_url=live_registry.url)


@pytest_asyncio.fixture
async def planning_live(planning_with_registry_app, clients) -> AsyncIterator[httpx.AsyncClient]:
    """A planning client whose registry is the live one (``clients`` for the other services and cleanup)."""
    transport = httpx.ASGITransport(app=planning_with_registry_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://planning.test") as c:
        yield c


@pytest_asyncio.fixture
async def planning_registry_down(service_database_urls, clients) -> AsyncIterator[httpx.AsyncClient]:
    """A planning client whose registry URL points at a port nobody listens on."""
    app = planning_app(service_database_urls, registry_url=f"http://127.0.0.1:{free_port()}", http_retries=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://planning.test") as c:
        yield c
