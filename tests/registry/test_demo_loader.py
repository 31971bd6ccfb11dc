"""`make run` loads the demo county into an empty registry, once, through the registry's HTTP API."""

from __future__ import annotations

from jcdev.demo import load_demo_if_empty


async def test_demo_county_loads_once(clients, tokens):
    assert await load_demo_if_empty(clients.registry, tokens.admin, entities=300, inspectors=10, experts=5) is True
    depts = (await clients.registry.get("/v1/departments", headers=tokens.admin)).json()
    assert {d["code"] for d in depts} >= {"SCJG", "YJGL", "XFJY", "SWJ"}
    counts = (
        await clients.registry.post("/v1/frames/counts", json={"scope": {"statuses": []}}, headers=tokens.admin)
    ).json()
    assert counts["total"] == 300
    # the entities came in as one import, i.e. one registry version, like a county office's file
    listed = (await clients.registry.get("/v1/entities", params={"limit": 5}, headers=tokens.admin)).json()["items"]
    assert len({e["version"] for e in listed}) == 1
    assert await load_demo_if_empty(clients.registry, tokens.admin, entities=300) is False


async def test_demo_county_has_people(clients, tokens):
    await load_demo_if_empty(clients.registry, tokens.admin, entities=50)
    pool = await clients.registry.post("/v1/frames/inspector-pool", json={}, headers=tokens.service)
    assert pool.status_code == 200 and int(pool.headers["x-frame-lines"]) >= 50
    experts = await clients.registry.post("/v1/frames/experts", json={}, headers=tokens.service)
    assert int(experts.headers["x-frame-lines"]) >= 15


async def test_demo_county_needs_an_admin(clients, tokens):
    import pytest

    from jcdev.demo import DemoLoadError

    with pytest.raises(DemoLoadError, match="HTTP 403"):
        await load_demo_if_empty(clients.registry, tokens.auditor, entities=10)
