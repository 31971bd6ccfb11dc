"""The announcement register: receipts before entropy, idempotent on the bytes, chained into the log."""

from __future__ import annotations

import hashlib
import json


def announcement(n: int = 1) -> str:
    return json.dumps(
        {"algorithm": "draw-v1", "kind": "objects", "commitment": f"{n:064x}", "task_id": f"T-{n}"},
        separators=(",", ":"),
        sort_keys=True,
    )


async def register(clients, headers, text: str, draw_id: str = "D-1"):
    return await clients.audit.post(
        "/v1/announcements", json={"draw_id": draw_id, "announcement": text}, headers=headers
    )


async def test_registration_returns_a_receipt_chained_into_the_log(clients, tokens):
    text = announcement()
    r = await register(clients, tokens.service, text)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["announcement_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert receipt["draw_id"] == "D-1" and receipt["source"] == "service:test" and receipt["chain_seq"] == 1
    log = (await clients.audit.get("/v1/audit-events", headers=tokens.auditor)).json()["items"]
    assert [(e["seq"], e["action"], e["object_id"], e["hash"]) for e in log] == [
        (1, "announcement.register", "D-1", receipt["chain_hash"])
    ]
    assert log[0]["data"] == {"announcement_sha256": receipt["announcement_sha256"], "kind": "objects"}
    assert (await clients.audit.get("/v1/audit-events/verify", headers=tokens.admin)).json()["ok"] is True


async def test_the_same_bytes_give_the_first_receipt(clients, tokens):
    first = (await register(clients, tokens.service, announcement())).json()
    again = await register(clients, tokens.admin, announcement(), draw_id="D-other")
    assert again.status_code == 200 and again.json() == first
    other = await register(clients, tokens.service, announcement(2))
    assert other.status_code == 201 and other.json()["chain_seq"] == 2


async def test_what_is_not_a_draw_v1_announcement_is_refused(clients, tokens):
    for text in (
        "not json",
        "[1,2]",
        json.dumps({"algorithm": "draw-v2", "commitment": "0" * 64}),
        json.dumps({"algorithm": "draw-v1"}),
    ):
        r = await register(clients, tokens.service, text)
        assert r.status_code == 422 and r.json()["code"] == "invalid_announcement", text
    assert (await clients.audit.get("/v1/audit-events", headers=tokens.admin)).json()["items"] == []


async def test_only_services_and_admins_register(clients, tokens):
    for headers in (tokens.officer("SWJ"), tokens.auditor, tokens.inspector):
        r = await register(clients, headers, announcement())
        assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    assert (await register(clients, {}, announcement())).status_code == 401


async def test_anyone_may_look_a_registration_up(clients, tokens):
    receipt = (await register(clients, tokens.service, announcement())).json()
    sha = receipt["announcement_sha256"]
    public = await clients.audit.get(f"/public/announcements/{sha}")
    assert public.status_code == 200 and public.json()["announcement"] == announcement()
    assert public.json()["registered_at"] == receipt["registered_at"]
    for headers in (tokens.officer("SCJG"), tokens.auditor, tokens.service, tokens.admin):
        assert (await clients.audit.get(f"/v1/announcements/{sha}", headers=headers)).status_code == 200
    assert (await clients.audit.get(f"/v1/announcements/{sha}", headers=tokens.inspector)).status_code == 403
    missing = await clients.audit.get(f"/public/announcements/{'f' * 64}")
    assert missing.status_code == 404 and missing.json()["code"] == "announcement_not_found"
