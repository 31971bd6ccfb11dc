"""The outbox holds no transaction across a delivery: events are leased in one short transaction,
delivered with none open, and their outcome recorded under the lease's token in another. A
dispatcher killed mid-delivery leaves its lease to run out; the event is then delivered again and
the destination's idempotency (GSXT's record id) keeps it a duplicate, never a second record.
Transports deliver to destinations that are not our services, and their outcome hook writes in the
same transaction as the outbox row."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.engine import make_url

import registry
from gsxt_emulator.main import EmulatorSettings
from gsxt_emulator.main import create_app as create_emulator
from jcdev.testing import TEST_JWT_SECRET, LiveServer, service_settings
from jointcheck.app import create_service_app
from jointcheck.clients import GsxtTransport
from jointcheck.codes import make_uscc
from jointcheck.outbox import Delivery, OutboxDispatcher, OutboxRow, enqueue_event, repository


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _observe(dsn: str, event_id: str) -> dict[str, Any]:
    """What the database shows while a delivery is under way, seen from another connection."""
    conn = await asyncpg.connect(dsn)
    try:
        open_tx = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
        )
        async with conn.transaction():
            # NOWAIT: fails at once if anyone holds a lock on the row
            row = await conn.fetchrow(
                "SELECT status, claim_token, claimed_until > now() AS leased FROM outbox_events "
                "WHERE id = $1 FOR UPDATE NOWAIT",
                uuid.UUID(event_id),
            )
        return {"open_tx": open_tx, "status": row["status"], "leased": row["leased"], "token": row["claim_token"]}
    finally:
        await conn.close()


def _audit_payload(action: str) -> dict[str, Any]:
    return {
        "actor": {"subject": "t"},
        "action": action,
        "object_type": "department",
        "object_id": "SCJG",
        "data": {},
        "occurred_at": "2026-11-25T10:00:00+00:00",
    }


def _record(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "record_id": f"pub-lease-{n:04d}",
        "uscc": make_uscc(f"91411523MA{n:07d}"),
        "entity_name": f"新县第{n}号餐饮店",
        "plan_id": "P-1",
        "task_id": "T-1",
        "task_name": "餐饮服务联合抽查",
        "draw_type": "undirected",
        "inspecting_departments": ["SCJG"],
        "publishing_department": "SCJG",
        "inspection_date": "2025-09-20",
        "completion_date": "2025-09-26",
        "result_categories": [{"code": "no_problem"}],
        "inspection_methods": ["on_site"],
    } | changes


async def _enqueue(db, destination: str, payload: dict, *, key: str | None = None, topic: str = "audit.record"):
    async with db.transaction() as s:
        return await enqueue_event(s, destination=destination, topic=topic, payload=payload, ordering_key=key)


async def _row(db, eid) -> Any:
    async with db.transaction() as s:
        return (await s.execute(text("SELECT * FROM outbox_events WHERE id=:id"), {"id": eid})).mappings().one()


@pytest_asyncio.fixture(autouse=True)
async def empty_outbox(apps, clients):
    """Only this test's events: earlier tests that write without cleaning up may leave some."""
    async with apps["registry"].state.db.transaction() as s:
        await s.execute(text("DELETE FROM outbox_events"))


@pytest.fixture(scope="module")
def emulator() -> Iterator[LiveServer]:
    server = LiveServer(create_emulator(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET))).start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def gsxt(emulator, tokens):
    async with httpx.AsyncClient(base_url=emulator.url, headers=tokens.service, timeout=30) as c:
        await c.post("/emulator/reset")
        yield c
        await c.post("/emulator/reset")


def _settings(urls: dict[str, str], **kw: Any) -> Any:
    values = {"outbox_backoff_base": 0.05, "outbox_backoff_max": 0.1, "outbox_max_attempts": 3} | kw
    return service_settings("registry", urls["registry"], **values)


async def test_no_transaction_is_open_while_an_event_is_delivered(apps, clients, service_database_urls):
    """A receiver (HTTP) and a transport each look at the database while they handle the event:
    no session of the sender is idle in a transaction, the row is locked by nobody, and its lease
    is committed."""
    dsn = _dsn(service_database_urls["registry"])
    seen: list[dict[str, Any]] = []
    receiver = FastAPI()

    @receiver.post("/internal/events")
    async def receive(request: Request) -> dict[str, str]:
        event = await request.json()
        seen.append({"via": "http"} | await _observe(dsn, event["id"]))
        return {"id": event["id"], "status": "applied"}

    class Probe:
        async def deliver(self, row: OutboxRow) -> Delivery:
            seen.append({"via": "transport"} | await _observe(dsn, str(row.id)))
            return Delivery("delivered", response={"ok": True})

    server = LiveServer(receiver).start()
    try:
        db = apps["registry"].state.db
        dispatcher = OutboxDispatcher(
            settings=_settings(service_database_urls, audit_url=server.url), db=db, transports={"probe": Probe()}
        )
        first = await _enqueue(db, "audit", _audit_payload("a"), key="department:K")
        second = await _enqueue(db, "probe", {"n": 1})
        assert await dispatcher.dispatch_once() == 2
    finally:
        server.stop()
    assert [s["via"] for s in seen] == ["http", "transport"]
    for s in seen:
        assert s["open_tx"] == 0 and s["status"] == "pending" and s["leased"] and s["token"] is not None, seen
    for eid in (first, second):
        row = await _row(db, eid)
        assert row["status"] == "delivered" and row["claim_token"] is None and row["claimed_until"] is None


DISPATCH_ONCE = """
import asyncio, json, sys
from jcdev.testing import service_settings
from jointcheck.clients import GsxtTransport
from jointcheck.db import Database
from jointcheck.outbox import OutboxDispatcher

cfg = json.loads(sys.argv[1])
settings = service_settings("registry", cfg["db"], **cfg["settings"])

async def main():
    db = Database(settings.database_url, pool_size=2)
    dispatcher = OutboxDispatcher(settings=settings, db=db, transports={"gsxt": GsxtTransport(settings)})
    print("ready", flush=True)
    sys.stdin.readline()
    await dispatcher.dispatch_once()
    print("finished", flush=True)

asyncio.run(main())
"""


async def test_a_lease_left_by_a_killed_dispatcher_runs_out_and_the_record_is_published_once(
    apps, clients, service_database_urls, emulator, gsxt
):
    db = apps["registry"].state.db
    lease = {"outbox_lease_seconds": 6.0, "outbox_delivery_timeout": 2.0, "gsxt_timeout": 2.0}
    first = await _enqueue(db, "gsxt", _record(1), key="task:T-1", topic="gsxt.publish")
    second = await _enqueue(db, "gsxt", _record(2), key="task:T-1", topic="gsxt.publish")
    cfg = {"db": service_database_urls["registry"], "settings": lease | {"gsxt_url": emulator.url}}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DISPATCH_ONCE,
        json.dumps(cfg),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith(("JC_", "REGISTRY_"))},
    )
    try:
        assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready"
        # GSXT takes the record but answers only after 3 s: the dispatcher is killed before that
        await gsxt.put("/emulator/faults", json={"hang_for_seconds": 1, "hang_ms": 3000})
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        for _ in range(100):
            if (await gsxt.get("/emulator/counts")).json()["requests"] == 1:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the dispatcher never reached GSXT")
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    row = await _row(db, first)
    assert row["status"] == "pending" and row["attempts"] == 0 and row["claim_token"] is not None

    survivor = OutboxDispatcher(
        settings=_settings(service_database_urls, gsxt_url=emulator.url, **lease),
        db=db,
        transports={"gsxt": GsxtTransport(_settings(service_database_urls, gsxt_url=emulator.url, **lease))},
    )
    assert await survivor.dispatch_once() == 0  # the lease keeps it off the first; the second waits behind it
    assert (await _row(db, second))["attempts"] == 0
    for _ in range(200):  # the lease runs out (6 s after the claim); meanwhile GSXT processed the hung call
        await asyncio.sleep(0.1)
        if await survivor.dispatch_once():
            break
    while await survivor.dispatch_once():
        pass
    for eid in (first, second):
        done = await _row(db, eid)
        assert done["status"] == "delivered" and done["attempts"] == 1, dict(done)
    counts = (await gsxt.get("/emulator/counts")).json()
    one, two = counts["records"]["pub-lease-0001"], counts["records"]["pub-lease-0002"]
    assert (one["requests"], one["accepted"], one["duplicates"]) == (2, 1, 1)  # redelivered, published once
    assert (two["requests"], two["accepted"]) == (1, 1) and counts["accepted"] == 2
    published = (await gsxt.get("/api/publications")).json()
    assert [p["record_id"] for p in sorted(published, key=lambda p: p["received_at"])] == [
        "pub-lease-0001",
        "pub-lease-0002",
    ]


class Recording:
    """An outcome hook that writes what it is told into the outbox itself — a table of the
    sending service, in the transaction that records the outcome."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    async def __call__(self, session, row: OutboxRow, outcome: str, error: str | None) -> None:
        response = row.response or {}
        await enqueue_event(
            session,
            destination="ledger",
            topic="gsxt.outcome",
            payload={
                "event": str(row.id),
                "outcome": outcome,
                "error": error,
                "attempts": row.attempts,
                "publication_id": response.get("publication_id"),
                "code": response.get("code"),
            },
        )
        if self.fail:
            raise RuntimeError("the owner's update failed")


async def _told(db) -> list[dict[str, Any]]:
    async with db.transaction() as s:
        rows = await s.execute(text("SELECT payload FROM outbox_events WHERE topic = 'gsxt.outcome' ORDER BY seq"))
        return [r.payload for r in rows]


async def test_the_gsxt_transport_and_its_hook_record_each_outcome_atomically(
    apps, clients, service_database_urls, emulator, gsxt, tokens
):
    db = apps["registry"].state.db
    settings = _settings(service_database_urls, gsxt_url=emulator.url)
    hook = Recording()
    transport = GsxtTransport(settings, on_outcome=hook)
    dispatcher = OutboxDispatcher(settings=settings, db=db, transports={"gsxt": transport})
    good = await _enqueue(db, "gsxt", _record(1), topic="gsxt.publish")
    bad = await _enqueue(db, "gsxt", _record(2, uscc="91411523MA00000020"), topic="gsxt.publish")
    await gsxt.put("/emulator/faults", json={"fail_next": 1})
    await dispatcher.dispatch_once()  # good: 503, retrying; bad waits (the destination just failed)
    await asyncio.sleep(0.15)
    while await dispatcher.dispatch_once():
        pass
    told = {(t["event"], t["outcome"]): t for t in await _told(db)}
    assert (
        told[(str(good), "retrying")]["error"].startswith("GSXT did not accept")
        and told[(str(good), "retrying")]["attempts"] == 1
    )
    assert told[(str(good), "delivered")]["publication_id"] and told[(str(good), "delivered")]["attempts"] == 2
    rejected = told[(str(bad), "rejected")]
    assert rejected["code"] == "invalid_uscc" and "invalid_uscc" in rejected["error"]
    assert (await _row(db, bad))["status"] == "dead" and (await _row(db, good))["status"] == "delivered"

    # the operator's re-queue and discard reach the owner too, in the request's transaction
    app = create_service_app(
        settings,
        migrations_location=registry.MIGRATIONS,
        title="probe",
        description="probe",
        outbox_transports={"gsxt": transport},
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe.test") as ops:
        assert (await ops.post(f"/ops/outbox/{bad}/requeue", headers=tokens.admin)).status_code == 200
        while await dispatcher.dispatch_once():
            pass
        assert (await _row(db, bad))["status"] == "dead"  # rejected again
        r = await ops.post(f"/ops/outbox/{bad}/discard", json={"reason": "代码有误，不予公示"}, headers=tokens.admin)
        assert r.status_code == 200
    outcomes = [t["outcome"] for t in await _told(db) if t["event"] == str(bad)]
    assert outcomes == ["rejected", "requeued", "rejected", "discarded"]
    assert (await _told(db))[-1]["error"] == "代码有误，不予公示"
    counts = (await gsxt.get("/emulator/counts")).json()
    assert counts["accepted"] == 1 and counts["rejected"] == 2 and counts["faulted"] == 1


async def test_a_hook_that_fails_leaves_the_outcome_unrecorded_until_the_lease_runs_out(
    apps, clients, service_database_urls, emulator, gsxt
):
    db = apps["registry"].state.db
    settings = _settings(
        service_database_urls,
        gsxt_url=emulator.url,
        outbox_lease_seconds=5.0,
        gsxt_timeout=1.0,
        outbox_delivery_timeout=1.0,
    )
    broken = OutboxDispatcher(
        settings=settings, db=db, transports={"gsxt": GsxtTransport(settings, on_outcome=Recording(fail=True))}
    )
    eid = await _enqueue(db, "gsxt", _record(3), topic="gsxt.publish")
    assert await broken.dispatch_once() == 0
    row = await _row(db, eid)
    assert row["status"] == "pending" and row["attempts"] == 0 and row["claim_token"] is not None
    assert await _told(db) == []  # the hook's write went with the outcome: neither happened
    async with db.transaction() as s:  # let the lease run out now rather than in 5 s
        await s.execute(text("UPDATE outbox_events SET claimed_until = now() WHERE id = :id"), {"id": eid})
    fixed = OutboxDispatcher(
        settings=settings, db=db, transports={"gsxt": GsxtTransport(settings, on_outcome=Recording())}
    )
    assert await fixed.dispatch_once() == 1
    assert [t["outcome"] for t in await _told(db)] == ["delivered"]
    per = (await gsxt.get("/emulator/counts")).json()["records"]["pub-lease-0003"]
    assert (per["accepted"], per["duplicates"]) == (1, 1)


async def test_a_dispatcher_whose_lease_was_taken_over_records_nothing(apps, clients, service_database_urls):
    db = apps["registry"].state.db
    eid = await _enqueue(db, "audit", _audit_payload("x"))
    old, new = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as s:
        assert [r.id for r in await repository.lease_due(s, 10, token=old, lease_seconds=30)] == [eid]
    async with db.transaction() as s:
        assert await repository.lease_due(s, 10, token=new, lease_seconds=30) == []  # leased: nobody else takes it
        await s.execute(text("UPDATE outbox_events SET claimed_until = now() WHERE id = :id"), {"id": eid})
    async with db.transaction() as s:
        assert [r.id for r in await repository.lease_due(s, 10, token=new, lease_seconds=30)] == [eid]
    async with db.transaction() as s:
        assert not await repository.mark_delivered(s, eid, token=old)  # too late: another holds it
        assert not await repository.schedule_retry(s, eid, token=old, attempts=1, error="x", delay=1)
        assert await repository.mark_delivered(s, eid, token=new)
    row = await _row(db, eid)
    assert row["status"] == "delivered" and row["attempts"] == 1 and row["claim_token"] is None


def test_the_lease_must_outlast_a_delivery(service_database_urls):
    with pytest.raises(ValueError, match="outbox_lease_seconds"):
        _settings(service_database_urls, outbox_lease_seconds=10, outbox_delivery_timeout=10)
