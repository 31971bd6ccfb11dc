"""Check items: department scope, validation, versions kept and readable, ETags."""

from __future__ import annotations

from .conftest import create_item, item_body


async def test_create_and_read_back(clients, tokens):
    r = await clients.planning.post("/v1/items", json=item_body("SCJG", "SCJG-001"), headers=tokens.officer("SCJG"))
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["version"] == item["current_version"] == 1 and r.headers["etag"] == '"1"'
    assert item["methods"] == ["on_site", "documentary"] and item["category"] == "key"
    assert r.headers["location"] == f"/v1/items/{item['id']}"
    got = await clients.planning.get(f"/v1/items/{item['id']}", headers=tokens.inspector)
    assert got.status_code == 200 and got.json()["name"] == item["name"] and got.json()["legal_basis"]


async def test_officers_create_and_change_only_their_own_departments_items(clients, tokens):
    r = await clients.planning.post("/v1/items", json=item_body("SCJG", "SCJG-001"), headers=tokens.officer("XFJY"))
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    item = await create_item(clients, tokens.officer("SCJG"), "SCJG", "SCJG-001")
    r = await clients.planning.patch(
        f"/v1/items/{item['id']}", json={"name": "改名"}, headers=tokens.officer("XFJY") | {"If-Match": '"1"'}
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await clients.planning.post("/v1/items", json=item_body("SCJG", "SCJG-002"), headers=tokens.auditor)
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    assert (await clients.planning.get("/v1/items")).status_code == 401


async def test_duplicate_code_in_a_department_is_409(clients, tokens):
    await create_item(clients, tokens.admin, "SCJG", "SCJG-001")
    r = await clients.planning.post("/v1/items", json=item_body("SCJG", "SCJG-001"), headers=tokens.admin)
    assert r.status_code == 409 and r.json()["code"] == "item_code_taken"
    await create_item(clients, tokens.admin, "XFJY", "SCJG-001")  # codes are per department


async def test_validation_lists_every_bad_field(clients, tokens):
    body = item_body("scjg", "bad code!", methods=[], category="urgent", legal_basis="")
    r = await clients.planning.post("/v1/items", json=body, headers=tokens.admin)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"body.department", "body.code", "body.methods", "body.category", "body.legal_basis"} <= fields


async def test_update_writes_a_new_version_and_keeps_the_old(clients, tokens):
    item = await create_item(clients, tokens.admin, "SCJG", "SCJG-001", name="食品经营许可检查")
    url = f"/v1/items/{item['id']}"
    no_match = await clients.planning.patch(url, json={"name": "食品经营许可情况检查"}, headers=tokens.officer("SCJG"))
    assert no_match.status_code == 428
    r = await clients.planning.patch(
        url,
        json={"name": "食品经营许可情况检查", "category": "general"},
        headers=tokens.officer("SCJG") | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["category"] == "general" and r.headers["etag"] == '"2"'
    assert r.json()["legal_basis"] == item["legal_basis"]  # untouched fields carry over
    stale = await clients.planning.patch(url, json={"name": "x"}, headers=tokens.admin | {"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "etag_mismatch"
    old = await clients.planning.get(url, params={"version": 1}, headers=tokens.admin)
    assert (
        old.json()["name"] == "食品经营许可检查" and old.json()["version"] == 1 and old.json()["current_version"] == 2
    )
    assert (await clients.planning.get(url, headers=tokens.admin)).json()["name"] == "食品经营许可情况检查"
    history = (await clients.planning.get(f"{url}/versions", headers=tokens.auditor)).json()
    assert [v["version"] for v in history] == [1, 2]
    missing = await clients.planning.get(url, params={"version": 9}, headers=tokens.admin)
    assert missing.status_code == 404 and missing.json()["code"] == "item_version_not_found"
    frozen = await clients.planning.patch(url, json={"department": "XFJY"}, headers=tokens.admin | {"If-Match": '"2"'})
    assert frozen.status_code == 422  # department and code never change


async def test_list_is_cursor_paginated_and_filtered(clients, tokens):
    for n in range(5):
        await create_item(clients, tokens.admin, "SCJG", f"SCJG-{n:03d}")
    await create_item(clients, tokens.admin, "XFJY", "XFJY-001")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "department": "SCJG"} | ({"cursor": cursor} if cursor else {})
        page = (await clients.planning.get("/v1/items", params=params, headers=tokens.admin)).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"SCJG-{n:03d}" for n in range(5)]
    bad = await clients.planning.get("/v1/items", params={"cursor": "nonsense"}, headers=tokens.admin)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


async def test_changes_are_audited(clients, tokens):
    item = await create_item(clients, tokens.admin, "SCJG", "SCJG-001")
    await clients.planning.patch(
        f"/v1/items/{item['id']}", json={"remarks": "新增"}, headers=tokens.admin | {"If-Match": '"1"'}
    )
    events = (await clients.planning.get("/ops/outbox", params={"status": "pending"}, headers=tokens.admin)).json()[
        "items"
    ]
    actions = sorted(e["payload"]["action"] for e in events if e["topic"] == "audit.record")
    assert actions == ["item.create", "item.update"]
