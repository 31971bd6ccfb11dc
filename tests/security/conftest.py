"""Real objects for the authorization matrix: a registry, a planning task and draws made over
HTTP by a sampling app whose callees (registry, planning, results, audit) run on loopback."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from jcdev.testing import LiveServer, free_port, service_settings
from jointcheck.codes import make_uscc
from jointcheck.demo import departments as demo_departments

LEAD, COOPERATING, OTHER = "SWJ", "YJGL", "SCJG"
CALLEES = ("registry", "planning", "results", "audit")


@pytest.fixture(scope="session")
def live_callees(service_database_urls: dict[str, str]) -> Iterator[dict[str, LiveServer]]:
    """The services sampling calls, each built afresh on its test database and served on loopback."""
    import importlib

    servers = {}
    for name in CALLEES:
        main = importlib.import_module(f"{name}.main")
        servers[name] = LiveServer(main.create_app(service_settings(name, service_database_urls[name]))).start()
    yield servers
    for server in servers.values():
        server.stop()


def _sampling_app(service_database_urls, live_callees, **overrides: Any) -> Any:
    from sampling.main import create_app

    urls = {f"{n}_url": s.url for n, s in live_callees.items()}
    return create_app(service_settings("sampling", service_database_urls["sampling"], **(urls | overrides)))


@pytest.fixture(scope="session")
def sampling_apps(service_database_urls, live_callees) -> dict[str, Any]:
    """``live``: every callee answers; ``no_audit``: audit unreachable, so draws stay frozen."""
    return {
        "live": _sampling_app(service_database_urls, live_callees),
        "no_audit": _sampling_app(
            service_database_urls, live_callees, audit_url=f"http://127.0.0.1:{free_port()}", http_retries=0
        ),
    }


@pytest_asyncio.fixture
async def sampling_clients(sampling_apps, clients) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    opened = {
        k: httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://sampling.test")
        for k, a in sampling_apps.items()
    }
    try:
        yield opened
    finally:
        for c in opened.values():
            await c.aclose()


async def ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text[:600]}"
    return response.json()


class World:
    """Objects owned by SWJ (the lead) with YJGL cooperating; SCJG takes no part."""

    def __init__(self, clients, tokens) -> None:
        self.c, self.t = clients, tokens
        self.made: dict[str, Any] = {}

    async def registry(self) -> dict[str, Any]:
        if "entity" in self.made:
            return self.made
        for d in demo_departments():
            await ok(
                await self.c.registry.post(
                    "/v1/departments",
                    json={"code": d.code, "name": d.name, "short_name": d.short_name},
                    headers=self.t.admin,
                )
            )
        usccs = [make_uscc(f"91411523MA{n:07d}") for n in range(1, 5)]
        for n, uscc in enumerate(usccs):
            r = await self.c.registry.post(
                "/v1/entities",
                headers=self.t.admin,
                json={
                    "uscc": uscc,
                    "name": f"新县第{n}加油站",
                    "entity_type": "enterprise",
                    "industry_code": "F5265",
                    "division_code": "411523",
                    "credit_class": "ABCD"[n],
                    "departments": [LEAD],
                    "tags": ["authz"],
                },
            )
            await ok(r)
            self.made.setdefault("entity_etag", r.headers["etag"])
        self.made["entity"] = usccs[0]
        for dept in (LEAD, COOPERATING):
            for i in range(2):
                await ok(
                    await self.c.registry.post(
                        "/v1/inspectors",
                        headers=self.t.admin,
                        json={
                            "inspector_id": f"{dept}-{i}",
                            "name": f"执法{i}号",
                            "department": dept,
                            "certificate_no": f"AUTHZ{dept}{i:04d}",
                            "specialties": [],
                            "region": "411523",
                        },
                    )
                )
        r = await self.c.registry.get(f"/v1/inspectors/{LEAD}-0", headers=self.t.admin)
        self.made["inspector"], self.made["inspector_etag"] = f"{LEAD}-0", r.headers["etag"]
        recusal = await ok(
            await self.c.registry.post(
                "/v1/recusals",
                headers=self.t.admin,
                json={"inspector_id": f"{LEAD}-1", "uscc": usccs[1], "reason": "亲属关系", "valid_from": "2020-01-01"},
            )
        )
        self.made["recusal"] = recusal.get("id") or recusal.get("recusal_id")
        return self.made

    def import_file(self, uscc: str, department: str) -> dict[str, Any]:
        header = "统一社会信用代码,市场主体名称,市场主体类型,行业代码,所在行政区划,登记状态,信用风险分类,监管部门\n"
        row = f"{uscc},新县被改名加油站,enterprise,F5265,411523,active,A,{department}\n"
        return {"files": {"file": ("entities.csv", io.BytesIO((header + row).encode("utf-8")), "text/csv")}}

    async def planning(self) -> dict[str, Any]:
        if "task" in self.made:
            return self.made
        await self.registry()  # department codes are the registry's
        items = []
        for dept in (LEAD, COOPERATING):
            r = await self.c.planning.post(
                "/v1/items",
                headers=self.t.admin,
                json={
                    "department": dept,
                    "code": f"{dept}-AUTHZ",
                    "name": f"{dept}检查事项",
                    "legal_basis": "相关法律法规",
                    "methods": ["on_site"],
                },
            )
            items.append(await ok(r))
            self.made.setdefault("item_etag", r.headers["etag"])
        self.made["item"] = items[0]["id"]
        r = await self.c.planning.post(
            "/v1/checklists",
            headers=self.t.admin,
            json={
                "name": "加油站",
                "industry_codes": ["F5265"],
                "lead_department": LEAD,
                "cooperating_departments": [COOPERATING],
                "items": [{"item_id": i["id"]} for i in items],
            },
        )
        self.made["checklist"], self.made["checklist_etag"] = (await ok(r))["id"], r.headers["etag"]
        r = await self.c.planning.post(
            "/v1/plans",
            headers=self.t.admin,
            json={"year": 2031, "lead_department": LEAD, "name": "2031年度联合抽查计划"},
        )
        self.made["plan"], self.made["plan_etag"] = (await ok(r))["id"], r.headers["etag"]
        tasks = []
        for n in range(2):
            r = await self.c.planning.post(
                "/v1/tasks",
                headers=self.t.admin,
                json={
                    "plan_id": self.made["plan"],
                    "checklist_id": self.made["checklist"],
                    "name": f"加油站联合抽查{n}",
                    "scope": {"industry_prefixes": ["F5265"], "tags": ["authz"]},
                    "sampling_rules": {c: {"ratio": "1"} for c in "ABCDU"},
                    "team_rules": {"team_size": 2, "max_load": 4},
                    "inspection_start": "2031-04-01",
                    "inspection_end": "2031-09-30",
                },
            )
            tasks.append(await ok(r))
            self.made.setdefault("task_etag", r.headers["etag"])
        self.made["task"], self.made["task2"] = tasks[0]["id"], tasks[1]["id"]
        return self.made

    async def approved_tasks(self) -> dict[str, Any]:
        await self.registry()
        await self.planning()
        if "approved" in self.made:
            return self.made
        self.made["approved"] = True
        for to in ("filed", "published"):  # tasks are approved only under a published plan
            await ok(
                await self.c.planning.post(
                    f"/v1/plans/{self.made['plan']}/transitions",
                    headers=self.t.admin,
                    json={"to": to, "reason": "报备并公布"},
                ),
                200,
            )
        for key in ("task", "task2"):
            await ok(
                await self.c.planning.post(
                    f"/v1/tasks/{self.made[key]}/transitions",
                    headers=self.t.admin,
                    json={"to": "approved", "reason": "同意"},
                ),
                200,
            )
        return self.made

    async def draws(self, sampling: dict[str, httpx.AsyncClient]) -> dict[str, Any]:
        """A committed objects draw of task 1, and a frozen one of task 2 (audit was down)."""
        if "committed_draw" in self.made:
            return self.made
        await self.approved_tasks()
        body = {"kind": "objects", "entropy_source": "witness dice"}
        committed = await ok(
            await sampling["live"].post(
                "/v1/draws", json=body | {"task_id": self.made["task"]}, headers=self.t.officer(LEAD)
            )
        )
        assert committed["status"] == "committed", committed
        frozen = await ok(
            await sampling["no_audit"].post(
                "/v1/draws", json=body | {"task_id": self.made["task2"]}, headers=self.t.officer(LEAD)
            )
        )
        assert frozen["status"] == "frozen", frozen
        self.made["committed_draw"], self.made["frozen_draw"] = committed["id"], frozen["id"]
        return self.made

    async def inspection(self) -> dict[str, Any]:
        import uuid

        if "inspection" in self.made:
            return self.made
        task_id = "7a1b2c3d-0000-4000-8000-00000000a07e"
        approved = {
            "id": str(uuid.uuid4()),
            "source": "planning",
            "topic": "task.approved",
            "payload": {
                "task_id": task_id,
                "plan_id": str(uuid.uuid4()),
                "plan_year": 2025,
                "plan_name": "2025 joint plan",
                "name": "authz task",
                "draw_type": "directed",
                "lead_department": LEAD,
                "departments": [LEAD, COOPERATING],
                "inspection_start": "2025-05-01",
                "inspection_end": "2025-06-30",
                "checklist_id": str(uuid.uuid4()),
                "checklist_version": 1,
                "items": [
                    {"position": 1, "item_id": "i-1", "item_version": 1, "department": LEAD, "code": "T1", "name": "a"},
                    {
                        "position": 2,
                        "item_id": "i-2",
                        "item_version": 1,
                        "department": COOPERATING,
                        "code": "T2",
                        "name": "b",
                    },
                ],
            },
        }
        await ok(await self.c.results.post("/internal/events", json=approved, headers=self.t.service), 200)
        team = [f"{LEAD}-0", f"{COOPERATING}-0"]
        event = {
            "id": str(uuid.uuid4()),
            "source": "sampling",
            "topic": "inspections.create",
            "payload": {
                "task_id": task_id,
                "draw_id": "D-authz",
                "departments": [LEAD, COOPERATING],
                "team_departments": [LEAD, COOPERATING],
                "lead_department": LEAD,
                "teams": [
                    {
                        "entity": make_uscc("91411523MA0000001"),
                        "inspectors": team,
                        "members": [{"inspector": i, "department": i.split("-")[0]} for i in team],
                    }
                ],
            },
        }
        await ok(await self.c.results.post("/internal/events", json=event, headers=self.t.service), 200)
        self.made["result_task"] = task_id
        items = (await ok(await self.c.results.get("/v1/inspections", headers=self.t.admin), 200))["items"]
        self.made["inspection"] = items[0]["id"]
        return self.made


@pytest_asyncio.fixture
async def world(clients, tokens) -> World:
    return World(clients, tokens)
