"""The audit service's hash-chained log detects any edit of a past entry."""

from __future__ import annotations

import uuid

from sqlalchemy import text


def _event(action: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "source": "planning",
        "topic": "audit.record",
        "payload": {
            "actor": {"subject": "u1", "roles": ["admin"], "dept": None},
            "action": action,
            "object_type": "task",
            "object_id": "T-1",
            "data": {"n": 1},
            "occurred_at": "2026-11-25T09:00:00+00:00",
        },
    }


async def test_chain_verifies_and_detects_tampering(clients, tokens, apps):
    for action in ("task.create", "task.approve", "task.close"):
        assert (
            await clients.audit.post("/internal/events", json=_event(action), headers=tokens.service)
        ).status_code == 200
    verdict = (await clients.audit.get("/v1/audit-events/verify", headers=tokens.auditor)).json()
    assert verdict["ok"] is True and verdict["entries"] == 3
    entries = (await clients.audit.get("/v1/audit-events", headers=tokens.auditor)).json()["items"]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[1]["prev_hash"] == entries[0]["hash"]
    assert verdict["head_hash"] == entries[2]["hash"]

    async with apps["audit"].state.db.transaction() as s:
        await s.execute(text("UPDATE audit_events SET data = '{\"n\": 2}' WHERE seq = 2"))
    broken = (await clients.audit.get("/v1/audit-events/verify", headers=tokens.auditor)).json()
    assert broken["ok"] is False and broken["first_broken_seq"] == 2


async def test_log_filters_and_pages(clients, tokens):
    for action in ("a", "b", "a", "a"):
        await clients.audit.post("/internal/events", json=_event(action), headers=tokens.service)
    page1 = (
        await clients.audit.get("/v1/audit-events", params={"action": "a", "limit": 2}, headers=tokens.admin)
    ).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (
        await clients.audit.get(
            "/v1/audit-events", params={"action": "a", "limit": 2, "cursor": page1["next_cursor"]}, headers=tokens.admin
        )
    ).json()
    assert len(page2["items"]) == 1 and page2["next_cursor"] is None
    assert (await clients.audit.get("/v1/audit-events", headers=tokens.officer("SCJG"))).status_code == 403
