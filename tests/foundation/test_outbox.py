"""Transactional outbox: delivery over real HTTP, backoff, dead letters, re-queue, idempotent inbox."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from jointcheck.outbox import OutboxDispatcher, backoff_delay, enqueue_event
from jcdev.testing import service_settings


def _settings(urls, audit_url, **kw):
    return service_settings("registry", urls["registry"], audit_url=audit_url, outbox_backoff_base=0.05,
                            outbox_backoff_max=0.1, outbox_max_attempts=3, **kw)


async def _enqueue(db, **kw):
    async with db.transaction() as s:
        return await enqueue_event(s, destination="audit", **kw)


async def _row(db, eid):
    async with db.transaction() as s:
        return (await s.execute(text("SELECT * FROM outbox_events WHERE id=:id"), {"id": eid})).mappings().one()


def _audit_payload(action="department.create"):
    return {"actor": {"subject": "t"}, "action": action, "object_type": "department", "object_id": "SCJG",
            "data": {}, "occurred_at": "2026-11-25T10:00:00+00:00"}


async def test_event_is_delivered_once_over_http(apps, clients, live_service, service_database_urls, tokens):
    audit = live_service("audit")
    dispatcher = OutboxDispatcher(settings=_settings(service_database_urls, audit.url), db=apps["registry"].state.db)
    eid = await _enqueue(apps["registry"].state.db, topic="audit.record", payload=_audit_payload())
    delivered = await dispatcher.dispatch_once()
    assert delivered == 1, (await _row(apps["registry"].state.db, eid))["last_error"]
    assert (await _row(apps["registry"].state.db, eid))["status"] == "delivered"
    assert await dispatcher.dispatch_once() == 0
    log = (await clients.audit.get("/v1/audit-events", headers=tokens.auditor)).json()["items"]
    assert [e["event_id"] for e in log] == [str(eid)]
    assert log[0]["source"] == "registry"


async def test_receiver_down_means_retry_with_backoff_then_dead(apps, clients, service_database_urls):
    db = apps["registry"].state.db
    dispatcher = OutboxDispatcher(settings=_settings(service_database_urls, "http://127.0.0.1:1"), db=db)
    eid = await _enqueue(db, topic="audit.record", payload=_audit_payload())
    assert await dispatcher.dispatch_once() == 0
    row = await _row(db, eid)
    assert row["status"] == "pending" and row["attempts"] == 1 and "ConnectError" in row["last_error"]
    assert row["next_attempt_at"] > row["created_at"]
    for _ in range(2):
        async with db.transaction() as s:
            await s.execute(text("UPDATE outbox_events SET next_attempt_at = now() WHERE id=:id"), {"id": eid})
        await dispatcher.dispatch_once()
    row = await _row(db, eid)
    assert row["status"] == "dead" and row["attempts"] == 3


async def test_permanent_rejection_goes_dead_and_admin_can_requeue(apps, clients, live_service, service_database_urls, tokens):
    db = apps["registry"].state.db
    audit = live_service("audit")
    dispatcher = OutboxDispatcher(settings=_settings(service_database_urls, audit.url), db=db)
    eid = await _enqueue(db, topic="no.such.topic", payload={})
    await dispatcher.dispatch_once()
    row = await _row(db, eid)
    assert row["status"] == "dead" and row["attempts"] == 1 and "unknown_topic" in row["last_error"]

    listed = (await clients.registry.get("/ops/outbox", params={"status": "dead"}, headers=tokens.auditor)).json()
    assert [i["id"] for i in listed["items"]] == [str(eid)]
    assert (await clients.registry.post(f"/ops/outbox/{eid}/requeue", headers=tokens.auditor)).status_code == 403
    r = await clients.registry.post(f"/ops/outbox/{eid}/requeue", headers=tokens.admin)
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
    again = await clients.registry.post(f"/ops/outbox/{eid}/requeue", headers=tokens.admin)
    assert again.status_code == 409 and again.json()["code"] == "not_dead"
    missing = await clients.registry.post(f"/ops/outbox/{uuid.uuid4()}/requeue", headers=tokens.admin)
    assert missing.status_code == 404
    summary = (await clients.registry.get("/ops/outbox/summary", headers=tokens.admin)).json()
    assert summary["pending"] == 2  # the re-queued event and the audit record of the re-queue


async def test_failed_destination_is_not_overtaken(apps, service_database_urls):
    db = apps["registry"].state.db
    dispatcher = OutboxDispatcher(settings=_settings(service_database_urls, "http://127.0.0.1:1"), db=db)
    first = await _enqueue(db, topic="audit.record", payload=_audit_payload("a"))
    second = await _enqueue(db, topic="audit.record", payload=_audit_payload("b"))
    await dispatcher.dispatch_once()
    assert (await _row(db, first))["attempts"] == 1
    assert (await _row(db, second))["attempts"] == 0


async def test_inbox_applies_each_event_once(clients, tokens):
    event = {"id": str(uuid.uuid4()), "source": "registry", "topic": "audit.record", "payload": _audit_payload()}
    first = await clients.audit.post("/internal/events", json=event, headers=tokens.service)
    second = await clients.audit.post("/internal/events", json=event, headers=tokens.service)
    assert first.json()["status"] == "applied" and second.json()["status"] == "duplicate"
    log = (await clients.audit.get("/v1/audit-events", headers=tokens.admin)).json()["items"]
    assert len(log) == 1


async def test_inbox_requires_the_service_role(clients, tokens):
    event = {"id": str(uuid.uuid4()), "source": "registry", "topic": "audit.record", "payload": _audit_payload()}
    assert (await clients.audit.post("/internal/events", json=event, headers=tokens.admin)).status_code == 403
    assert (await clients.audit.post("/internal/events", json=event)).status_code == 401


async def test_bad_payload_is_rejected_and_not_recorded(clients, tokens):
    event = {"id": str(uuid.uuid4()), "source": "registry", "topic": "audit.record", "payload": {"action": "x"}}
    r = await clients.audit.post("/internal/events", json=event, headers=tokens.service)
    assert r.status_code == 422
    again = await clients.audit.post("/internal/events", json=event | {"payload": _audit_payload()}, headers=tokens.service)
    assert again.json()["status"] == "applied"  # the rejected attempt left no inbox row


def test_backoff_grows_and_is_capped():
    delays = [backoff_delay(n, 1.0, 60.0) for n in range(1, 12)]
    assert 0.5 <= delays[0] <= 1.0
    assert 4 <= delays[3] <= 8
    assert all(d <= 60 for d in delays) and delays[-1] >= 30
