"""Sampling service tests: the sampling app with its callees (planning, registry, results, audit)
as the real apps, in process over ``ASGITransport`` — no mocks of our own services.

The callees are injected the way production injects them: through the client dependencies of
:mod:`jointcheck.clients`, here overridden to reach the other test apps in process.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from jcdev.testing import service_settings
from jointcheck.clients import (
    AuditClient,
    PlanningClient,
    RegistryClient,
    ResultsClient,
    audit_client,
    planning_client,
    registry_client,
    results_client,
)
from jointcheck.codes import make_uscc
from jointcheck.demo import departments

LEAD, COOPERATING = "SWJ", ["YJGL", "XFJY"]
YEAR = 2031
WINDOW = (f"{YEAR}-04-01", f"{YEAR}-09-30")
RULES = {
    "A": {"ratio": "0.5"},
    "B": {"ratio": "0.5", "min": 1},
    "C": {"count": 1},
    "D": {"ratio": "1", "max": 2},
    "U": {"ratio": "1"},
}
CLIENTS = {
    "planning": (planning_client, PlanningClient),
    "registry": (registry_client, RegistryClient),
    "results": (results_client, ResultsClient),
    "audit": (audit_client, AuditClient),
}


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Wiring:
    """Where the sampling app's callees live: by default the other test apps, in process.

    ``around(name, wrapper)`` puts an ASGI wrapper in front of a callee (to observe what the
    world looks like while sampling waits for it); ``unreachable(name)`` points a callee at a
    port nobody listens on (a real connection error).
    """

    def __init__(self, app: Any, apps: dict[str, Any]) -> None:
        self.app, self.apps = app, apps
        self.settings = app.state.settings
        self.reset()

    def _use(self, name: str, http: httpx.AsyncClient, settings: Any | None = None) -> None:
        dependency, cls = CLIENTS[name]
        self.app.dependency_overrides[dependency] = lambda: cls(settings or self.settings, http=http)

    def reset(self) -> None:
        for name in CLIENTS:
            self.around(name, None)

    def around(self, name: str, wrapper: Callable[[Any], Any] | None) -> None:
        app = self.apps[name] if wrapper is None else wrapper(self.apps[name])
        self._use(name, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=30))

    def unreachable(self, name: str) -> None:
        from jcdev.testing import free_port

        settings = self.settings.model_copy(
            update={f"{name}_url": f"http://127.0.0.1:{free_port()}", "http_retries": 0}
        )
        self._use(name, httpx.AsyncClient(timeout=5), settings)


@pytest.fixture(scope="session")
def sampling_app(service_database_urls: dict[str, str]) -> Any:
    from sampling.main import create_app

    return create_app(service_settings("sampling", service_database_urls["sampling"], draw_workers=1))


@pytest_asyncio.fixture
async def wiring(sampling_app, apps, clients) -> AsyncIterator[Wiring]:
    w = Wiring(sampling_app, apps)
    yield w
    sampling_app.dependency_overrides.clear()


@pytest_asyncio.fixture
async def sampling(wiring) -> AsyncIterator[httpx.AsyncClient]:
    """The sampling app, wired to the real callees (5xx come back as responses, not exceptions)."""
    transport = httpx.ASGITransport(app=wiring.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sampling.test", timeout=60) as c:
        yield c


@pytest_asyncio.fixture
async def sampling_db(service_database_urls) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to sampling's database, to see what is committed (never to change the draw)."""
    conn = await asyncpg.connect(asyncpg_dsn(service_database_urls["sampling"]))
    try:
        yield conn
    finally:
        await conn.close()


async def deliver_outbox(conn: asyncpg.Connection, clients: Any, tokens: Any) -> list[str]:
    """Deliver sampling's pending outbox events to their destinations' inboxes, in order, as the
    dispatcher does (the test apps run without it); returns the topics delivered."""
    rows = await conn.fetch(
        "SELECT id, destination, topic, payload, created_at FROM outbox_events "
        "WHERE status = 'pending' ORDER BY created_at, id"
    )
    topics = []
    for row in rows:
        body = {
            "id": str(row["id"]),
            "source": "sampling",
            "topic": row["topic"],
            "payload": json.loads(row["payload"]),
            "created_at": row["created_at"].isoformat(),
        }
        r = await clients[row["destination"]].post("/internal/events", json=body, headers=tokens.service)
        assert r.status_code == 200, f"{row['topic']} → {row['destination']}: {r.status_code} {r.text}"
        await conn.execute(
            "UPDATE outbox_events SET status = 'delivered', delivered_at = now() WHERE id = $1", row["id"]
        )
        topics.append(row["topic"])
    return topics


class World:
    """What a draw needs, made through the services' own APIs (in process)."""

    def __init__(self, clients: Any, tokens: Any) -> None:
        self.clients, self.tokens = clients, tokens
        self.tag = f"t-{uuid.uuid4().hex[:8]}"
        self.rnd = random.Random(self.tag)
        self.short = self.tag[-5:].upper()

    async def post(self, service: str, path: str, body: dict, headers: dict | None = None, expect: int = 201) -> dict:
        r = await self.clients[service].post(path, json=body, headers=headers or self.tokens.admin)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text[:800]}"
        return r.json()

    async def departments(self) -> None:
        for d in departments():
            await self.post("registry", "/v1/departments", {"code": d.code, "name": d.name, "short_name": d.short_name})

    async def entities(self, classes: str) -> list[str]:
        out = []
        for n, c in enumerate(classes):
            uscc = make_uscc("91411523" + "".join(self.rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)))
            await self.post(
                "registry",
                "/v1/entities",
                {
                    "uscc": uscc,
                    "name": f"新县第{n}加油站（{self.tag}）",
                    "entity_type": "enterprise",
                    "industry_code": "F5265",
                    "division_code": "411523",
                    "credit_class": None if c == "U" else c,
                    "departments": [LEAD, "YJGL"],
                    "tags": [self.tag],
                },
            )
            out.append(uscc)
        return out

    async def inspectors(self, per_department: int, depts: list[str] | None = None) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        made = self.__dict__.setdefault("inspectors_made", {})
        for dept in depts or [LEAD, *COOPERATING]:
            first = made.get(dept, 0)
            made[dept] = first + per_department
            for i in range(first, first + per_department):
                iid = f"{dept}-{self.short}-{i}"
                await self.post(
                    "registry",
                    "/v1/inspectors",
                    {
                        "inspector_id": iid,
                        "name": f"执法{i}号",
                        "department": dept,
                        "certificate_no": f"{self.short}{dept}{i:04d}",
                        "specialties": [],
                        "region": "411523",
                    },
                )
                out.setdefault(dept, []).append(iid)
        return out

    async def task(
        self, *, rules: dict = RULES, team_rules: dict | None = None, experts: dict | None = None, approve: bool = True
    ) -> dict:
        items = [
            await self.post(
                "planning",
                "/v1/items",
                {
                    "department": dept,
                    "code": f"{dept}-{self.short}",
                    "name": f"{dept}检查事项",
                    "legal_basis": "相关法律法规",
                    "methods": ["on_site"],
                },
                headers=self.tokens.officer(dept),
            )
            for dept in [LEAD, *COOPERATING]
        ]
        checklist = await self.post(
            "planning",
            "/v1/checklists",
            {
                "name": "加油站",
                "industry_codes": ["F5265"],
                "lead_department": LEAD,
                "cooperating_departments": COOPERATING,
                "items": [{"item_id": i["id"]} for i in items],
            },
            headers=self.tokens.officer(LEAD),
        )
        plan = await self.post(
            "planning",
            "/v1/plans",
            {"year": YEAR, "lead_department": LEAD, "name": f"{YEAR}年度联合抽查计划"},
            headers=self.tokens.officer(LEAD),
        )
        for to in ("filed", "published"):  # tasks are approved and drawn only under a published plan
            await self.post(
                "planning",
                f"/v1/plans/{plan['id']}/transitions",
                {"to": to},
                headers=self.tokens.officer(LEAD),
                expect=200,
            )
        body = {
            "plan_id": plan["id"],
            "checklist_id": checklist["id"],
            "name": f"加油站联合抽查（{self.tag}）",
            "scope": {"industry_prefixes": ["F5265"], "tags": [self.tag]},
            "sampling_rules": rules,
            "inspection_start": WINDOW[0],
            "inspection_end": WINDOW[1],
            "experts": experts or {},
        }
        if team_rules:
            body["team_rules"] = team_rules
        task = await self.post("planning", "/v1/tasks", body, headers=self.tokens.officer(LEAD))
        if approve:
            await self.move(task["id"], "approved")
        return task

    async def move(self, task_id: str, to: str) -> dict:
        return await self.post(
            "planning",
            f"/v1/tasks/{task_id}/transitions",
            {"to": to, "reason": "同意"},
            headers=self.tokens.officer(LEAD),
            expect=200,
        )

    async def task_state(self, task_id: str) -> str:
        r = await self.clients.planning.get(f"/v1/tasks/{task_id}", headers=self.tokens.admin)
        return r.json()["state"]


@pytest_asyncio.fixture
async def world(clients, tokens) -> World:
    w = World(clients, tokens)
    await w.departments()
    return w


# ----------------------------------------------------------------- drawing through the API

DICE = "witness dice: 3 1 4 1 5 9 2 6"


async def create(sampling, tokens, task_id: str, kind: str = "objects", headers: dict | None = None):
    return await sampling.post(
        "/v1/draws",
        json={"task_id": task_id, "kind": kind, "entropy_source": "witness dice"},
        headers=headers or tokens.officer(LEAD),
    )


async def execute(sampling, tokens, draw_id: str, entropy: str = DICE):
    return await sampling.post(f"/v1/draws/{draw_id}/entropy", json={"entropy": entropy}, headers=tokens.officer(LEAD))


async def drawn(sampling, tokens, task_id: str, kind: str = "objects") -> dict[str, Any]:
    r = await create(sampling, tokens, task_id, kind)
    assert r.status_code == 201 and r.json()["status"] == "committed", r.text
    r = await execute(sampling, tokens, r.json()["id"])
    assert r.status_code == 200 and r.json()["status"] == "executed", r.text
    return r.json()
