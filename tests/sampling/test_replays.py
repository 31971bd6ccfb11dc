"""The audit service as independent witness (issue 12, items 1–3): replays of draws made by the
real sampling app, against the real registry and results apps, and tampering done directly in
each database — each caught by the check it should be caught by.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import uuid
import zlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio

from audit.replays import scheduler, service
from jointcheck import draw as drawv1
from jointcheck.clients import (
    RegistryClient,
    ResultsClient,
    SamplingClient,
    registry_client,
    results_client,
    sampling_client,
)
from sampling.draws.storage import pack_inputs, unpack_inputs

from .conftest import LEAD, World, asyncpg_dsn, deliver_outbox

DICE = "witness dice: 3 1 4 1 5 9 2 6"


class Witness:
    def __init__(self, app: Any, http: httpx.AsyncClient, callees: service.Callees) -> None:
        self.app, self.http, self.callees = app, http, callees

    async def replay(self, tokens: Any, draw_id: str, expect: int = 201) -> dict[str, Any]:
        r = await self.http.post("/v1/replays", json={"draw_id": draw_id}, headers=tokens.auditor)
        assert r.status_code == expect, r.text
        return r.json()

    async def failures(self, check: str) -> float:
        text = (await self.http.get("/metrics")).text
        m = re.search(r'^audit_replay_failures_total\{check="%s",service="audit"\} (\S+)$' % check, text, re.M)
        return float(m.group(1)) if m else 0.0


@pytest_asyncio.fixture
async def witness(apps, wiring) -> AsyncIterator[Witness]:
    """The audit app, its sampling, registry and results clients reaching the real apps in process."""
    audit = apps["audit"]
    settings = audit.state.settings

    def to(app: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=60)

    callees = service.Callees(
        sampling=SamplingClient(settings, http=to(wiring.app)),
        registry=RegistryClient(settings, http=to(apps["registry"])),
        results=ResultsClient(settings, http=to(apps["results"])),
    )
    audit.dependency_overrides[sampling_client] = lambda: callees.sampling
    audit.dependency_overrides[registry_client] = lambda: callees.registry
    audit.dependency_overrides[results_client] = lambda: callees.results
    transport = httpx.ASGITransport(app=audit, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://audit.test", timeout=120) as http:
        yield Witness(audit, http, callees)
    for dep in (sampling_client, registry_client, results_client):
        audit.dependency_overrides.pop(dep, None)


@pytest_asyncio.fixture
async def audit_db(service_database_urls) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(service_database_urls["audit"]))
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def registry_db(service_database_urls) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(service_database_urls["registry"]))
    try:
        yield conn
    finally:
        await conn.close()


async def drawn(sampling, tokens, task_id: str, kind: str = "objects") -> dict[str, Any]:
    r = await sampling.post(
        "/v1/draws",
        json={"task_id": task_id, "kind": kind, "entropy_source": "witness dice"},
        headers=tokens.officer(LEAD),
    )
    assert r.status_code == 201 and r.json()["status"] == "committed", r.text
    r = await sampling.post(f"/v1/draws/{r.json()['id']}/entropy", json={"entropy": DICE}, headers=tokens.officer(LEAD))
    assert r.status_code == 200 and r.json()["status"] == "executed", r.text
    return r.json()


async def objects_draw(world: World, sampling, tokens) -> tuple[dict, dict]:
    await world.entities("AAAABBBCCDDU")
    await world.inspectors(1)  # approval needs inspectors for every expected entity
    task = await world.task()
    return task, await drawn(sampling, tokens, task["id"])


async def another_task(world: World, first: dict) -> dict:
    """A second approved task over the same population (same plan, checklist and scope)."""
    body = {
        k: first[k]
        for k in ("plan_id", "checklist_id", "scope", "sampling_rules", "inspection_start", "inspection_end", "experts")
    }
    if first.get("team_rules"):
        body["team_rules"] = first["team_rules"]
    task = await world.post(
        "planning", "/v1/tasks", {**body, "name": f"第二次抽查（{world.tag}）"}, headers=world.tokens.officer(LEAD)
    )
    await world.move(task["id"], "approved")
    return task


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def pack(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 3)


# ------------------------------------------------------------------ every kind replays OK


async def test_draws_of_every_kind_replay_ok(sampling, witness, world: World, tokens, clients, sampling_db):
    await world.entities("AAAABBBCCDDU")
    await world.inspectors(2)
    await world.post(
        "registry",
        "/v1/experts",
        {"expert_id": f"EXP-{world.short}", "name": "专家", "field": "危险化学品", "organisation": "某研究院"},
    )
    task = await world.task(team_rules={"team_size": 3, "max_load": 10}, experts={"危险化学品": 1})
    objects = await drawn(sampling, tokens, task["id"])
    assert "task.objects_drawn" in await deliver_outbox(sampling_db, clients, tokens)
    teams = await drawn(sampling, tokens, task["id"], "teams")
    experts = await drawn(sampling, tokens, task["id"], "experts")
    for draw in (objects, teams, experts):
        verdict = await witness.replay(tokens, draw["id"])
        assert verdict["ok"] is True, verdict
        assert verdict["failed_check"] is None and verdict["kind"] == draw["kind"] and verdict["task_id"] == task["id"]
        assert [c["check"] for c in verdict["checks"]] == [
            "announcement",
            "entropy_time",
            "commitment",
            "input_hashes",
            "result",
            "registry_frame",
            "exclusions",
        ]
        assert all(c["ok"] is True for c in verdict["checks"])
        assert verdict["announcement_sha256"] == draw["announcement_sha256"]
        got = await witness.http.get(f"/v1/replays/{verdict['id']}", headers=tokens.service)
        assert got.status_code == 200 and got.json() == verdict
    listed = await witness.http.get("/v1/replays", params={"task_id": task["id"], "limit": 2}, headers=tokens.admin)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2 and listed.json()["next_cursor"]
    rest = await witness.http.get(
        "/v1/replays", params={"task_id": task["id"], "cursor": listed.json()["next_cursor"]}, headers=tokens.admin
    )
    ids = {r["draw_id"] for r in listed.json()["items"] + rest.json()["items"]}
    assert ids == {objects["id"], teams["id"], experts["id"]}


async def test_who_may_replay_and_what_cannot_be_replayed(sampling, witness, world: World, tokens):
    _, draw = await objects_draw(world, sampling, tokens)
    for outsider in (tokens.officer(LEAD), tokens.inspector):
        r = await witness.http.post("/v1/replays", json={"draw_id": draw["id"]}, headers=outsider)
        assert r.status_code == 403, r.text
        assert (await witness.http.get("/v1/replays", headers=outsider)).status_code == 403
    assert (await witness.http.post("/v1/replays", json={"draw_id": draw["id"]})).status_code == 401
    missing = await witness.http.post("/v1/replays", json={"draw_id": str(uuid.uuid4())}, headers=tokens.admin)
    assert missing.status_code == 404 and missing.json()["code"] == "draw_not_found"
    assert (await witness.http.get(f"/v1/replays/{uuid.uuid4()}", headers=tokens.admin)).json()[
        "code"
    ] == "replay_not_found"
    r = await witness.http.post("/v1/replays", json={"draw_id": draw["id"]}, headers=tokens.service)
    assert r.status_code == 201 and r.json()["ok"] is True and r.json()["trigger"] == "request", r.text


async def test_a_committed_draw_without_a_result_is_not_replayed(sampling, witness, world: World, tokens):
    await world.entities("ABCD")
    await world.inspectors(1)  # approval needs inspectors for every expected entity
    task = await world.task()
    r = await sampling.post(
        "/v1/draws",
        json={"task_id": task["id"], "kind": "objects", "entropy_source": "witness dice"},
        headers=tokens.officer(LEAD),
    )
    refused = await witness.http.post("/v1/replays", json={"draw_id": r.json()["id"]}, headers=tokens.admin)
    assert refused.status_code == 409 and refused.json()["code"] == "draw_not_executed"


# ------------------------------------------------------------------ tampering, database by database


async def test_a_stored_result_altered_in_sampling_fails_result(
    sampling, witness, world, tokens, sampling_db, audit_db
):
    _, draw = await objects_draw(world, sampling, tokens)
    blob = await sampling_db.fetchval("SELECT result_gz FROM draws WHERE id = $1", uuid.UUID(draw["id"]))
    result = unpack(blob)
    result["selected"].pop(0)  # someone is spared the inspection
    await sampling_db.execute("UPDATE draws SET result_gz = $2 WHERE id = $1", uuid.UUID(draw["id"]), pack(result))
    before = await witness.failures("result")
    verdict = await witness.replay(tokens, draw["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "result"), verdict
    assert [c["ok"] for c in verdict["checks"]] == [True, True, True, True, False, None, None]
    assert await witness.failures("result") == before + 1
    chained = await audit_db.fetchrow(
        "SELECT action, data FROM audit_events WHERE object_id = $1 AND action = 'replay.failed'", draw["id"]
    )
    assert chained is not None and json.loads(chained["data"])["check"] == "result"
    history = await witness.http.get("/v1/audit-events", params={"object": draw["id"]}, headers=tokens.auditor)
    actions = [e["action"] for e in history.json()["items"]]
    assert actions[0] == "announcement.register" and actions[-1] == "replay.failed"
    failed = await witness.http.get(
        "/v1/replays", params={"ok": "false", "failed_check": "result"}, headers=tokens.admin
    )
    assert [r["id"] for r in failed.json()["items"]] == [verdict["id"]]


async def test_a_frozen_frame_altered_after_the_draw_fails_input_hashes(sampling, witness, world, tokens, sampling_db):
    _, draw = await objects_draw(world, sampling, tokens)
    inputs, extra = unpack_inputs(
        await sampling_db.fetchval("SELECT inputs_gz FROM draws WHERE id = $1", uuid.UUID(draw["id"]))
    )
    lines = inputs["frame"].splitlines(keepends=True)
    inputs["frame"] = b"".join(lines[1:])
    await sampling_db.execute(
        "UPDATE draws SET inputs_gz = $2 WHERE id = $1", uuid.UUID(draw["id"]), pack_inputs(inputs, extra)
    )
    verdict = await witness.replay(tokens, draw["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "input_hashes"), verdict


async def test_a_frame_edited_in_sampling_before_commit_fails_registry_frame(
    sampling, wiring, witness, world, tokens, sampling_db
):
    """The strongest forgery sampling's database allows: the frame edited while the draw is frozen,
    the announcement rebuilt over it, then registered and executed — every hash agrees; only the
    registry's own answer as of the recorded version tells."""
    await world.entities("AAAABBBCCDDU")
    await world.inspectors(1)  # approval needs inspectors for every expected entity
    task = await world.task()
    wiring.unreachable("audit")
    r = await sampling.post(
        "/v1/draws",
        json={"task_id": task["id"], "kind": "objects", "entropy_source": "witness dice"},
        headers=tokens.officer(LEAD),
    )
    frozen = r.json()
    assert frozen["status"] == "frozen", r.text
    wiring.reset()
    row = await sampling_db.fetchrow("SELECT announcement, inputs_gz FROM draws WHERE id = $1", uuid.UUID(frozen["id"]))
    inputs, extra = unpack_inputs(row["inputs_gz"])
    protected = inputs["frame"].splitlines(keepends=True)[0]  # an entity someone wants left alone
    inputs["frame"] = inputs["frame"].replace(protected, b"")
    ann = json.loads(row["announcement"])
    ann["frame_sha256"] = drawv1.sha256_hex(inputs["frame"])
    ann["frame_size"] -= 1
    forged = drawv1.canonical_json(ann).decode()
    await sampling_db.execute(
        "UPDATE draws SET announcement = $2, announcement_sha256 = $3, inputs_gz = $4, "
        "input_hashes = jsonb_set(jsonb_set(input_hashes, '{frame_sha256}', to_jsonb($5::text)), '{frame_size}', to_jsonb($6::int)) "
        "WHERE id = $1",
        uuid.UUID(frozen["id"]),
        forged,
        drawv1.sha256_hex(forged),
        pack_inputs(inputs, extra),
        ann["frame_sha256"],
        ann["frame_size"],
    )
    r = await sampling.post(f"/v1/draws/{frozen['id']}/register", headers=tokens.officer(LEAD))
    assert r.status_code == 200 and r.json()["status"] == "committed", r.text
    r = await sampling.post(f"/v1/draws/{frozen['id']}/entropy", json={"entropy": DICE}, headers=tokens.officer(LEAD))
    assert r.status_code == 200 and r.json()["status"] == "executed", r.text
    verdict = await witness.replay(tokens, frozen["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "registry_frame"), verdict
    assert protected.split(b"\t")[0].decode() in verdict["detail"]
    assert [c["ok"] for c in verdict["checks"]] == [True, True, True, True, True, False, None]


async def test_a_registered_announcement_altered_in_audit_fails_announcement(
    sampling, witness, world, tokens, audit_db
):
    _, draw = await objects_draw(world, sampling, tokens)
    changed = await audit_db.execute(
        'UPDATE announcements SET announcement = replace(announcement, \'"entropy_source":"witness dice"\', '
        '\'"entropy_source":"none"\') WHERE draw_id = $1',
        draw["id"],
    )
    assert changed == "UPDATE 1"
    verdict = await witness.replay(tokens, draw["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "announcement"), verdict
    assert [c["ok"] for c in verdict["checks"]] == [False, None, None, None, None, None, None]


async def test_a_receipt_time_moved_in_audit_fails_announcement(sampling, witness, world, tokens, audit_db):
    _, draw = await objects_draw(world, sampling, tokens)
    await audit_db.execute(
        "UPDATE announcements SET registered_at = registered_at - interval '1 day' WHERE draw_id = $1", draw["id"]
    )
    verdict = await witness.replay(tokens, draw["id"])
    assert verdict["failed_check"] == "announcement" and "receipt time" in verdict["detail"]


async def test_entropy_recorded_before_the_receipt_fails_entropy_time(
    sampling, witness, world, tokens, sampling_db, audit_db
):
    _, draw = await objects_draw(world, sampling, tokens)
    registered = await audit_db.fetchval("SELECT registered_at FROM announcements WHERE draw_id = $1", draw["id"])
    await sampling_db.execute(
        "UPDATE draws SET entropy_at = $2 WHERE id = $1", uuid.UUID(draw["id"]), registered.replace(microsecond=0)
    )
    verdict = await witness.replay(tokens, draw["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "entropy_time"), verdict


async def test_an_entity_history_row_rewritten_in_the_registry_fails_registry_frame(
    sampling, witness, world, tokens, registry_db
):
    _, draw = await objects_draw(world, sampling, tokens)
    version = json.loads(draw["announcement"])["registry_version"]
    selected = (await sampling.get(f"/v1/draws/{draw['id']}/result", headers=tokens.admin)).json()["selected"][0]
    changed = await registry_db.execute(
        "UPDATE entities SET credit_class = CASE WHEN credit_class = 'A' THEN 'B' ELSE 'A' END "
        "WHERE uscc = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)",
        selected["id"],
        version,
    )
    assert changed == "UPDATE 1"
    verdict = await witness.replay(tokens, draw["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "registry_frame"), verdict
    assert selected["id"] in verdict["detail"]


async def test_an_exclusion_results_never_recorded_fails_exclusions(
    sampling, witness, world, tokens, clients, sampling_db, service_database_urls
):
    """An objects draw excluding an entity results recorded as inspected replays OK — until results'
    record no longer shows that inspection."""
    population = await world.entities("AAAABBBCCDDU")
    await world.inspectors(2)
    task = await world.task(team_rules={"team_size": 3, "max_load": 10})
    await drawn(sampling, tokens, task["id"])
    await deliver_outbox(sampling_db, clients, tokens)
    await drawn(sampling, tokens, task["id"], "teams")
    await deliver_outbox(sampling_db, clients, tokens)
    inspections = (
        await clients.results.get("/v1/inspections", params={"task_id": task["id"]}, headers=tokens.admin)
    ).json()
    visited = inspections["items"][0]
    today = dt.date.today().isoformat()
    r = await clients.results.post(
        f"/v1/inspections/{visited['id']}/visit", json={"inspected_on": today}, headers=tokens.admin
    )
    assert r.status_code == 200, r.text
    second = await another_task(world, task)  # the same population; the visited entity is excluded
    draw = await drawn(sampling, tokens, second["id"])
    ann = json.loads(draw["announcement"])
    assert ann["exclusion"]["count"] == 1 and ann["frame_size"] == len(population) - 1
    assert (await witness.replay(tokens, draw["id"]))["ok"] is True
    results_db = await asyncpg.connect(asyncpg_dsn(service_database_urls["results"]))
    try:
        await results_db.execute("UPDATE inspections SET inspected_on = NULL WHERE id = $1", uuid.UUID(visited["id"]))
    finally:
        await results_db.close()
    verdict = await witness.replay(tokens, draw["id"])
    assert (verdict["ok"], verdict["failed_check"]) == (False, "exclusions"), verdict
    assert visited["uscc"] in verdict["detail"]


# ------------------------------------------------------------------ announcements per task


async def test_every_announcement_of_a_task_with_its_draws_orphans_visible(sampling, witness, world, tokens, clients):
    task, draw = await objects_draw(world, sampling, tokens)
    orphan_ann = drawv1.canonical_json(
        {
            "algorithm": "draw-v1",
            "kind": "objects",
            "commitment": "ab" * 32,
            "task_id": task["id"],
            "entropy_source": "witness dice",
        }
    ).decode()
    orphan_id = str(uuid.uuid4())
    r = await clients.audit.post(
        "/v1/announcements", json={"draw_id": orphan_id, "announcement": orphan_ann}, headers=tokens.service
    )
    assert r.status_code == 201, r.text
    listed = await witness.http.get("/v1/announcements", params={"task_id": task["id"]}, headers=tokens.auditor)
    assert listed.status_code == 200, listed.text
    by_draw = {a["draw_id"]: a for a in listed.json()}
    assert set(by_draw) == {draw["id"], orphan_id}
    assert by_draw[draw["id"]]["orphaned"] is False
    assert by_draw[draw["id"]]["draws"] == [{"id": draw["id"], "kind": "objects", "status": "executed"}]
    assert by_draw[orphan_id]["orphaned"] is True and by_draw[orphan_id]["draws"] == []
    other = await witness.http.get("/v1/announcements", params={"task_id": "no-such-task"}, headers=tokens.auditor)
    assert other.status_code == 200 and other.json() == []
    assert (
        await witness.http.get("/v1/announcements", params={"task_id": task["id"]}, headers=tokens.officer(LEAD))
    ).status_code == 403


# ------------------------------------------------------------------ the schedule


async def test_the_schedule_replays_every_executed_draw_once_across_replicas(sampling, witness, world, tokens):
    task, first = await objects_draw(world, sampling, tokens)
    task2 = await another_task(world, task)
    second = await drawn(sampling, tokens, task2["id"])
    settings = witness.app.state.settings.model_copy(update={"replay_max_age_seconds": 3600.0})
    db = witness.app.state.db
    metrics = service.witness_metrics(witness.app)
    ran = await asyncio.gather(
        *(
            scheduler.run_due_jobs(db, settings, holder=h, callees=witness.callees, metrics=metrics)
            for h in ("replica-a", "replica-b")
        )
    )
    assert sorted(j for r in ran for j in r) == sorted([scheduler.CHAIN_JOB, scheduler.REPLAY_JOB])
    scheduled = (await witness.http.get("/v1/replays", params={"trigger": "schedule"}, headers=tokens.admin)).json()[
        "items"
    ]
    assert sorted(r["draw_id"] for r in scheduled) == sorted([first["id"], second["id"]])
    assert all(r["ok"] for r in scheduled)
    # not due again: the leases say when the jobs are next due
    assert (
        await scheduler.run_due_jobs(db, settings, holder="replica-c", callees=witness.callees, metrics=metrics) == []
    )
    # when due again, only draws not replayed within replay_max_age are replayed
    audit_dsn = asyncpg_dsn(settings.database_url)
    conn = await asyncpg.connect(audit_dsn)
    try:
        await conn.execute("UPDATE scheduler_leases SET expires_at = now() - interval '1 second'")
        await conn.execute(
            "UPDATE replays SET finished_at = finished_at - interval '2 hours' WHERE draw_id = $1", first["id"]
        )
    finally:
        await conn.close()
    await scheduler.run_due_jobs(db, settings, holder="replica-c", callees=witness.callees, metrics=metrics)
    scheduled = (await witness.http.get("/v1/replays", params={"trigger": "schedule"}, headers=tokens.admin)).json()[
        "items"
    ]
    assert sorted(r["draw_id"] for r in scheduled) == sorted([first["id"], first["id"], second["id"]])


async def test_an_event_log_row_altered_is_caught_by_the_scheduled_verification(
    sampling, witness, world, tokens, audit_db, sampling_db, clients
):
    _, draw = await objects_draw(world, sampling, tokens)
    await deliver_outbox(sampling_db, clients, tokens)
    settings = witness.app.state.settings
    db = witness.app.state.db
    metrics = service.witness_metrics(witness.app)
    ran = await scheduler.run_due_jobs(db, settings, holder="a", callees=witness.callees, metrics=metrics)
    assert scheduler.CHAIN_JOB in ran
    good = (await witness.http.get("/v1/chain-verifications", headers=tokens.auditor)).json()["items"]
    assert [(v["ok"], v["trigger"]) for v in good] == [(True, "schedule")]
    history = (await witness.http.get("/v1/audit-events", params={"object": draw["id"]}, headers=tokens.auditor)).json()
    assert {"announcement.register", "draw.commit", "draw.execute"} <= {e["action"] for e in history["items"]}
    task_history = (
        await witness.http.get("/v1/audit-events", params={"object": draw["task_id"]}, headers=tokens.auditor)
    ).json()["items"]
    assert {"draw.commit", "draw.execute"} <= {e["action"] for e in task_history}
    seq = await audit_db.fetchval(
        "SELECT seq FROM audit_events WHERE action = 'draw.execute' AND object_id = $1", draw["id"]
    )
    await audit_db.execute('UPDATE audit_events SET data = data || \'{"kind": "experts"}\' WHERE seq = $1', seq)
    text = (await witness.http.get("/metrics")).text
    before = (
        float(m.group(1))
        if (m := re.search(r'^audit_chain_verification_failures_total\{service="audit"\} (\S+)$', text, re.M))
        else 0.0
    )
    await audit_db.execute("UPDATE scheduler_leases SET expires_at = now() - interval '1 second'")
    await scheduler.run_due_jobs(db, settings, holder="b", callees=witness.callees, metrics=metrics)
    latest = (await witness.http.get("/v1/chain-verifications", params={"ok": "false"}, headers=tokens.auditor)).json()[
        "items"
    ]
    assert len(latest) == 1 and latest[0]["first_broken_seq"] == seq and "hash" in latest[0]["reason"]
    text = (await witness.http.get("/metrics")).text
    after = re.search(r'^audit_chain_verification_failures_total\{service="audit"\} (\S+)$', text, re.M)
    assert after and float(after.group(1)) == before + 1
    broken = await audit_db.fetchrow("SELECT data FROM audit_events WHERE action = 'chain.broken'")
    assert broken is not None and json.loads(broken["data"])["first_broken_seq"] == seq
    now = await witness.http.post("/v1/chain-verifications", headers=tokens.admin)
    assert now.status_code == 201 and now.json()["ok"] is False and now.json()["trigger"] == "request"
