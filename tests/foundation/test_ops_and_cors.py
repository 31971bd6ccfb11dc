"""Issue 9 item 13: emulator control routes need a token, /metrics can be restricted,
CORS is off unless origins are listed. Issue 8 item 5: the ops routes are one router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

import registry
from jcdev.testing import TEST_JWT_SECRET, service_settings
from jointcheck.app import create_service_app

from .conftest import probe


@asynccontextmanager
async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test") as c:
        yield c


def _app(service_database_urls: dict[str, str], **overrides: Any) -> Any:
    settings = service_settings("registry", service_database_urls["registry"], **overrides)
    return create_service_app(
        settings, migrations_location=registry.MIGRATIONS, title="probe", description="probe", routers=[probe]
    )


async def test_emulator_control_routes_need_a_service_or_admin_token(tokens):
    from gsxt_emulator.main import EmulatorSettings, create_app

    app = create_app(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET))
    async with _client(app) as c:
        slow = {"fail_next": 0, "fail_rate": 0, "fail_status": 503, "delay_ms": 50_000}
        anonymous = await c.put("/emulator/faults", json=slow)
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"
        officer = await c.put("/emulator/faults", json=slow, headers=tokens.officer("SCJG"))
        assert officer.status_code == 403 and officer.json()["code"] == "role_not_allowed"
        assert (await c.delete("/emulator/publications")).status_code == 401
        record = {
            "record_id": "r1",
            "uscc": "91110000600037341L",
            "entity_name": "示例企业",
            "plan_id": "P-1",
            "task_id": "T-1",
            "task_name": "联合抽查",
            "draw_type": "undirected",
            "inspecting_departments": ["SCJG"],
            "publishing_department": "SCJG",
            "inspection_date": "2025-09-20",
            "completion_date": "2025-09-26",
            "result_categories": [{"code": "no_problem"}],
            "inspection_methods": ["on_site"],
        }
        published = await c.post("/api/publications", json=record)
        assert published.status_code == 201, published.text  # publishing itself is not a control route
        assert (await c.delete("/emulator/publications", headers=tokens.inspector)).status_code == 403
        assert len((await c.get("/api/publications")).json()) == 1  # nothing was forgotten
        assert (await c.delete("/emulator/publications", headers=tokens.service)).status_code == 204
        assert (await c.get("/api/publications")).json() == []
        quick = slow | {"delay_ms": 0}
        assert (await c.put("/emulator/faults", json=quick, headers=tokens.admin)).status_code == 200


async def test_metrics_open_by_default_restricted_by_token_or_network(service_database_urls):
    async with _client(_app(service_database_urls)) as c:
        assert (await c.get("/metrics")).status_code == 200
    async with _client(_app(service_database_urls, metrics_token="scrape-0123456789")) as c:
        assert (await c.get("/metrics")).status_code == 404
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 404
        ok = await c.get("/metrics", headers={"Authorization": "Bearer scrape-0123456789"})
        assert ok.status_code == 200 and "http_requests_total" in ok.text
    async with _client(_app(service_database_urls, metrics_allow_from=["10.0.0.0/8"])) as c:
        assert (await c.get("/metrics")).status_code == 404  # the test client is 127.0.0.1
    async with _client(_app(service_database_urls, metrics_allow_from=["127.0.0.0/8"])) as c:
        assert (await c.get("/metrics")).status_code == 200


async def test_cors_is_off_by_default_and_follows_the_allow_list(service_database_urls):
    preflight = {
        "Origin": "https://gs.example.gov.cn",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    async with _client(_app(service_database_urls)) as c:
        r = await c.options("/healthz", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
        assert (
            "access-control-allow-origin"
            not in (await c.get("/healthz", headers={"Origin": preflight["Origin"]})).headers
        )
    async with _client(_app(service_database_urls, cors_allow_origins=["https://gs.example.gov.cn"])) as c:
        r = await c.options("/healthz", headers=preflight)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://gs.example.gov.cn"
        r = await c.get("/healthz", headers={"Origin": "https://gs.example.gov.cn"})
        assert r.headers["access-control-allow-origin"] == "https://gs.example.gov.cn"
        assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
        other = await c.options("/healthz", headers=preflight | {"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_the_ops_routes_are_their_own_router(service_database_urls):
    from jointcheck.app import platform_ops_router
    from jointcheck.db import Database
    from jointcheck.observability import Metrics

    settings = service_settings("registry", service_database_urls["registry"])
    router = platform_ops_router(settings, db=Database(settings.database_url), metrics=Metrics("x"), head=None)
    assert {r.path for r in router.routes} == {"/healthz", "/readyz", "/metrics", "/ops/dependencies"}
    assert {"/healthz", "/readyz", "/metrics", "/ops/dependencies"} <= set(
        _app(service_database_urls).openapi()["paths"]
    )


async def test_a_running_service_keeps_what_it_built_out_of_the_collector(service_database_urls):
    """Issue 14: a full collection walking the app's ~150,000 long-lived objects (about 100 ms)
    stalled every request in flight, the worst of the p99 at 32 connections: what startup built
    is frozen (never scanned again), and released at shutdown for a process that starts apps again."""
    import gc

    gc.unfreeze()
    app = _app(service_database_urls, outbox_enabled=False)
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        assert frozen > 10_000, frozen  # the routes, schemas and models built at startup
    assert gc.get_freeze_count() == 0
