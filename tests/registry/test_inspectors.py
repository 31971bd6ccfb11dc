"""Inspectors (执法检查人员): versioned records, department scope, ETags, as_of, history."""

from __future__ import annotations

from typing import Any


def inspector_body(n: int, dept: str = "SCJG", **overrides: Any) -> dict[str, Any]:
    body = {
        "inspector_id": f"INS{n:04d}",
        "name": f"测试人员{n}",
        "department": dept,
        "certificate_no": f"4115232024{n:04d}",
        "specialties": ["食品安全"],
        "region": "411523",
        "status": "active",
    }
    body.update(overrides)
    return body


async def create(clients, headers, body) -> dict:
    r = await clients.registry.post("/v1/inspectors", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r


async def test_create_get_and_read_roles(clients, tokens, departments):
    r = await create(clients, tokens.admin, inspector_body(1, specialties=[" 食品安全 ", "计量", "计量"]))
    assert r.headers["etag"] == f'"{r.json()["version"]}"'
    assert r.headers["location"] == "/v1/inspectors/INS0001"
    body = r.json()
    assert body["specialties"] == ["计量", "食品安全"] and body["changed_by"] == "test-admin-x"
    for reader in (tokens.auditor, tokens.inspector, tokens.service, tokens.officer("XFJY")):
        r = await clients.registry.get("/v1/inspectors/INS0001", headers=reader)
        assert r.status_code == 200, r.text
        assert r.json()["department"] == "SCJG"
    r = await clients.registry.post("/v1/inspectors", json=inspector_body(2), headers=tokens.auditor)
    assert r.status_code == 403
    r = await clients.registry.get("/v1/inspectors/NOPE", headers=tokens.admin)
    assert r.status_code == 404 and r.json()["code"] == "inspector_not_found"


async def test_input_rules(clients, tokens, departments):
    r = await clients.registry.post("/v1/inspectors", json=inspector_body(1, dept="NOPE"), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_department"
    for bad in (
        {"inspector_id": "INS 1"},
        {"inspector_id": "I" * 33},
        {"inspector_id": "INS\t1"},
        {"region": "999999"},
        {"name": "王\t伟"},
        {"specialties": ["食品\n安全"]},
        {"status": "retired"},
        {"department": "scjg!"},
    ):
        r = await clients.registry.post("/v1/inspectors", json=inspector_body(1, **bad), headers=tokens.admin)
        assert r.status_code == 422, (bad, r.text)
    r = await create(clients, tokens.admin, inspector_body(1, department="scjg", region="４１１５２３"))
    assert r.json()["department"] == "SCJG" and r.json()["region"] == "411523"
    r = await clients.registry.post("/v1/inspectors", json=inspector_body(1, certificate_no="X1"), headers=tokens.admin)
    assert r.status_code == 409 and r.json()["code"] == "inspector_exists"


async def test_duplicate_certificate_is_409(clients, tokens, departments):
    await create(clients, tokens.admin, inspector_body(1, certificate_no="豫4115230001"))
    r = await clients.registry.post(
        "/v1/inspectors", json=inspector_body(2, certificate_no=" 豫４１１５２３０００１"), headers=tokens.admin
    )
    assert r.status_code == 409 and r.json()["code"] == "certificate_taken", r.text
    r2 = await create(clients, tokens.admin, inspector_body(2))
    r = await clients.registry.patch(
        "/v1/inspectors/INS0002",
        json={"certificate_no": "豫4115230001"},
        headers=tokens.admin | {"If-Match": r2.headers["etag"]},
    )
    assert r.status_code == 409 and r.json()["code"] == "certificate_taken"
    # the holder may keep (re-send) its own number; once deleted, the number is free again
    r = await clients.registry.get("/v1/inspectors/INS0001", headers=tokens.admin)
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001",
        json={"certificate_no": "豫4115230001"},
        headers=tokens.admin | {"If-Match": r.headers["etag"]},
    )
    assert r.status_code == 200
    r = await clients.registry.delete(
        "/v1/inspectors/INS0001", params={"reason": "调离"}, headers=tokens.admin | {"If-Match": r.headers["etag"]}
    )
    assert r.status_code == 204
    await create(clients, tokens.admin, inspector_body(3, certificate_no="豫4115230001"))


async def test_officer_department_scope(clients, tokens, departments):
    scjg, xfjy = tokens.officer("SCJG"), tokens.officer("XFJY")
    r = await create(clients, scjg, inspector_body(1, dept="SCJG"))
    own_etag = r.headers["etag"]
    r = await clients.registry.post("/v1/inspectors", json=inspector_body(2, dept="XFJY"), headers=scjg)
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await create(clients, tokens.admin, inspector_body(2, dept="XFJY"))
    other_etag = r.headers["etag"]
    # an officer of SCJG may not change, delete or take over XFJY's inspector
    r = await clients.registry.patch(
        "/v1/inspectors/INS0002", json={"name": "改名"}, headers=scjg | {"If-Match": other_etag}
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await clients.registry.patch(
        "/v1/inspectors/INS0002", json={"department": "SCJG"}, headers=scjg | {"If-Match": other_etag}
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await clients.registry.delete(
        "/v1/inspectors/INS0002", params={"reason": "调离"}, headers=scjg | {"If-Match": other_etag}
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    # nor move their own inspector into another department
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"department": "XFJY"}, headers=scjg | {"If-Match": own_etag}
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    # each officer changes their own; the admin changes anything
    r = await clients.registry.patch(
        "/v1/inspectors/INS0002", json={"status": "on_leave"}, headers=xfjy | {"If-Match": other_etag}
    )
    assert r.status_code == 200 and r.json()["status"] == "on_leave"
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"department": "XFJY"}, headers=tokens.admin | {"If-Match": own_etag}
    )
    assert r.status_code == 200 and r.json()["department"] == "XFJY"
    r = await clients.registry.get("/v1/inspectors/INS0002", headers=tokens.admin)
    assert r.json()["name"] == "测试人员2"


async def test_if_match_428_412(clients, tokens, departments):
    r = await create(clients, tokens.admin, inspector_body(1))
    etag = r.headers["etag"]
    r = await clients.registry.patch("/v1/inspectors/INS0001", json={"name": "甲"}, headers=tokens.admin)
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"name": "甲"}, headers=tokens.admin | {"If-Match": '"999"'}
    )
    assert r.status_code == 412 and r.json()["code"] == "etag_mismatch" and r.json()["current_etag"] == etag
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"name": "甲"}, headers=tokens.admin | {"If-Match": f"W/{etag}"}
    )
    assert r.status_code == 200 and r.headers["etag"] != etag
    r2 = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"name": "乙"}, headers=tokens.admin | {"If-Match": etag}
    )
    assert r2.status_code == 412  # stale ETag: no lost update
    r = await clients.registry.delete("/v1/inspectors/INS0001", params={"reason": "调离"}, headers=tokens.admin)
    assert r.status_code == 428
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"name": None}, headers=tokens.admin | {"If-Match": "*"}
    )
    assert r.status_code == 422
    # no change, no new version
    before = (await clients.registry.get("/v1/inspectors/INS0001", headers=tokens.admin)).json()["version"]
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001", json={"name": "甲"}, headers=tokens.admin | {"If-Match": "*"}
    )
    assert r.status_code == 200 and r.json()["version"] == before


async def test_as_of_history_and_soft_delete(clients, tokens, departments):
    r = await create(clients, tokens.admin, inspector_body(1, status="active"))
    v1, t1 = r.json()["version"], r.json()["changed_at"]
    r = await clients.registry.patch(
        "/v1/inspectors/INS0001",
        json={"status": "on_leave", "specialties": ["计量"]},
        headers=tokens.admin | {"If-Match": r.headers["etag"]},
    )
    v2 = r.json()["version"]
    assert v2 > v1
    r = await clients.registry.delete(
        "/v1/inspectors/INS0001", params={"reason": "调离本县"}, headers=tokens.admin | {"If-Match": r.headers["etag"]}
    )
    assert r.status_code == 204
    v3 = int(r.headers["x-registry-version"])
    r = await clients.registry.get("/v1/inspectors/INS0001", headers=tokens.admin)
    assert r.status_code == 404
    for as_of in (str(v1), t1):
        r = await clients.registry.get("/v1/inspectors/INS0001", params={"as_of": as_of}, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "active" and r.json()["specialties"] == ["食品安全"] and r.json()["version"] == v1
    r = await clients.registry.get("/v1/inspectors/INS0001", params={"as_of": v2}, headers=tokens.auditor)
    assert r.json()["status"] == "on_leave"
    r = await clients.registry.get("/v1/inspectors", params={"as_of": v1}, headers=tokens.auditor)
    assert [i["inspector_id"] for i in r.json()["items"]] == ["INS0001"] and r.headers["x-registry-version"] == str(v1)
    r = await clients.registry.get("/v1/inspectors", headers=tokens.auditor)
    assert r.json()["items"] == []
    r = await clients.registry.get("/v1/inspectors/INS0001", params={"as_of": v3 + 10}, headers=tokens.auditor)
    assert r.status_code == 422 and r.json()["code"] == "as_of_in_future"
    r = await clients.registry.get("/v1/inspectors/INS0001/history", headers=tokens.auditor)
    assert r.status_code == 200
    hist = r.json()
    assert [(h["version"], h["valid_to"], h["change_reason"], h["deleted"]) for h in hist] == [
        (v1, v2, "create", False),
        (v2, v3, "update", False),
        (v3, None, "delete", True),
    ]
    r = await clients.registry.get("/v1/inspectors/NOPE/history", headers=tokens.auditor)
    assert r.status_code == 404
    # the id may be registered again after a delete
    await create(clients, tokens.admin, inspector_body(1))


async def test_list_filters_and_pagination(clients, tokens, departments):
    await create(clients, tokens.admin, inspector_body(1, dept="SCJG", specialties=["食品安全", "计量"]))
    await create(clients, tokens.admin, inspector_body(2, dept="SCJG", specialties=["药品"], status="on_leave"))
    await create(clients, tokens.admin, inspector_body(3, dept="XFJY", specialties=["消防安全"], region="411502"))
    await create(
        clients, tokens.admin, inspector_body(4, dept="GAJ", specialties=["治安管理"], status="left", region="410102")
    )

    async def ids(**params) -> list[str]:
        r = await clients.registry.get("/v1/inspectors", params=params, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        return [i["inspector_id"] for i in r.json()["items"]]

    assert await ids() == ["INS0001", "INS0002", "INS0003", "INS0004"]
    assert await ids(department="SCJG") == ["INS0001", "INS0002"]
    assert await ids(department=["XFJY", "GAJ"]) == ["INS0003", "INS0004"]
    assert await ids(status="active") == ["INS0001", "INS0003"]
    assert await ids(status=["on_leave", "left"]) == ["INS0002", "INS0004"]
    assert await ids(specialty="计量") == ["INS0001"]
    assert await ids(specialty=["药品", "消防安全"]) == ["INS0002", "INS0003"]
    assert await ids(region="4115") == ["INS0001", "INS0002", "INS0003"]
    assert await ids(region="411523") == ["INS0001", "INS0002"]
    assert await ids(region="41") == ["INS0001", "INS0002", "INS0003", "INS0004"]
    assert await ids(region="4115", status="active", department="SCJG") == ["INS0001"]
    r = await clients.registry.get("/v1/inspectors", params={"region": "99"}, headers=tokens.auditor)
    assert r.status_code == 422
    r = await clients.registry.get("/v1/inspectors", params={"status": "retired"}, headers=tokens.auditor)
    assert r.status_code == 422
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await clients.registry.get("/v1/inspectors", params=params, headers=tokens.auditor)).json()
        seen += [i["inspector_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["INS0001", "INS0002", "INS0003", "INS0004"]
