"""Inspector pool, recusal constraints and expert frames: canonical draw-v1 files as of any version."""

from __future__ import annotations

import hashlib

import httpx

from registry.experts.models import Expert
from registry.inspectors.models import Inspector
from registry.recusals.models import Recusal

from .conftest import entity_body, uscc
from .test_experts import expert_body
from .test_inspectors import inspector_body


def assert_frame(r: httpx.Response, expected: str) -> None:
    """Exact bytes, and headers that describe them."""
    assert r.status_code == 200, r.text
    assert r.content == expected.encode("utf-8")
    assert r.headers["x-frame-lines"] == str(expected.count("\n"))
    assert r.headers["x-frame-sha256"] == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert r.headers["content-type"].startswith("text/plain")
    assert int(r.headers["x-registry-version"]) >= 0


async def post_inspector(clients, tokens, body) -> httpx.Response:
    r = await clients.registry.post("/v1/inspectors", json=body, headers=tokens.admin)
    assert r.status_code == 201, r.text
    return r


async def patch(clients, tokens, path, changes) -> httpx.Response:
    etag = (await clients.registry.get(path, headers=tokens.admin)).headers["etag"]
    r = await clients.registry.patch(path, json=changes, headers=tokens.admin | {"If-Match": etag})
    assert r.status_code == 200, r.text
    return r


def test_frame_columns_compare_bytewise():
    for col in (
        Inspector.inspector_id,
        Inspector.department,
        Expert.expert_id,
        Expert.field,
        Recusal.inspector_id,
        Recusal.uscc,
    ):
        assert col.type.collation == "C", col


async def test_inspector_pool(clients, tokens, departments):
    await post_inspector(clients, tokens, inspector_body(3, dept="SCJG"))
    await post_inspector(clients, tokens, inspector_body(1, dept="SCJG"))
    await post_inspector(clients, tokens, inspector_body(2, dept="XFJY"))
    await post_inspector(clients, tokens, inspector_body(4, dept="SCJG", status="on_leave"))
    await post_inspector(clients, tokens, inspector_body(5, dept="GAJ", status="left"))
    await post_inspector(
        clients, tokens, inspector_body(6, dept="GAJ", inspector_id="ins0006")
    )  # lower case sorts last
    await post_inspector(clients, tokens, inspector_body(7, dept="GAJ", inspector_id="INS0001-B"))  # '-' > TAB
    r = await post_inspector(clients, tokens, inspector_body(8, dept="XFJY"))
    r = await clients.registry.delete(
        "/v1/inspectors/INS0008", params={"reason": "调离"}, headers=tokens.admin | {"If-Match": r.headers["etag"]}
    )
    assert r.status_code == 204

    r = await clients.registry.post("/v1/frames/inspector-pool", json={}, headers=tokens.auditor)
    assert_frame(r, "INS0001\tSCJG\nINS0001-B\tGAJ\nINS0002\tXFJY\nINS0003\tSCJG\nins0006\tGAJ\n")
    r = await clients.registry.post(
        "/v1/frames/inspector-pool", json={"departments": ["XFJY", "gaj"]}, headers=tokens.service
    )
    assert_frame(r, "INS0001-B\tGAJ\nINS0002\tXFJY\nins0006\tGAJ\n")
    r = await clients.registry.post("/v1/frames/inspector-pool", json={"departments": ["WJW"]}, headers=tokens.auditor)
    assert_frame(r, "")
    assert r.headers["x-frame-sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    r = await clients.registry.post("/v1/frames/inspector-pool", json={"bogus": 1}, headers=tokens.auditor)
    assert r.status_code == 422


async def test_inspector_pool_as_of_is_frozen(clients, tokens, departments):
    await post_inspector(clients, tokens, inspector_body(1, dept="SCJG"))
    await post_inspector(clients, tokens, inspector_body(2, dept="XFJY"))
    first = await clients.registry.post("/v1/frames/inspector-pool", json={}, headers=tokens.auditor)
    version = int(first.headers["x-registry-version"])
    assert_frame(first, "INS0001\tSCJG\nINS0002\tXFJY\n")
    stamp = (await clients.registry.get("/v1/inspectors/INS0002", headers=tokens.admin)).json()["changed_at"]
    # later: one goes on leave, one moves department, one joins
    await patch(clients, tokens, "/v1/inspectors/INS0001", {"status": "on_leave"})
    await patch(clients, tokens, "/v1/inspectors/INS0002", {"department": "GAJ"})
    await post_inspector(clients, tokens, inspector_body(3, dept="SCJG"))
    now = await clients.registry.post("/v1/frames/inspector-pool", json={}, headers=tokens.auditor)
    assert_frame(now, "INS0002\tGAJ\nINS0003\tSCJG\n")
    for as_of in (version, str(version), stamp):
        again = await clients.registry.post("/v1/frames/inspector-pool", json={"as_of": as_of}, headers=tokens.auditor)
        assert again.content == first.content
        assert again.headers["x-frame-sha256"] == first.headers["x-frame-sha256"]
        assert again.headers["x-registry-version"] == str(version)
    r = await clients.registry.post("/v1/frames/inspector-pool", json={"as_of": 10_000}, headers=tokens.auditor)
    assert r.status_code == 422 and r.json()["code"] == "as_of_in_future"


async def test_recusal_pairs(clients, tokens, departments):
    for n in (1, 2, 3):
        await post_inspector(clients, tokens, inspector_body(n, dept="SCJG"))
        r = await clients.registry.post("/v1/entities", json=entity_body(n), headers=tokens.admin)
        assert r.status_code == 201, r.text

    async def declare(inspector: int, entity: int, start: str, until: str | None) -> str:
        body = {
            "inspector_id": f"INS{inspector:04d}",
            "uscc": uscc(entity),
            "reason": "利害关系",
            "valid_from": start,
            "valid_until": until,
        }
        r = await clients.registry.post("/v1/recusals", json=body, headers=tokens.admin)
        assert r.status_code == 201, r.text
        return r.json()["recusal_id"]

    await declare(1, 1, "2026-01-01", "2026-06-30")
    await declare(1, 1, "2026-03-01", None)  # the same pair twice: one line
    await declare(2, 2, "2026-07-01", None)
    await declare(1, 3, "2026-01-01", "2026-01-31")
    withdrawn = await declare(3, 2, "2026-01-01", None)
    before_withdrawal = await clients.registry.post(
        "/v1/frames/recusals", json={"on": "2026-04-01"}, headers=tokens.auditor
    )
    r = await clients.registry.delete(f"/v1/recusals/{withdrawn}", params={"reason": "声明有误"}, headers=tokens.admin)
    assert r.status_code == 204

    async def frame(**body) -> httpx.Response:
        return await clients.registry.post("/v1/frames/recusals", json=body, headers=tokens.auditor)

    assert_frame(before_withdrawal, f"recusal\tINS0001\t{uscc(1)}\nrecusal\tINS0003\t{uscc(2)}\n")
    assert_frame(await frame(on="2026-04-01"), f"recusal\tINS0001\t{uscc(1)}\n")
    assert_frame(await frame(on="2026-01-15"), f"recusal\tINS0001\t{uscc(1)}\nrecusal\tINS0001\t{uscc(3)}\n")
    assert_frame(await frame(on="2026-08-01"), f"recusal\tINS0001\t{uscc(1)}\nrecusal\tINS0002\t{uscc(2)}\n")
    assert_frame(await frame(on="2025-12-31"), "")
    assert_frame(await frame(on="2026-08-01", inspector_ids=["INS0002"]), f"recusal\tINS0002\t{uscc(2)}\n")
    assert_frame(await frame(on="2026-08-01", usccs=[uscc(1).lower()]), f"recusal\tINS0001\t{uscc(1)}\n")
    assert_frame(await frame(on="2026-08-01", inspector_ids=["INS0002"], usccs=[uscc(1)]), "")
    # as of the version before the withdrawal: the same bytes as then, whatever happened since
    await declare(2, 1, "2026-01-01", None)
    again = await frame(on="2026-04-01", as_of=int(before_withdrawal.headers["x-registry-version"]))
    assert again.content == before_withdrawal.content
    assert again.headers["x-frame-sha256"] == before_withdrawal.headers["x-frame-sha256"]
    assert (await frame()).status_code == 422  # "on" is required


async def test_expert_frame(clients, tokens):
    for n, field, status in (
        (3, "食品安全", "active"),
        (1, "消防安全", "active"),
        (2, "特种设备", "inactive"),
        (4, "药品", "active"),
        (5, "消防安全", "active"),
    ):
        r = await clients.registry.post(
            "/v1/experts", json=expert_body(n, field=field, status=status), headers=tokens.admin
        )
        assert r.status_code == 201, r.text
    r = await clients.registry.post(
        "/v1/experts", json=expert_body(0, expert_id="Exp000", field="公共卫生"), headers=tokens.admin
    )
    assert r.status_code == 201
    first = await clients.registry.post("/v1/frames/experts", json={}, headers=tokens.auditor)
    expected = "EXP001\t消防安全\nEXP003\t食品安全\nEXP004\t药品\nEXP005\t消防安全\nExp000\t公共卫生\n"
    assert_frame(first, expected)
    r = await clients.registry.post(
        "/v1/frames/experts", json={"fields": ["消防安全", "特种设备"]}, headers=tokens.auditor
    )
    assert_frame(r, "EXP001\t消防安全\nEXP005\t消防安全\n")
    version = int(first.headers["x-registry-version"])
    await patch(clients, tokens, "/v1/experts/EXP001", {"status": "inactive"})
    await patch(clients, tokens, "/v1/experts/EXP002", {"status": "active"})
    await patch(clients, tokens, "/v1/experts/EXP003", {"field": "药品"})
    assert_frame(
        await clients.registry.post("/v1/frames/experts", json={}, headers=tokens.auditor),
        "EXP002\t特种设备\nEXP003\t药品\nEXP004\t药品\nEXP005\t消防安全\nExp000\t公共卫生\n",
    )
    again = await clients.registry.post("/v1/frames/experts", json={"as_of": version}, headers=tokens.auditor)
    assert again.content == first.content and again.headers["x-frame-sha256"] == first.headers["x-frame-sha256"]
