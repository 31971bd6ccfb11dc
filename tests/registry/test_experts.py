"""The expert pool (专家库): admin-managed versioned records."""

from __future__ import annotations

from typing import Any


def expert_body(n: int, field: str = "消防安全", **overrides: Any) -> dict[str, Any]:
    body = {
        "expert_id": f"EXP{n:03d}",
        "name": f"专家{n}",
        "field": field,
        "organisation": "信阳市消防救援支队",
        "title": "高级工程师",
        "status": "active",
    }
    body.update(overrides)
    return body


async def test_admin_writes_everyone_reads(clients, tokens):
    r = await clients.registry.post("/v1/experts", json=expert_body(1), headers=tokens.admin)
    assert r.status_code == 201, r.text
    assert r.json()["field"] == "消防安全" and r.headers["location"] == "/v1/experts/EXP001"
    etag = r.headers["etag"]
    for writer in (tokens.officer("SCJG"), tokens.auditor, tokens.service):
        r = await clients.registry.post("/v1/experts", json=expert_body(2), headers=writer)
        assert r.status_code == 403
        r = await clients.registry.patch("/v1/experts/EXP001", json={"name": "x"}, headers=writer | {"If-Match": etag})
        assert r.status_code == 403
    for reader in (tokens.officer("SCJG"), tokens.auditor, tokens.inspector, tokens.service):
        r = await clients.registry.get("/v1/experts/EXP001", headers=reader)
        assert r.status_code == 200 and r.json()["title"] == "高级工程师"
    r = await clients.registry.post("/v1/experts", json=expert_body(1), headers=tokens.admin)
    assert r.status_code == 409 and r.json()["code"] == "expert_exists"
    r = await clients.registry.get("/v1/experts/EXP999", headers=tokens.admin)
    assert r.status_code == 404 and r.json()["code"] == "expert_not_found"


async def test_field_text_rules(clients, tokens):
    for bad in (
        {"field": "消防\t安全"},
        {"field": "消\r防"},
        {"field": "消\n防"},
        {"field": "a\\b"},
        {"field": "  "},
        {"field": "消防\u200b安全"},
        {"expert_id": "EXP 1"},
        {"name": "\x07"},
        {"status": "gone"},
    ):
        r = await clients.registry.post("/v1/experts", json=expert_body(1, **bad), headers=tokens.admin)
        assert r.status_code == 422, (bad, r.text)
    # trimmed and NFC-normalised, so one field is always the same bytes
    r = await clients.registry.post(
        "/v1/experts", json=expert_body(1, field=" 食品安全 ", organisation=" "), headers=tokens.admin
    )
    assert r.status_code == 201 and r.json()["field"] == "食品安全" and r.json()["organisation"] == ""


async def test_update_if_match_as_of_history_delete(clients, tokens):
    r = await clients.registry.post("/v1/experts", json=expert_body(1), headers=tokens.admin)
    v1, t1, etag = r.json()["version"], r.json()["changed_at"], r.headers["etag"]
    r = await clients.registry.patch("/v1/experts/EXP001", json={"status": "inactive"}, headers=tokens.admin)
    assert r.status_code == 428
    r = await clients.registry.patch(
        "/v1/experts/EXP001", json={"status": "inactive"}, headers=tokens.admin | {"If-Match": '"0"'}
    )
    assert r.status_code == 412
    r = await clients.registry.patch(
        "/v1/experts/EXP001",
        json={"status": "inactive", "field": "特种设备", "title": None},
        headers=tokens.admin | {"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    v2 = r.json()["version"]
    assert r.json()["status"] == "inactive" and r.json()["title"] is None
    for as_of in (v1, t1):
        r = await clients.registry.get("/v1/experts/EXP001", params={"as_of": as_of}, headers=tokens.auditor)
        assert r.json()["field"] == "消防安全" and r.json()["status"] == "active", r.text
    r = await clients.registry.delete(
        "/v1/experts/EXP001", params={"reason": "退出专家库"}, headers=tokens.admin | {"If-Match": f'"{v2}"'}
    )
    assert r.status_code == 204
    v3 = int(r.headers["x-registry-version"])
    assert (await clients.registry.get("/v1/experts/EXP001", headers=tokens.auditor)).status_code == 404
    hist = (await clients.registry.get("/v1/experts/EXP001/history", headers=tokens.auditor)).json()
    assert [(h["version"], h["valid_to"], h["deleted"]) for h in hist] == [
        (v1, v2, False),
        (v2, v3, False),
        (v3, None, True),
    ]


async def test_list_filters(clients, tokens):
    for n, field, status in (
        (1, "消防安全", "active"),
        (2, "食品安全", "active"),
        (3, "食品安全", "inactive"),
        (4, "药品", "active"),
    ):
        r = await clients.registry.post(
            "/v1/experts", json=expert_body(n, field=field, status=status), headers=tokens.admin
        )
        assert r.status_code == 201

    async def ids(**params) -> list[str]:
        r = await clients.registry.get("/v1/experts", params=params, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        return [i["expert_id"] for i in r.json()["items"]]

    assert await ids() == ["EXP001", "EXP002", "EXP003", "EXP004"]
    assert await ids(field="食品安全") == ["EXP002", "EXP003"]
    assert await ids(field=["药品", "消防安全"], status="active") == ["EXP001", "EXP004"]
    assert await ids(status="inactive") == ["EXP003"]
    page = (await clients.registry.get("/v1/experts", params={"limit": 3}, headers=tokens.auditor)).json()
    rest = (
        await clients.registry.get("/v1/experts", params={"cursor": page["next_cursor"]}, headers=tokens.auditor)
    ).json()
    assert [i["expert_id"] for i in page["items"] + rest["items"]] == ["EXP001", "EXP002", "EXP003", "EXP004"]
    assert rest["next_cursor"] is None
