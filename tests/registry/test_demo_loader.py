"""`make run` loads the demo county into an empty registry, once."""

from __future__ import annotations

from registry.demo_loader import load_demo_if_empty


async def test_demo_county_loads_once(clients, tokens, service_database_urls):
    assert await load_demo_if_empty(service_database_urls["registry"], entities=300) is True
    depts = (await clients.registry.get("/v1/departments", headers=tokens.admin)).json()
    assert {d["code"] for d in depts} >= {"SCJG", "YJGL", "XFJY", "SWJ"}
    counts = (await clients.registry.post("/v1/frames/counts", json={"filter": {"statuses": []}}, headers=tokens.admin)).json()
    assert counts["total"] == 300
    assert await load_demo_if_empty(service_database_urls["registry"], entities=300) is False


async def test_demo_county_has_people(clients, tokens, service_database_urls):
    await load_demo_if_empty(service_database_urls["registry"], entities=50)
    pool = await clients.registry.post("/v1/frames/inspector-pool", json={}, headers=tokens.service)
    assert pool.status_code == 200 and int(pool.headers["x-frame-lines"]) >= 50
    experts = await clients.registry.post("/v1/frames/experts", json={}, headers=tokens.service)
    assert int(experts.headers["x-frame-lines"]) >= 15
