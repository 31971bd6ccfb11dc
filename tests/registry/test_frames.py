"""Entity frames: bytes and hash exactly as draw-v1 defines them, forever the same as of a version."""

from __future__ import annotations

import hashlib

from .conftest import entity_body, uscc

SPEC_FRAME_SHA256 = "b5fb21efae7a1a94a5d246154b31021a448a5f3e767f334cb43c7fbfbcbda7df"


async def _spec_county(clients, tokens):
    for n in range(20):
        r = await clients.registry.post(
            "/v1/entities", json=entity_body(n, credit_class="ABCD"[n % 4]), headers=tokens.admin
        )
        assert r.status_code == 201, r.text


async def test_frame_of_the_spec_vector_has_the_spec_hash(clients, tokens, departments):
    await _spec_county(clients, tokens)
    r = await clients.registry.post("/v1/frames", json={}, headers=tokens.service)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    expected = "".join(f"{uscc(n)}\t{'ABCD'[n % 4]}\n" for n in sorted(range(20), key=lambda n: uscc(n).encode()))
    assert r.content == expected.encode()
    assert r.headers["x-frame-sha256"] == hashlib.sha256(r.content).hexdigest() == SPEC_FRAME_SHA256
    assert r.headers["x-frame-lines"] == "20"


async def test_frame_as_of_a_version_never_changes(clients, tokens, departments):
    await _spec_county(clients, tokens)
    first = await clients.registry.post("/v1/frames", json={}, headers=tokens.auditor)
    version = int(first.headers["x-registry-version"])
    # later: a reclassification, a deletion, a new entity, a revocation
    e0 = await clients.registry.get(f"/v1/entities/{uscc(0)}", headers=tokens.admin)
    await clients.registry.patch(
        f"/v1/entities/{uscc(0)}", json={"credit_class": "D"}, headers=tokens.admin | {"If-Match": e0.headers["etag"]}
    )
    e1 = await clients.registry.get(f"/v1/entities/{uscc(1)}", headers=tokens.admin)
    await clients.registry.delete(
        f"/v1/entities/{uscc(1)}", params={"reason": "注销"}, headers=tokens.admin | {"If-Match": e1.headers["etag"]}
    )
    await clients.registry.post("/v1/entities", json=entity_body(50), headers=tokens.admin)
    e2 = await clients.registry.get(f"/v1/entities/{uscc(2)}", headers=tokens.admin)
    await clients.registry.patch(
        f"/v1/entities/{uscc(2)}", json={"status": "revoked"}, headers=tokens.admin | {"If-Match": e2.headers["etag"]}
    )
    now = await clients.registry.post("/v1/frames", json={}, headers=tokens.auditor)
    assert now.content != first.content and int(now.headers["x-registry-version"]) > version
    assert f"{uscc(0)}\tD\n".encode() in now.content and uscc(1).encode() not in now.content
    assert uscc(2).encode() not in now.content and uscc(50).encode() in now.content
    again = await clients.registry.post("/v1/frames", json={"as_of": version}, headers=tokens.auditor)
    assert (
        again.content == first.content
        and again.headers["x-frame-sha256"] == first.headers["x-frame-sha256"] == SPEC_FRAME_SHA256
    )


async def test_frame_scope_filter_and_unclassified(clients, tokens, departments):
    await clients.registry.post(
        "/v1/entities", json=entity_body(1, industry_code="F5265", credit_class=None), headers=tokens.admin
    )
    await clients.registry.post(
        "/v1/entities",
        json=entity_body(2, industry_code="F5265", credit_class="C", entity_type="individual_business"),
        headers=tokens.admin,
    )
    await clients.registry.post(
        "/v1/entities", json=entity_body(3, industry_code="H6210", credit_class="A"), headers=tokens.admin
    )
    await clients.registry.post(
        "/v1/entities",
        json=entity_body(4, industry_code="F5265", credit_class="B", status="revoked"),
        headers=tokens.admin,
    )
    r = await clients.registry.post(
        "/v1/frames", json={"scope": {"industry_prefixes": ["F5265"]}}, headers=tokens.auditor
    )
    assert r.text == f"{uscc(1)}\tU\n{uscc(2)}\tC\n"
    r = await clients.registry.post(
        "/v1/frames",
        json={"scope": {"industry_prefixes": ["F52"], "entity_types": ["enterprise"]}},
        headers=tokens.auditor,
    )
    assert r.text == f"{uscc(1)}\tU\n"
    counts = (
        await clients.registry.post(
            "/v1/frames/counts",
            json={"scope": {"industry_prefixes": ["F5265"], "statuses": []}},
            headers=tokens.auditor,
        )
    ).json()
    assert counts["by_class"] == {"B": 1, "C": 1, "U": 1} and counts["total"] == 3


async def test_empty_frame_is_zero_bytes(clients, tokens, departments):
    r = await clients.registry.post(
        "/v1/frames", json={"scope": {"industry_prefixes": ["A01"]}}, headers=tokens.auditor
    )
    assert r.content == b"" and r.headers["x-frame-lines"] == "0"
    assert r.headers["x-frame-sha256"] == hashlib.sha256(b"").hexdigest()


async def test_frame_request_is_validated(clients, tokens, departments):
    r = await clients.registry.post("/v1/frames", json={"scope": {"colour": "red"}}, headers=tokens.auditor)
    assert r.status_code == 422
    assert (await clients.registry.post("/v1/frames", json={})).status_code == 401
