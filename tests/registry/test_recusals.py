"""Recusals (回避): declared against a real inspector and a current entity, withdrawn with a reason."""

from __future__ import annotations

import uuid

import pytest_asyncio

from .conftest import entity_body, uscc
from .test_inspectors import inspector_body


@pytest_asyncio.fixture
async def people(clients, tokens, departments):
    """INS0001 of SCJG, INS0002 of XFJY; entities 1 and 2."""
    for n, dept in ((1, "SCJG"), (2, "XFJY")):
        r = await clients.registry.post("/v1/inspectors", json=inspector_body(n, dept=dept), headers=tokens.admin)
        assert r.status_code == 201, r.text
    for n in (1, 2):
        r = await clients.registry.post("/v1/entities", json=entity_body(n), headers=tokens.admin)
        assert r.status_code == 201, r.text


def recusal_body(inspector: int = 1, entity: int = 1, **overrides) -> dict:
    body = {
        "inspector_id": f"INS{inspector:04d}",
        "uscc": uscc(entity),
        "reason": "近亲属在该企业任职",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    return body | overrides


async def test_declare(clients, tokens, people):
    r = await clients.registry.post("/v1/recusals", json=recusal_body(), headers=tokens.admin)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert uuid.UUID(rec["recusal_id"]) and rec["declared_by"] == "test-admin-x"
    assert (rec["valid_from"], rec["valid_until"], rec["withdrawn"]) == ("2026-01-01", "2026-12-31", False)
    assert r.headers["location"] == f"/v1/recusals/{rec['recusal_id']}"
    r = await clients.registry.get(f"/v1/recusals/{rec['recusal_id']}", headers=tokens.inspector)
    assert r.status_code == 200 and r.json()["uscc"] == uscc(1)
    # an officer declares for their own department's inspectors only; declared_by is the caller, not the body
    r = await clients.registry.post(
        "/v1/recusals", json=recusal_body(1, 2, valid_until=None, uscc=uscc(2).lower()), headers=tokens.officer("SCJG")
    )
    assert r.status_code == 201, r.text
    assert (
        r.json()["declared_by"] == "test-officer-SCJG"
        and r.json()["valid_until"] is None
        and r.json()["uscc"] == uscc(2)
    )
    r = await clients.registry.post("/v1/recusals", json=recusal_body(2, 1), headers=tokens.officer("SCJG"))
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await clients.registry.post(
        "/v1/recusals", json=recusal_body(2, 1) | {"declared_by": "x"}, headers=tokens.admin
    )
    assert r.status_code == 422
    for role in (tokens.auditor, tokens.inspector):
        assert (await clients.registry.post("/v1/recusals", json=recusal_body(), headers=role)).status_code == 403


async def test_references_and_period(clients, tokens, people):
    r = await clients.registry.post("/v1/recusals", json=recusal_body(9, 1), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_inspector"
    r = await clients.registry.post("/v1/recusals", json=recusal_body(1, 9), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_entity"
    etag = (await clients.registry.get(f"/v1/entities/{uscc(2)}", headers=tokens.admin)).headers["etag"]
    r = await clients.registry.delete(
        f"/v1/entities/{uscc(2)}", params={"reason": "注销"}, headers=tokens.admin | {"If-Match": etag}
    )
    assert r.status_code == 204
    r = await clients.registry.post("/v1/recusals", json=recusal_body(1, 2), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_entity"
    r = await clients.registry.post(
        "/v1/recusals", json=recusal_body(valid_from="2026-02-01", valid_until="2026-01-31"), headers=tokens.admin
    )
    assert r.status_code == 422
    r = await clients.registry.post(
        "/v1/recusals", json=recusal_body(valid_from="2026-02-01", valid_until="2026-02-01"), headers=tokens.admin
    )
    assert r.status_code == 201
    r = await clients.registry.post("/v1/recusals", json=recusal_body(reason=" "), headers=tokens.admin)
    assert r.status_code == 422


async def test_list_filters(clients, tokens, people):
    made = {}
    for key, body in {
        "a": recusal_body(1, 1, valid_from="2026-01-01", valid_until="2026-03-31"),
        "b": recusal_body(1, 2, valid_from="2026-03-01", valid_until=None),
        "c": recusal_body(2, 2, valid_from="2026-06-01", valid_until="2026-06-30"),
    }.items():
        r = await clients.registry.post("/v1/recusals", json=body, headers=tokens.admin)
        made[key] = r.json()["recusal_id"]

    async def keys(**params) -> set[str]:
        r = await clients.registry.get("/v1/recusals", params=params, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        back = {v: k for k, v in made.items()}
        return {back[i["recusal_id"]] for i in r.json()["items"]}

    assert await keys() == {"a", "b", "c"}
    assert await keys(inspector_id="INS0001") == {"a", "b"}
    assert await keys(uscc=uscc(2)) == {"b", "c"}
    assert await keys(uscc=uscc(2), inspector_id="INS0002") == {"c"}
    assert await keys(valid_on="2026-03-15") == {"a", "b"}
    assert await keys(valid_on="2026-03-31") == {"a", "b"}
    assert await keys(valid_on="2026-04-01") == {"b"}
    assert await keys(valid_on="2026-06-30") == {"b", "c"}
    assert await keys(valid_on="2025-12-31") == set()
    page = (await clients.registry.get("/v1/recusals", params={"limit": 2}, headers=tokens.auditor)).json()
    rest = (
        await clients.registry.get("/v1/recusals", params={"cursor": page["next_cursor"]}, headers=tokens.auditor)
    ).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None


async def test_withdraw(clients, tokens, people):
    r = await clients.registry.post("/v1/recusals", json=recusal_body(), headers=tokens.officer("SCJG"))
    rid, v1 = r.json()["recusal_id"], r.json()["version"]
    r = await clients.registry.delete(
        f"/v1/recusals/{rid}", params={"reason": "已离职"}, headers=tokens.officer("XFJY")
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await clients.registry.delete(f"/v1/recusals/{rid}", headers=tokens.officer("SCJG"))
    assert r.status_code == 422  # a reason is required
    r = await clients.registry.delete(
        f"/v1/recusals/{rid}", params={"reason": "亲属已离职"}, headers=tokens.officer("SCJG")
    )
    assert r.status_code == 204
    v2 = int(r.headers["x-registry-version"])
    assert (await clients.registry.get(f"/v1/recusals/{rid}", headers=tokens.auditor)).status_code == 404
    assert (await clients.registry.get("/v1/recusals", headers=tokens.auditor)).json()["items"] == []
    r = await clients.registry.get("/v1/recusals", params={"as_of": v1}, headers=tokens.auditor)
    assert [i["recusal_id"] for i in r.json()["items"]] == [rid]
    r = await clients.registry.get(f"/v1/recusals/{rid}", params={"as_of": v1}, headers=tokens.auditor)
    assert r.status_code == 200 and r.json()["withdrawn"] is False
    hist = (await clients.registry.get(f"/v1/recusals/{rid}/history", headers=tokens.auditor)).json()
    assert [
        (h["version"], h["valid_to"], h["withdrawn"], h["withdrawal_reason"], h["change_reason"]) for h in hist
    ] == [(v1, v2, False, None, "create"), (v2, None, True, "亲属已离职", "withdraw")]
    assert hist[1]["changed_by"] == "test-officer-SCJG" and hist[1]["declared_by"] == "test-officer-SCJG"
    r = await clients.registry.delete(f"/v1/recusals/{rid}", params={"reason": "again"}, headers=tokens.admin)
    assert r.status_code == 404
