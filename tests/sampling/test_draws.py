"""Sampling's rules at service level: the sampling app with real callees in process.

What each test pins down:
* a draw is gathered with no transaction open and frozen before audit is asked (issue 8.3);
* registering a frozen draw needs the drawing permission (issue 9.4);
* the first accepted entropy is recorded before executing and is final (issue 9.11);
* an executed draw of a task whose inspections have started cannot be voided (issue 9.12).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg

from .conftest import DICE, LEAD, World, asyncpg_dsn, create, deliver_outbox, drawn, execute


def observing(dsn: str, path: str, seen: list[dict[str, Any]]):
    """An ASGI wrapper in front of a callee: when sampling calls ``path``, record what sampling's
    database shows at that moment (open transactions of sampling, the draws committed so far)."""

    def wrap(app: Any) -> Any:
        async def asgi(scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == path:
                conn = await asyncpg.connect(dsn)
                try:
                    open_tx = await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                    draws = [dict(r) for r in await conn.fetch("SELECT id::text AS id, status FROM draws")]
                finally:
                    await conn.close()
                seen.append({"path": path, "open_transactions": open_tx, "draws": draws})
            await app(scope, receive, send)

        return asgi

    return wrap


async def test_no_transaction_is_open_while_other_services_answer(
    sampling, wiring, world: World, tokens, service_database_urls
):
    await world.entities("AABBCDU")
    await world.inspectors(2)  # approval needs inspectors for every expected entity
    task = await world.task()
    dsn = asyncpg_dsn(service_database_urls["sampling"])
    seen: list[dict[str, Any]] = []
    wiring.around("registry", observing(dsn, "/v1/frames", seen))
    wiring.around("results", observing(dsn, "/v1/inspections/recently-inspected", seen))
    wiring.around("audit", observing(dsn, "/v1/announcements", seen))
    r = await create(sampling, tokens, task["id"])
    assert r.status_code == 201, r.text
    draw = r.json()
    assert [s["path"] for s in seen] == ["/v1/frames", "/v1/inspections/recently-inspected", "/v1/announcements"]
    assert all(s["open_transactions"] == 0 for s in seen), seen
    # gathering stores nothing; by the time audit is asked, the frozen draw is committed, so a
    # receipt can never name a draw that a rollback made disappear
    assert seen[0]["draws"] == seen[1]["draws"] == []
    assert seen[2]["draws"] == [{"id": draw["id"], "status": "frozen"}]
    assert draw["status"] == "committed" and draw["receipt"]["announcement_sha256"] == draw["announcement_sha256"]
    audit = await world.clients.audit.get(f"/public/announcements/{draw['announcement_sha256']}")
    assert audit.status_code == 200 and audit.json()["announcement"] == draw["announcement"]
    ann = json.loads(draw["announcement"])
    assert (
        ann["frame_size"] == 7
        and ann["strata"]["C"] == {"count": 1}
        and ann["strata"]["B"] == {"ratio": "0.5", "min": 1}
    )


async def test_registering_a_frozen_draw_needs_the_drawing_permission(sampling, wiring, world: World, tokens):
    await world.entities("ABCD")
    await world.inspectors(2)  # approval needs inspectors for every expected entity
    task = await world.task()
    wiring.unreachable("audit")
    r = await create(sampling, tokens, task["id"])
    assert r.status_code == 201, r.text
    frozen = r.json()
    assert frozen["status"] == "frozen" and frozen["receipt"] is None and frozen["registration_error"]
    early = await execute(sampling, tokens, frozen["id"])
    assert early.status_code == 409 and early.json()["code"] == "not_registered"
    # an outsider learns nothing of the draw's state: the permission is checked first
    peek = await sampling.post(
        f"/v1/draws/{frozen['id']}/entropy", json={"entropy": DICE}, headers=tokens.officer("GAJ")
    )
    assert peek.status_code == 403 and peek.json()["code"] == "draw_not_allowed", peek.text
    wiring.reset()  # audit is back
    for outsider in (tokens.officer("GAJ"), tokens.officer("YJGL"), tokens.auditor):  # another, a cooperating dept
        refused = await sampling.post(f"/v1/draws/{frozen['id']}/register", headers=outsider)
        assert refused.status_code == 403, refused.text
    assert (await sampling.get(f"/v1/draws/{frozen['id']}", headers=tokens.admin)).json()["status"] == "frozen"
    r = await sampling.post(f"/v1/draws/{frozen['id']}/register", headers=tokens.officer(LEAD))
    assert r.status_code == 200 and r.json()["status"] == "committed" and r.json()["receipt"]
    again = await sampling.post(f"/v1/draws/{frozen['id']}/register", headers=tokens.officer(LEAD))
    assert again.status_code == 409 and again.json()["current_state"] == "committed"


async def test_the_first_accepted_entropy_is_final(sampling, world: World, tokens, sampling_db, service_database_urls):
    await world.entities("AABBCCDU")
    await world.inspectors(2)  # approval needs inspectors for every expected entity
    task = await world.task()
    r = await create(sampling, tokens, task["id"])
    draw_id = r.json()["id"]
    bad = await execute(sampling, tokens, draw_id, entropy="")  # the announcement names a source: not empty
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_entropy"
    assert await sampling_db.fetchval("SELECT entropy FROM draws WHERE id = $1::uuid", draw_id) is None

    # Sampling "dies" while executing: its final transaction is held at the outbox (locked by
    # the test) and its database connection is cut there. What was accepted must survive.
    blocker = await asyncpg.connect(asyncpg_dsn(service_database_urls["sampling"]))
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("LOCK TABLE outbox_events IN SHARE MODE")
    supplying = asyncio.create_task(execute(sampling, tokens, draw_id, entropy=DICE))
    try:
        row = None
        for _ in range(150):
            row = await sampling_db.fetchrow(
                "SELECT status, entropy, entropy_at FROM draws WHERE id = $1::uuid", draw_id
            )
            if row["entropy"] is not None:
                break
            await asyncio.sleep(0.1)
        assert row["entropy"] == DICE and row["entropy_at"] is not None and row["status"] == "committed", dict(row)
        killed = await sampling_db.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        assert killed == 1
        died = await asyncio.wait_for(supplying, 30)
        assert died.status_code == 500
    finally:
        await tx.rollback()
        await blocker.close()
        if not supplying.done():
            await asyncio.wait_for(supplying, 60)

    after = (await sampling.get(f"/v1/draws/{draw_id}", headers=tokens.admin)).json()
    assert after["status"] == "committed" and after["entropy"] == DICE and after["summary"] is None
    public = (await sampling.get(f"/public/draws/{draw_id}")).json()
    assert public["entropy"] == DICE  # witnesses see the accepted value at once
    other = await execute(sampling, tokens, draw_id, entropy="witness dice: 6 6 6 6")
    assert other.status_code == 409 and other.json()["code"] == "entropy_already_accepted"
    assert other.json()["entropy"] == DICE
    done = await execute(sampling, tokens, draw_id, entropy=DICE)
    assert done.status_code == 200, done.text
    assert (
        done.json()["status"] == "executed"
        and done.json()["entropy"] == DICE
        and done.json()["entropy_at"] == after["entropy_at"]
    )
    bundle = await sampling.get(f"/v1/draws/{draw_id}/bundle", headers=tokens.auditor)
    assert json.loads(bundle.content)["entropy"] == DICE
    twice = await execute(sampling, tokens, draw_id, entropy=DICE)
    assert twice.status_code == 409 and twice.json()["current_state"] == "executed"
    events = await sampling_db.fetch("SELECT topic, payload FROM outbox_events WHERE topic = 'task.objects_drawn'")
    assert [json.loads(e["payload"]) for e in events] == [{"task_id": task["id"], "draw_id": draw_id}]


async def test_an_executed_draw_of_a_started_task_cannot_be_voided(
    sampling, world: World, tokens, clients, sampling_db
):
    await world.entities("AABBCDU")
    await world.inspectors(2)
    task = await world.task(team_rules={"team_size": 3, "max_load": 10})
    objects = await drawn(sampling, tokens, task["id"])
    assert "task.objects_drawn" in await deliver_outbox(sampling_db, clients, tokens)
    assert await world.task_state(task["id"]) == "objects_drawn"
    teams = await drawn(sampling, tokens, task["id"], "teams")
    delivered = await deliver_outbox(sampling_db, clients, tokens)
    assert "task.teams_assigned" in delivered and "inspections.create" in delivered
    assert await world.task_state(task["id"]) == "teams_assigned"
    result = (await sampling.get(f"/v1/draws/{teams['id']}/result", headers=tokens.admin)).json()
    inspections = (
        await clients.results.get("/v1/inspections", params={"task_id": task["id"]}, headers=tokens.admin)
    ).json()
    assert {i["uscc"]: i["inspectors"] for i in inspections["items"]} == {
        t["entity"]: t["inspectors"] for t in result["teams"]
    }

    visit = await clients.results.post(
        f"/v1/inspections/{inspections['items'][0]['id']}/visit",
        json={"inspected_on": "2026-04-02"},
        headers=tokens.admin,
    )
    assert visit.status_code == 200, visit.text
    await world.move(task["id"], "in_progress")

    refused = await sampling.post(
        f"/v1/draws/{teams['id']}/void", json={"reason": "检查组人员有误需重新选派"}, headers=tokens.officer(LEAD)
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "task_started" and problem["current_state"] == "in_progress"
    assert "in_progress" in problem["detail"]
    assert (await sampling.get(f"/v1/draws/{teams['id']}", headers=tokens.admin)).json()["status"] == "executed"
    pending = await sampling_db.fetch(
        "SELECT topic FROM outbox_events WHERE status = 'pending' AND topic <> 'audit.record'"
    )
    assert pending == []  # nothing sent that planning would reject
    blocked = await sampling.post(
        f"/v1/draws/{objects['id']}/void", json={"reason": "名录有误需要重新抽取"}, headers=tokens.admin
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "teams_draw_active"


async def test_an_executed_draw_is_voided_while_the_task_has_not_started(
    sampling, world: World, tokens, clients, sampling_db
):
    await world.entities("ABCD")
    await world.inspectors(2)  # approval needs inspectors for every expected entity
    task = await world.task()
    objects = await drawn(sampling, tokens, task["id"])
    await deliver_outbox(sampling_db, clients, tokens)
    outsider = await sampling.post(
        f"/v1/draws/{objects['id']}/void", json={"reason": "录入错误需重抽"}, headers=tokens.officer("GAJ")
    )
    assert outsider.status_code == 403
    r = await sampling.post(
        f"/v1/draws/{objects['id']}/void",
        json={"reason": "名录库数据有误，经联席办批准重新抽取"},
        headers=tokens.officer(LEAD),
    )
    assert r.status_code == 200 and r.json()["status"] == "voided", r.text
    assert "task.draw_voided" in await deliver_outbox(sampling_db, clients, tokens)
    assert await world.task_state(task["id"]) == "approved"
    again = await sampling.post(
        f"/v1/draws/{objects['id']}/void", json={"reason": "再次作废试试看"}, headers=tokens.admin
    )
    assert again.status_code == 409 and again.json()["current_state"] == "voided"
    second = await drawn(sampling, tokens, task["id"])
    assert second["id"] != objects["id"]


async def test_refusals_before_anything_is_gathered(sampling, world: World, tokens, sampling_db):
    await world.entities("ABC")
    await world.inspectors(2)  # approval needs inspectors for every expected entity
    draft = await world.task(approve=False)
    not_approved = await create(sampling, tokens, draft["id"])
    assert not_approved.status_code == 409 and not_approved.json()["current_state"] == "draft"
    await world.move(draft["id"], "approved")
    cooperating = await create(sampling, tokens, draft["id"], headers=tokens.officer("YJGL"))
    assert cooperating.status_code == 403 and cooperating.json()["code"] == "draw_not_allowed"
    missing = await create(sampling, tokens, "00000000-0000-0000-0000-000000000000", headers=tokens.admin)
    assert missing.status_code == 404 and missing.json()["code"] == "task_not_found"
    teams_first = await create(sampling, tokens, draft["id"], "teams")
    assert teams_first.status_code == 409 and teams_first.json()["current_state"] == "approved"
    assert await sampling_db.fetchval("SELECT count(*) FROM draws") == 0
    first = await create(sampling, tokens, draft["id"])
    twin = await create(sampling, tokens, draft["id"])
    assert (
        twin.status_code == 409
        and twin.json()["code"] == "draw_exists"
        and twin.json()["draw_id"] == first.json()["id"]
    )


async def test_receivers_validate_event_payloads_once(clients, tokens):
    body = {
        "id": "5f0c8f57-4bde-4a36-9d55-3c6f3c3f0b3a",
        "source": "sampling",
        "topic": "inspections.create",
        "payload": {"task_id": "t", "draw_id": "d", "teams": [{"entity": "x"}]},
    }
    r = await clients.results.post("/internal/events", json=body, headers=tokens.service)
    assert r.status_code == 422 and r.json()["code"] == "invalid_event_payload"
    assert r.json()["errors"][0]["field"] == "payload.teams.0.inspectors"
