from __future__ import annotations

from .conftest import entity_body, uscc


async def test_create_get_update(clients, tokens, departments):
    r = await clients.registry.post("/v1/entities", json=entity_body(1), headers=tokens.admin)
    assert r.status_code == 201, r.text
    etag = r.headers["etag"]
    r = await clients.registry.get(f"/v1/entities/{uscc(1)}", headers=tokens.auditor)
    assert r.status_code == 200 and r.json()["credit_class"] == "B"
    r = await clients.registry.patch(f"/v1/entities/{uscc(1)}", json={"credit_class": "D"}, headers=tokens.admin | {"If-Match": etag})
    assert r.status_code == 200, r.text
    r = await clients.registry.get("/v1/entities", headers=tokens.auditor)
    assert r.status_code == 200, r.text
    r = await clients.registry.post("/v1/frames", json={}, headers=tokens.auditor)
    assert r.status_code == 200, r.text
    assert r.text == f"{uscc(1)}\tD\n", r.text
