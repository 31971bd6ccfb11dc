"""Several processes of one service on one database (issue 14): a second uvicorn process of planning
and of sampling beside the stack's, each with its own outbox dispatcher. Idempotency keys, the one
active draw per task and kind, and event delivery (every event once, in order) hold across them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import asyncpg
import httpx
import pytest

from jcdev.stack import Stack

from .conftest import eventually
from .world import LEAD, World

FUTURE = ("2032-04-01", "2032-09-30")
ALL = {c: {"ratio": "1"} for c in "ABCDU"}


@pytest.fixture(scope="module")
def replicas(stack: Stack) -> Iterator[dict[str, str]]:
    """A second process of planning and of sampling: same database, same settings, other ports."""
    offset = 10  # beside the stack's ports (base … base+9)
    ports = dict(stack.cfg.ports)
    second = Stack(replace(stack.cfg, ports={**ports, "planning": ports["planning"] + offset}))
    third = Stack(replace(stack.cfg, ports={**ports, "sampling": ports["sampling"] + offset}))
    try:
        second.start("planning")
        third.start("sampling")
        second.wait_ready(["planning"])
        third.wait_ready(["sampling"])
        yield {"planning": second.cfg.base_url("planning"), "sampling": third.cfg.base_url("sampling")}
    finally:
        second.stop_all()
        third.stop_all()


def both(*calls):
    """Run the calls at once (threads: each its own connection)."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


def _duplicates(http: httpx.Client, url: str) -> float:
    text = http.get(f"{url}/metrics").text
    return sum(float(v) for v in re.findall(r'^inbox_events_total\{[^}]*status="duplicate"[^}]*\} (\S+)$', text, re.M))


def test_idempotency_keys_hold_across_processes(http, urls, tokens, replicas):
    w = World(http, urls, tokens)
    w.departments()
    officer = tokens.officer(LEAD)
    for n in range(6):
        key = f"replica-{uuid.uuid4()}"
        body = {
            "department": LEAD,
            "code": f"{LEAD}-REP-{w.short}-{n}",
            "name": "副本幂等检查事项",
            "legal_basis": "相关法律法规",
            "methods": ["on_site"],
        }
        answers = both(
            *(
                lambda base=base: httpx.post(
                    f"{base}/v1/items", json=body, headers=officer | {"Idempotency-Key": key}, timeout=30
                )
                for base in (urls["planning"], replicas["planning"])
            )
        )
        created = [a for a in answers if a.status_code == 201]
        assert created, [a.text for a in answers]
        for a in answers:
            # never a second effect: the same answer replayed, or "still running" — not a 409 "exists"
            assert a.status_code == 201 or (a.status_code == 409 and a.json()["code"] == "idempotency_in_progress"), (
                a.status_code,
                a.text,
            )
        assert len({a.json()["id"] for a in created}) == 1
        if len(created) == 2:
            assert sorted(a.headers.get("idempotent-replayed", "") for a in created) == ["", "true"]
        # a retry at either process, later, replays the first answer
        for base in (urls["planning"], replicas["planning"]):
            again = http.post(f"{base}/v1/items", json=body, headers=officer | {"Idempotency-Key": key})
            assert again.status_code == 201 and again.json()["id"] == created[0].json()["id"]
            assert again.headers["idempotent-replayed"] == "true"
        listed = w.get("planning", "/v1/items", department=LEAD, q=body["code"])["items"]
        assert [i["code"] for i in listed] == [body["code"]]


def test_one_active_draw_and_every_event_once_across_processes(http, urls, tokens, replicas, stack):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("AABCDU")
    w.inspectors(3)
    duplicates_before = {name: _duplicates(http, urls[name]) for name in ("audit", "results")}
    tasks = [w.task(rules=ALL, year=2032, window=FUTURE, team_rules={"team_size": 3, "max_load": 6}) for _ in range(3)]
    lead = tokens.officer(LEAD)

    for task in tasks:  # the same objects draw asked of both processes at once
        answers = both(
            *(
                lambda base=base: httpx.post(
                    f"{base}/v1/draws",
                    json={"task_id": task["id"], "kind": "objects", "entropy_source": "witness dice"},
                    headers=lead,
                    timeout=60,
                )
                for base in (urls["sampling"], replicas["sampling"])
            )
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 409)
        assert refused.json()["code"] == "draw_exists", refused.text
        draw = next(a for a in answers if a.status_code == 201).json()
        # the entropy at the other process: one database, one draw
        other = replicas["sampling"] if answers[0].status_code == 201 else urls["sampling"]
        executed = http.post(f"{other}/v1/draws/{draw['id']}/entropy", json={"entropy": "dice 3 1 4"}, headers=lead)
        assert executed.status_code == 200 and executed.json()["status"] == "executed", executed.text

    # both processes dispatch the outbox: every task moves on, in order, each event applied once
    for task in tasks:
        eventually(lambda t=task: w.get("planning", f"/v1/tasks/{t['id']}")["state"] == "objects_drawn", timeout=30)
    for task in tasks:
        w.draw(task["id"], "teams")
    for task in tasks:
        eventually(lambda t=task: w.get("planning", f"/v1/tasks/{t['id']}")["state"] == "teams_assigned", timeout=30)
        teams = eventually(
            lambda t=task: [
                i for i in w.get("results", "/v1/inspections", task_id=t["id"])["items"] if i["inspectors"]
            ],
            timeout=30,
        )
        assert len(teams) == 6

    async def outbox() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(stack.cfg.database_url("sampling").replace("postgresql+asyncpg", "postgresql"))
        try:
            ids = [t["id"] for t in tasks]
            return await conn.fetch(
                "SELECT destination, topic, status, attempts FROM outbox_events "
                "WHERE ordering_key = ANY($1::text[]) OR payload->>'task_id' = ANY($2::text[])",
                [f"task:{i}" for i in ids],
                ids,
            )
        finally:
            await conn.close()

    import asyncio

    rows = eventually(lambda: (r := asyncio.run(outbox())) and all(x["status"] == "delivered" for x in r) and r)
    assert {r["topic"] for r in rows} >= {"task.objects_drawn", "task.teams_assigned", "inspections.create"}
    assert all(r["attempts"] == 1 for r in rows), [dict(r) for r in rows if r["attempts"] != 1]
    for name in ("audit", "results"):  # nothing was sent twice (a redelivery would be acknowledged as duplicate)
        assert _duplicates(http, urls[name]) == duplicates_before[name]
