"""The hash-chained audit log as other services feed it: events in, filters, pages, verification."""

from __future__ import annotations

import uuid


def record(action: str, *, source: str = "planning", subject: str = "u1", object_id: str = "T-1", **payload) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "source": source,
        "topic": "audit.record",
        "payload": {
            "actor": {"subject": subject, "roles": ["officer"], "dept": "SWJ"},
            "action": action,
            "object_type": "task",
            "object_id": object_id,
            "data": {"n": 1},
            "occurred_at": "2026-11-25T09:00:00+00:00",
            **payload,
        },
    }


async def post(clients, tokens, event: dict):
    return await clients.audit.post("/internal/events", json=event, headers=tokens.service)


async def test_each_event_is_appended_once_even_when_redelivered(clients, tokens):
    event = record("task.create")
    assert (await post(clients, tokens, event)).json()["status"] == "applied"
    assert (await post(clients, tokens, event)).json()["status"] == "duplicate"
    items = (await clients.audit.get("/v1/audit-events", headers=tokens.auditor)).json()["items"]
    assert len(items) == 1
    assert (
        items[0]["event_id"] == event["id"] and items[0]["source"] == "planning" and items[0]["prev_hash"] == "0" * 64
    )


async def test_a_malformed_record_is_rejected_listing_its_fields(clients, tokens):
    bad = record("task.create")
    del bad["payload"]["action"]
    r = await post(clients, tokens, bad)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_event_payload"
    assert any(e["field"] == "payload.action" for e in r.json()["errors"])
    assert (await clients.audit.get("/v1/audit-events", headers=tokens.auditor)).json()["items"] == []


async def test_filters_combine(clients, tokens):
    await post(clients, tokens, record("task.create", source="planning", subject="a", object_id="T-1"))
    await post(clients, tokens, record("draw.commit", source="sampling", subject="b", object_id="D-1"))
    await post(clients, tokens, record("task.approve", source="planning", subject="b", object_id="T-1"))

    async def actions(**params):
        r = await clients.audit.get("/v1/audit-events", params=params, headers=tokens.admin)
        assert r.status_code == 200, r.text
        return [e["action"] for e in r.json()["items"]]

    assert await actions(source="planning") == ["task.create", "task.approve"]
    assert await actions(actor="b") == ["draw.commit", "task.approve"]
    assert await actions(object_type="task", object_id="T-1", actor="b") == ["task.approve"]
    assert await actions(action="nothing") == []


async def test_a_foreign_cursor_is_a_400(clients, tokens):
    r = await clients.audit.get("/v1/audit-events", params={"cursor": "eyJ4IjoxfQ"}, headers=tokens.admin)
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"


async def test_only_admins_and_auditors_read_the_log(clients, tokens):
    for path in ("/v1/audit-events", "/v1/audit-events/verify"):
        for headers in (tokens.officer("SWJ"), tokens.inspector, tokens.service):
            r = await clients.audit.get(path, headers=headers)
            assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"


async def test_an_empty_chain_verifies(clients, tokens):
    verdict = (await clients.audit.get("/v1/audit-events/verify", headers=tokens.auditor)).json()
    assert verdict == {"ok": True, "entries": 0, "head_hash": "0" * 64, "first_broken_seq": None, "reason": None}


async def test_a_deleted_entry_is_a_sequence_gap(clients, tokens, apps):
    from sqlalchemy import text

    for action in ("a", "b", "c"):
        await post(clients, tokens, record(action))
    async with apps["audit"].state.db.transaction() as s:
        await s.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    verdict = (await clients.audit.get("/v1/audit-events/verify", headers=tokens.auditor)).json()
    assert verdict["ok"] is False and verdict["first_broken_seq"] == 3 and "gap" in verdict["reason"]


async def test_the_description_promises_only_what_exists(clients):
    """Issue 8: the OpenAPI pages promised findings, deadlines, publication, replays that did not exist. Since
    issue 12 the audit service builds the oversight report too: every promise has its route, none is left
    "not built yet", and the services that feed the report say so and serve their summary."""
    promises = {
        "audit": {
            "oversight report": "/v1/reports/{year}",
            "replayed": "/v1/replays",
            "verification of the whole chain": "/v1/chain-verifications",
            "announcement register": "/v1/announcements",
        },
        "planning": {"oversight report": "/v1/reports/{year}/summary"},
        "results": {"oversight report": "/v1/reports/{year}/summary"},
        "sampling": {"oversight report": "/v1/reports/{year}/summary"},
    }
    for service, promised in promises.items():
        spec = (await clients[service].get("/openapi.json")).json()
        description = spec["info"]["description"]
        english = description.split("\n\n")[0].lower()
        assert "not built yet" not in english and "尚未实现" not in description, service
        for phrase, path in promised.items():
            assert phrase in english, (service, phrase)
            assert path in spec["paths"], (service, path)
