"""Entities: identity, validation, department scope, ETags, history and as_of."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from .conftest import entity_body, uscc


async def _create(clients, tokens, n, **kw):
    r = await clients.registry.post("/v1/entities", json=entity_body(n, **kw), headers=tokens.admin)
    assert r.status_code == 201, r.text
    return r


async def test_create_normalises_and_reads_back(clients, tokens, departments):
    body = entity_body(1, uscc=" " + uscc(1).lower() + " ", industry_code="h6210", departments=["xfjy", "SCJG"])
    r = await clients.registry.post("/v1/entities", json=body, headers=tokens.admin)
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["uscc"] == uscc(1) and e["industry_code"] == "H6210" and e["departments"] == ["SCJG", "XFJY"]
    assert r.headers["location"] == f"/v1/entities/{uscc(1)}"
    assert e["classified_at"] is not None and e["version"] == int(r.headers["x-registry-version"])
    got = await clients.registry.get(f"/v1/entities/{uscc(1)}", headers=tokens.inspector)
    assert got.json()["name"] == body["name"] and got.headers["etag"] == r.headers["etag"]


async def test_bad_check_character_is_rejected_with_reason(clients, tokens, departments):
    bad = uscc(2)[:-1] + ("0" if uscc(2)[-1] != "0" else "1")
    r = await clients.registry.post("/v1/entities", json=entity_body(2, uscc=bad), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_uscc"
    assert "check" in r.json()["errors"][0]["reason"]


async def test_legacy_code_needs_admin_and_reason_and_is_audited(clients, tokens, departments):
    bad = uscc(3)[:-1] + ("0" if uscc(3)[-1] != "0" else "1")
    officer = await clients.registry.post(
        "/v1/entities",
        json=entity_body(3, uscc=bad, legacy_code=True, legacy_reason="试点代码"),
        headers=tokens.officer("SCJG"),
    )
    assert officer.status_code == 403 and officer.json()["code"] == "legacy_override_admin_only"
    no_reason = await clients.registry.post(
        "/v1/entities", json=entity_body(3, uscc=bad, legacy_code=True), headers=tokens.admin
    )
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "legacy_reason_required"
    ok = await clients.registry.post(
        "/v1/entities",
        json=entity_body(3, uscc=bad, legacy_code=True, legacy_reason="2015 年试点代码"),
        headers=tokens.admin,
    )
    assert ok.status_code == 201 and ok.json()["legacy_code"] is True
    not_needed = await clients.registry.post(
        "/v1/entities", json=entity_body(4, legacy_code=True, legacy_reason="x"), headers=tokens.admin
    )
    assert not_needed.status_code == 422 and not_needed.json()["code"] == "legacy_override_not_needed"


async def test_validation_lists_every_bad_field(clients, tokens, departments):
    body = entity_body(5, industry_code="Z9999", division_code="12", entity_type="martian", credit_class="E")
    r = await clients.registry.post("/v1/entities", json=body, headers=tokens.admin)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"body.industry_code", "body.division_code", "body.entity_type", "body.credit_class"} <= fields


async def test_unknown_department_is_422(clients, tokens, departments):
    r = await clients.registry.post("/v1/entities", json=entity_body(6, departments=["NOPE"]), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_department"


async def test_duplicate_is_409(clients, tokens, departments):
    await _create(clients, tokens, 7)
    again = await clients.registry.post("/v1/entities", json=entity_body(7), headers=tokens.admin)
    assert again.status_code == 409 and again.json()["code"] == "entity_exists"


async def test_officer_scope(clients, tokens, departments):
    created = await clients.registry.post(
        "/v1/entities", json=entity_body(8, departments=["XFJY"]), headers=tokens.officer("SCJG")
    )
    assert created.status_code == 201 and created.json()["departments"] == ["SCJG", "XFJY"]  # own department added
    etag = created.headers["etag"]
    other = await clients.registry.patch(
        f"/v1/entities/{uscc(8)}", json={"name": "改名"}, headers=tokens.officer("GAJ") | {"If-Match": etag}
    )
    assert other.status_code == 403 and other.json()["code"] == "department_scope"
    own = await clients.registry.patch(
        f"/v1/entities/{uscc(8)}", json={"name": "改名"}, headers=tokens.officer("XFJY") | {"If-Match": etag}
    )
    assert own.status_code == 200
    drop_self = await clients.registry.patch(
        f"/v1/entities/{uscc(8)}",
        json={"departments": ["SCJG"]},
        headers=tokens.officer("XFJY") | {"If-Match": own.headers["etag"]},
    )
    assert drop_self.status_code == 403
    auditor = await clients.registry.post("/v1/entities", json=entity_body(9), headers=tokens.auditor)
    assert auditor.status_code == 403


async def test_if_match_is_required_and_checked(clients, tokens, departments):
    r = await _create(clients, tokens, 10)
    missing = await clients.registry.patch(f"/v1/entities/{uscc(10)}", json={"name": "甲"}, headers=tokens.admin)
    assert missing.status_code == 428
    first = await clients.registry.patch(
        f"/v1/entities/{uscc(10)}", json={"name": "甲"}, headers=tokens.admin | {"If-Match": r.headers["etag"]}
    )
    assert first.status_code == 200 and first.headers["etag"] != r.headers["etag"]
    stale = await clients.registry.patch(
        f"/v1/entities/{uscc(10)}", json={"name": "乙"}, headers=tokens.admin | {"If-Match": r.headers["etag"]}
    )
    assert stale.status_code == 412 and stale.json()["current_etag"] == first.headers["etag"]


async def test_no_op_update_writes_no_version(clients, tokens, departments):
    r = await _create(clients, tokens, 11)
    same = await clients.registry.patch(
        f"/v1/entities/{uscc(11)}",
        json={"name": entity_body(11)["name"]},
        headers=tokens.admin | {"If-Match": r.headers["etag"]},
    )
    assert same.status_code == 200 and same.headers["etag"] == r.headers["etag"]
    history = (await clients.registry.get(f"/v1/entities/{uscc(11)}/history", headers=tokens.admin)).json()
    assert len(history) == 1


async def test_as_of_returns_the_past_exactly(clients, tokens, departments):
    r = await _create(clients, tokens, 12, credit_class="A", name="旧名称")
    v1 = int(r.headers["x-registry-version"])
    await asyncio.sleep(0.01)
    t1 = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.01)
    r2 = await clients.registry.patch(
        f"/v1/entities/{uscc(12)}",
        json={"name": "新名称", "credit_class": "D"},
        headers=tokens.admin | {"If-Match": r.headers["etag"]},
    )
    v2 = int(r2.headers["x-registry-version"])
    assert v2 > v1
    await _create(clients, tokens, 13)
    now = (await clients.registry.get(f"/v1/entities/{uscc(12)}", headers=tokens.admin)).json()
    assert (now["name"], now["credit_class"]) == ("新名称", "D")
    by_version = (
        await clients.registry.get(f"/v1/entities/{uscc(12)}", params={"as_of": v1}, headers=tokens.admin)
    ).json()
    assert (by_version["name"], by_version["credit_class"], by_version["version"]) == ("旧名称", "A", v1)
    by_time = (
        await clients.registry.get(f"/v1/entities/{uscc(12)}", params={"as_of": t1}, headers=tokens.admin)
    ).json()
    assert by_time["name"] == "旧名称"
    listed = (await clients.registry.get("/v1/entities", params={"as_of": v1}, headers=tokens.admin)).json()["items"]
    assert [e["uscc"] for e in listed] == [uscc(12)]
    before = await clients.registry.get(f"/v1/entities/{uscc(13)}", params={"as_of": v2}, headers=tokens.admin)
    assert before.status_code == 404
    future = await clients.registry.get("/v1/entities", params={"as_of": v2 + 100}, headers=tokens.admin)
    assert future.status_code == 422 and future.json()["code"] == "as_of_in_future"
    garbage = await clients.registry.get("/v1/entities", params={"as_of": "yesterday"}, headers=tokens.admin)
    assert garbage.status_code == 422 and garbage.json()["code"] == "invalid_as_of"


async def test_soft_delete_keeps_history(clients, tokens, departments):
    r = await _create(clients, tokens, 14)
    v1 = int(r.headers["x-registry-version"])
    no_reason = await clients.registry.delete(
        f"/v1/entities/{uscc(14)}", headers=tokens.admin | {"If-Match": r.headers["etag"]}
    )
    assert no_reason.status_code == 422
    d = await clients.registry.delete(
        f"/v1/entities/{uscc(14)}",
        params={"reason": "已注销登记"},
        headers=tokens.admin | {"If-Match": r.headers["etag"]},
    )
    assert d.status_code == 204
    assert (await clients.registry.get(f"/v1/entities/{uscc(14)}", headers=tokens.admin)).status_code == 404
    past = await clients.registry.get(f"/v1/entities/{uscc(14)}", params={"as_of": v1}, headers=tokens.admin)
    assert past.status_code == 200
    history = (await clients.registry.get(f"/v1/entities/{uscc(14)}/history", headers=tokens.admin)).json()
    assert [h["deleted"] for h in history] == [False, True] and history[0]["valid_to"] == history[1]["version"]
    again = await clients.registry.post("/v1/entities", json=entity_body(14), headers=tokens.admin)
    assert again.status_code == 201  # re-registration after deletion is a new version of the same identity


async def test_filters_and_pagination(clients, tokens, departments):
    await _create(clients, tokens, 20, industry_code="F5265", tags=["成品油零售许可"], credit_class=None)
    await _create(clients, tokens, 21, industry_code="F5251", entity_type="individual_business", credit_class="C")
    await _create(clients, tokens, 22, industry_code="H6210", status="revoked", name="新县某KTV")
    await _create(clients, tokens, 23, industry_code="R9011", division_code="411502", departments=["GAJ"])

    async def q(**params):
        r = await clients.registry.get("/v1/entities", params=params, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        return [e["uscc"] for e in r.json()["items"]]

    # the query parameters are the fields of a scope (a task's `scope`, a frame request's `scope`)
    assert await q(industry_prefixes="F52") == [uscc(20), uscc(21)]
    assert await q(industry_prefixes="5265") == [uscc(20)]
    assert await q(division_prefixes="411523") == [uscc(20), uscc(21), uscc(22)]
    assert await q(division_prefixes="4115") == [uscc(20), uscc(21), uscc(22), uscc(23)]
    assert await q(entity_types="individual_business") == [uscc(21)]
    assert await q(statuses="revoked") == [uscc(22)]
    assert await q(credit_classes="U") == [uscc(20)]
    assert await q(tags="成品油零售许可") == [uscc(20)]
    assert await q(departments="GAJ") == [uscc(23)]
    assert await q(name_contains="KTV") == [uscc(22)]
    assert await q(name_contains="100%") == []
    page = (await clients.registry.get("/v1/entities", params={"limit": 3}, headers=tokens.auditor)).json()
    rest = (
        await clients.registry.get(
            "/v1/entities", params={"limit": 3, "cursor": page["next_cursor"]}, headers=tokens.auditor
        )
    ).json()
    assert [e["uscc"] for e in page["items"] + rest["items"]] == [uscc(n) for n in (20, 21, 22, 23)]
    assert rest["next_cursor"] is None
    bad = await clients.registry.get("/v1/entities", params={"industry_prefixes": "Q99X"}, headers=tokens.auditor)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_filter"


async def test_changes_are_audited_through_the_outbox(clients, tokens, departments, apps):
    from sqlalchemy import text

    await _create(clients, tokens, 30)
    async with apps["registry"].state.db.transaction() as s:
        topics = (
            (
                await s.execute(
                    text(
                        "SELECT payload->>'action' FROM outbox_events WHERE topic = 'audit.record' AND payload->>'object_type' = 'entity'"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert topics == ["entity.create"]


async def test_credit_class_sync(clients, tokens, departments):
    await _create(clients, tokens, 40, credit_class="A", classified_at="2026-01-01T00:00:00Z")
    await _create(clients, tokens, 41, credit_class="B", classified_at="2026-01-01T00:00:00Z")
    await _create(clients, tokens, 42, credit_class=None)
    body = {
        "items": [
            {"uscc": uscc(40), "credit_class": "C", "classified_at": "2026-06-01T00:00:00Z"},
            {"uscc": uscc(41), "credit_class": "A", "classified_at": "2025-06-01T00:00:00Z"},
            {"uscc": uscc(42), "credit_class": "D", "classified_at": "2026-06-01T00:00:00Z"},
            {"uscc": uscc(99), "credit_class": "A", "classified_at": "2026-06-01T00:00:00Z"},
        ]
    }
    assert (
        await clients.registry.post("/v1/entities/credit-classes", json=body, headers=tokens.officer("SCJG"))
    ).status_code == 403
    r = await clients.registry.post("/v1/entities/credit-classes", json=body, headers=tokens.service)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["updated"], out["stale"], out["unknown"]) == (2, [uscc(41)], [uscc(99)])
    classes = {
        e["uscc"]: e["credit_class"]
        for e in (await clients.registry.get("/v1/entities", headers=tokens.admin)).json()["items"]
    }
    assert classes == {uscc(40): "C", uscc(41): "B", uscc(42): "D"}
    history = (await clients.registry.get(f"/v1/entities/{uscc(40)}/history", headers=tokens.admin)).json()
    assert [h["credit_class"] for h in history] == ["A", "C"] and history[1]["change_reason"] == "credit_sync"
    again = (await clients.registry.post("/v1/entities/credit-classes", json=body, headers=tokens.service)).json()
    assert (again["updated"], again["unchanged"], again["changed"]) == (0, 2, False)
    assert again["registry_version"] == out["registry_version"] and out["changed"] is True
