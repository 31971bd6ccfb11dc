"""Transactional outbox: delivery over real HTTP, backoff, dead letters, re-queue, idempotent inbox,
and delivery in written order per destination and ordering key."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from jcdev.testing import service_settings
from jointcheck.outbox import OutboxDispatcher, backoff_delay, enqueue_event, repository


def _settings(urls, audit_url, **kw):
    return service_settings(
        "registry",
        urls["registry"],
        audit_url=audit_url,
        outbox_backoff_base=0.05,
        outbox_backoff_max=0.1,
        outbox_max_attempts=3,
        **kw,
    )


async def _enqueue(db, **kw):
    async with db.transaction() as s:
        return await enqueue_event(s, destination="audit", **kw)


async def _row(db, eid):
    async with db.transaction() as s:
        return (await s.execute(text("SELECT * FROM outbox_events WHERE id=:id"), {"id": eid})).mappings().one()


def _audit_payload(action="department.create"):
    return {
        "actor": {"subject": "t"},
        "action": action,
        "object_type": "department",
        "object_id": "SCJG",
        "data": {},
        "occurred_at": "2026-11-25T10:00:00+00:00",
    }


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


async def test_permanent_rejection_goes_dead_and_admin_can_requeue(
    apps, clients, live_service, service_database_urls, tokens
):
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
    again = await clients.audit.post(
        "/internal/events", json=event | {"payload": _audit_payload()}, headers=tokens.service
    )
    assert again.json()["status"] == "applied"  # the rejected attempt left no inbox row


# ----------------------------------------------------------------- ordering

DOWN = "http://127.0.0.1:1"


async def _enqueue_keyed(db, key, n, topic="audit.record"):
    """Event ``n`` of queue ``key``: an audit record whose action tells which one it is."""
    return await _enqueue(db, topic=topic, ordering_key=f"department:{key}", payload=_audit_payload(f"{key}.{n}"))


async def _drain(dispatcher, db, rounds=50):
    for _ in range(rounds):
        if await dispatcher.dispatch_once() == 0:
            async with db.transaction() as s:
                sendable = await repository.claim_due(s, 1000)  # due and at the head of their queue
            if not sendable:
                return
    raise AssertionError("outbox did not drain")


async def _make_due(db, eid):
    async with db.transaction() as s:
        await s.execute(text("UPDATE outbox_events SET next_attempt_at = now() WHERE id=:id"), {"id": eid})


async def _audited_actions(clients, tokens):
    items = (await clients.audit.get("/v1/audit-events", params={"limit": 1000}, headers=tokens.auditor)).json()[
        "items"
    ]
    return [e["action"] for e in items]  # in chain order: the order the audit service applied them


async def test_a_retrying_event_holds_later_events_of_its_queue(
    apps, clients, live_service, service_database_urls, tokens
):
    db = apps["registry"].state.db
    audit = live_service("audit")
    down = OutboxDispatcher(settings=_settings(service_database_urls, DOWN), db=db)
    up = OutboxDispatcher(settings=_settings(service_database_urls, audit.url), db=db)
    first = await _enqueue_keyed(db, "K", 1)
    second = await _enqueue_keyed(db, "K", 2)
    other = await _enqueue_keyed(db, "L", 1)
    unkeyed = await _enqueue(db, topic="audit.record", payload=_audit_payload("U.1"))

    await down.dispatch_once()  # the first event fails and backs off on its own clock
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE outbox_events SET next_attempt_at = now() + interval '1 hour' WHERE id=:id"), {"id": first}
        )
    assert await up.dispatch_once() == 2  # the other queue and the unkeyed event go; the second waits
    held = await _row(db, second)
    assert held["status"] == "pending" and held["attempts"] == 0
    assert (await _row(db, other))["status"] == "delivered" and (await _row(db, unkeyed))["status"] == "delivered"

    pending = (await clients.registry.get("/ops/outbox", params={"status": "pending"}, headers=tokens.admin)).json()
    by_id = {i["id"]: i for i in pending["items"]}
    assert by_id[str(second)]["blocked_by"] == str(first) and by_id[str(first)]["blocked_by"] is None
    assert by_id[str(first)]["holds"] == 1 and by_id[str(first)]["ordering_key"] == "department:K"
    assert (await clients.registry.get("/ops/outbox/summary", headers=tokens.admin)).json()[
        "blocked"
    ] == 0  # waiting, not dead

    await _make_due(db, first)
    await _drain(up, db)
    assert await _audited_actions(clients, tokens) == ["L.1", "U.1", "K.1", "K.2"]


async def test_a_dead_event_holds_its_queue_until_requeued(apps, clients, live_service, service_database_urls, tokens):
    db = apps["registry"].state.db
    down = OutboxDispatcher(settings=_settings(service_database_urls, DOWN), db=db)
    first = await _enqueue_keyed(db, "K", 1)
    second = await _enqueue_keyed(db, "K", 2)
    third = await _enqueue_keyed(db, "K", 3)
    other = await _enqueue_keyed(db, "L", 1)
    for _ in range(3):  # outbox_max_attempts=3
        await _make_due(db, first)
        await down.dispatch_once()
    assert (await _row(db, first))["status"] == "dead"

    audit = live_service("audit")
    up = OutboxDispatcher(settings=_settings(service_database_urls, audit.url), db=db)
    await _drain(up, db)
    assert (await _row(db, other))["status"] == "delivered"
    for held in (second, third):
        row = await _row(db, held)
        assert row["status"] == "pending" and row["attempts"] == 0

    summary = (await clients.registry.get("/ops/outbox/summary", headers=tokens.auditor)).json()
    assert summary["dead"] == 1 and summary["blocked"] == 2 and summary["pending"] == 2
    blocked = (await clients.registry.get("/ops/outbox", params={"status": "blocked"}, headers=tokens.auditor)).json()
    assert [(i["id"], i["blocked_by"]) for i in blocked["items"]] == [
        (str(third), str(first)),
        (str(second), str(first)),
    ]
    page = (
        await clients.registry.get("/ops/outbox", params={"status": "blocked", "limit": 1}, headers=tokens.auditor)
    ).json()
    rest = (
        await clients.registry.get(
            "/ops/outbox",
            params={"status": "blocked", "limit": 1, "cursor": page["next_cursor"]},
            headers=tokens.auditor,
        )
    ).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == [str(third), str(second)] and rest["next_cursor"] is None
    dead = (await clients.registry.get("/ops/outbox", headers=tokens.auditor)).json()["items"]
    assert [(i["id"], i["holds"]) for i in dead] == [(str(first), 2)]

    requeued = await clients.registry.post(f"/ops/outbox/{first}/requeue", headers=tokens.admin)
    assert requeued.status_code == 200 and requeued.json()["holds"] == 2
    await _drain(up, db)
    assert [a for a in await _audited_actions(clients, tokens) if a.startswith(("K.", "L."))] == [
        "L.1",
        "K.1",
        "K.2",
        "K.3",
    ]
    assert (await clients.registry.get("/ops/outbox/summary", headers=tokens.auditor)).json()["blocked"] == 0


async def test_discarding_a_dead_event_lets_its_queue_go_on_without_it(
    apps, clients, live_service, service_database_urls, tokens
):
    db = apps["registry"].state.db
    first = await _enqueue_keyed(db, "K", 1, topic="no.such.topic")  # permanently rejected: dead at once
    second = await _enqueue_keyed(db, "K", 2)
    audit = live_service("audit")
    up = OutboxDispatcher(settings=_settings(service_database_urls, audit.url), db=db)
    await _drain(up, db)
    assert (await _row(db, first))["status"] == "dead" and (await _row(db, second))["attempts"] == 0

    url = f"/ops/outbox/{first}/discard"
    assert (
        await clients.registry.post(url, json={"reason": "接收方不支持该主题"}, headers=tokens.auditor)
    ).status_code == 403
    assert (await clients.registry.post(url, json={}, headers=tokens.admin)).status_code == 422
    r = await clients.registry.post(url, json={"reason": "接收方不支持该主题"}, headers=tokens.admin)
    assert r.status_code == 200 and r.json()["status"] == "discarded" and "接收方不支持该主题" in r.json()["last_error"]
    again = await clients.registry.post(url, json={"reason": "再次"}, headers=tokens.admin)
    assert again.status_code == 409 and again.json()["code"] == "not_dead"
    assert (
        await clients.registry.post(
            f"/ops/outbox/{uuid.uuid4()}/discard", json={"reason": "无此事件"}, headers=tokens.admin
        )
    ).status_code == 404

    await _drain(up, db)
    assert (await _row(db, second))["status"] == "delivered" and (await _row(db, first))["status"] == "discarded"
    assert await _audited_actions(clients, tokens) == ["K.2", "outbox.discard"]
    summary = (await clients.registry.get("/ops/outbox/summary", headers=tokens.auditor)).json()
    assert summary["discarded"] == 1 and summary["dead"] == 0 and summary["blocked"] == 0


async def test_a_replica_does_not_overtake_an_event_another_replica_holds(
    apps, clients, live_service, service_database_urls, tokens
):
    db = apps["registry"].state.db
    audit = live_service("audit")
    dispatcher = OutboxDispatcher(settings=_settings(service_database_urls, audit.url), db=db)
    first = await _enqueue_keyed(db, "K", 1)
    second = await _enqueue_keyed(db, "K", 2)
    await _enqueue_keyed(db, "L", 1)
    async with db.transaction() as s:  # another replica, mid-delivery of the first event
        assert [r.id for r in await repository.claim_due(s, 1)] == [first]
        assert await dispatcher.dispatch_once() == 1  # L.1 only: K.2 must wait for K.1
        assert (await _row(db, second))["attempts"] == 0
    await _drain(dispatcher, db)
    assert await _audited_actions(clients, tokens) == ["L.1", "K.1", "K.2"]


async def test_concurrent_dispatchers_keep_every_queue_in_order(
    apps, clients, live_service, service_database_urls, tokens
):
    db = apps["registry"].state.db
    audit = live_service("audit")
    replicas = [
        OutboxDispatcher(settings=_settings(service_database_urls, audit.url, outbox_batch_size=1), db=db)
        for _ in range(3)
    ]
    keys, per_key = ["A", "B", "C"], 6
    for n in range(1, per_key + 1):
        for key in keys:
            await _enqueue_keyed(db, key, n)
    await asyncio.gather(*(_drain(r, db, rounds=100) for r in replicas))
    actions = await _audited_actions(clients, tokens)
    assert len(actions) == len(keys) * per_key
    for key in keys:
        assert [a for a in actions if a.startswith(f"{key}.")] == [f"{key}.{n}" for n in range(1, per_key + 1)]


async def test_writers_of_one_queue_take_turns_so_numbers_follow_commits(apps):
    db = apps["registry"].state.db
    first_written, release = asyncio.Event(), asyncio.Event()

    async def slow_writer():
        async with db.transaction() as s:
            await enqueue_event(s, destination="audit", topic="audit.record", payload={}, ordering_key="task:T")
            first_written.set()
            await release.wait()

    async def second_writer(key):
        async with db.transaction() as s:
            return await enqueue_event(s, destination="audit", topic="audit.record", payload={}, ordering_key=key)

    slow = asyncio.create_task(slow_writer())
    await first_written.wait()
    other_queue = await asyncio.wait_for(second_writer("task:U"), timeout=5)  # other queues don't wait
    same_queue = asyncio.create_task(second_writer("task:T"))
    await asyncio.sleep(0.3)
    assert not same_queue.done()  # it waits until the first writer commits
    release.set()
    await slow
    later = await asyncio.wait_for(same_queue, timeout=5)
    async with db.transaction() as s:
        rows = (await s.execute(text("SELECT id, seq, ordering_key FROM outbox_events ORDER BY seq"))).all()
    assert [r.ordering_key for r in rows] == ["task:T", "task:U", "task:T"]
    assert rows[1].id == other_queue and rows[2].id == later  # numbered after the first writer committed


def test_backoff_grows_and_is_capped():
    delays = [backoff_delay(n, 1.0, 60.0) for n in range(1, 12)]
    assert 0.5 <= delays[0] <= 1.0
    assert 4 <= delays[3] <= 8
    assert all(d <= 60 for d in delays) and delays[-1] >= 30
