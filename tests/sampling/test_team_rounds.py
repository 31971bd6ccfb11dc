"""Supplementary teams rounds at service level (issue 10): a teams draw that leaves entities out is
completed by full draw-v1 teams draws over exactly the entities still without a team; inspectors whose
earlier rounds reached ``max_load`` (or that the office excludes) are barred through the constraints
file, each pair with its reason; one active draw per task, kind and round."""

from __future__ import annotations

import json
import uuid
from typing import Any

from jointcheck import draw as drawv1
from jointcheck.auth import Principal
from jointcheck.visibility import inspection_scope

from .conftest import DICE, LEAD, World, deliver_outbox, drawn, execute

ALL = {c: {"ratio": "1"} for c in "ABCDU"}


async def supplementary(sampling, tokens, task_id: str, completes: str, **extra: Any):
    return await sampling.post(
        "/v1/draws",
        headers=tokens.officer(LEAD),
        json={"task_id": task_id, "kind": "teams", "entropy_source": "witness dice", "completes_draw_id": completes}
        | extra,
    )


async def bundle(sampling, tokens, draw_id: str) -> dict[str, Any]:
    r = await sampling.get(f"/v1/draws/{draw_id}/bundle", headers=tokens.auditor)
    assert r.status_code == 200, r.text
    return json.loads(r.content)


async def _round_one_leaves_two_out(sampling, world: World, tokens, clients, sampling_db) -> dict[str, Any]:
    """Six entities, two inspectors per department, max_load 3; every XFJY inspector recused from two."""
    await world.entities("AABCDU")
    pool = await world.inspectors(2)
    task = await world.task(rules=ALL, team_rules={"team_size": 3, "max_load": 3})
    objects = await drawn(sampling, tokens, task["id"])
    await deliver_outbox(sampling_db, clients, tokens)
    selected = [
        s["id"]
        for s in (await sampling.get(f"/v1/draws/{objects['id']}/result", headers=tokens.admin)).json()["selected"]
    ]
    left_out = sorted(selected[:2])
    for inspector in pool["XFJY"]:
        for uscc in left_out:
            await world.post(
                "registry",
                "/v1/recusals",
                {"inspector_id": inspector, "uscc": uscc, "reason": "利害关系", "valid_from": "2020-01-01"},
            )
    round1 = await drawn(sampling, tokens, task["id"], "teams")
    assert round1["round"] == 1 and round1["completes_draw_id"] is None
    result1 = (await sampling.get(f"/v1/draws/{round1['id']}/result", headers=tokens.admin)).json()
    assert sorted(u["entity"] for u in result1["unassigned"]) == left_out
    delivered = await deliver_outbox(sampling_db, clients, tokens)
    assert "task.teams_assigned" in delivered
    return {
        "task": task,
        "pool": pool,
        "selected": selected,
        "left_out": left_out,
        "round1": round1,
        "result1": result1,
    }


async def test_a_supplementary_round_draws_exactly_the_entities_left_out(
    sampling, world: World, tokens, clients, sampling_db
):
    s = await _round_one_leaves_two_out(sampling, world, tokens, clients, sampling_db)
    task, left_out, round1 = s["task"], s["left_out"], s["round1"]
    assert await world.task_state(task["id"]) == "objects_drawn"  # entities left out: not teams_assigned
    event = await sampling_db.fetchval("SELECT payload FROM outbox_events WHERE topic = 'task.teams_assigned'")
    assert json.loads(event)["unassigned"] == s["result1"]["unassigned"] and json.loads(event)["round"] == 1

    # round 1's loads: four entities over two inspectors per department, balanced → two each
    loads: dict[str, int] = {}
    for team in s["result1"]["teams"]:
        for i in team["inspectors"]:
            loads[i] = loads.get(i, 0) + 1
    originals = sorted(i for ids in s["pool"].values() for i in ids)
    assert loads == {i: 2 for i in originals}
    # the office spreads the load: at most two each, and one more inspector per department in the registry
    newcomers = await world.inspectors(1)
    amend = await clients.planning.post(
        f"/v1/tasks/{task['id']}/amendments",
        headers=tokens.officer(LEAD),
        json={"team_rules": {"max_load": 2}, "reason": "每人最多两户，均衡负担"},
    )
    assert amend.status_code == 201, amend.text
    capped = originals  # every one of them reached the new max_load in round 1

    r = await supplementary(sampling, tokens, task["id"], round1["id"])
    assert r.status_code == 201, r.text
    round2 = r.json()
    assert round2["round"] == 2 and round2["completes_draw_id"] == round1["id"] and round2["status"] == "committed"
    ann = json.loads(round2["announcement"])
    assert ann["team"]["max_load"] == 2 and ann["round"] == 2 and ann["completes_draw_id"] == round1["id"]
    assert ann["earlier_loads"] == dict(sorted(loads.items()))
    assert ann["barred_inspectors"] == [{"inspector_id": i, "reason": "load cap reached in round 1"} for i in capped]

    executed = await execute(sampling, tokens, round2["id"])
    assert executed.status_code == 200, executed.text
    b = await bundle(sampling, tokens, round2["id"])
    assert b["inputs"]["entities"] == drawv1.make_file(left_out)
    for inspector in capped:
        for uscc in left_out:
            assert f"load cap reached in round 1\t{inspector}\t{uscc}\n" in b["inputs"]["constraints"]
    assert drawv1.verify_bundle(b)[0] is True
    result2 = b["result"]
    assert sorted(t["entity"] for t in result2["teams"]) == left_out and result2["unassigned"] == []
    for team in result2["teams"]:
        assert sorted(team["inspectors"]) == sorted(i for ids in newcomers.values() for i in ids)

    delivered = await deliver_outbox(sampling_db, clients, tokens)
    assert "task.teams_assigned" in delivered and "inspections.create" in delivered
    assert await world.task_state(task["id"]) == "teams_assigned"
    inspections = (
        await clients.results.get("/v1/inspections", params={"task_id": task["id"]}, headers=tokens.admin)
    ).json()["items"]
    assert sorted(i["uscc"] for i in inspections) == sorted(s["selected"])  # one inspection per drawn entity
    teams = {t["entity"]: t["inspectors"] for t in s["result1"]["teams"] + result2["teams"]}
    assert {i["uscc"]: i["inspectors"] for i in inspections} == teams

    public = (await sampling.get("/public/draws", params={"task_id": task["id"]})).json()
    assert sorted((d["kind"], d["round"]) for d in public) == [("objects", 1), ("teams", 1), ("teams", 2)]


async def test_what_a_supplementary_round_refuses(sampling, world: World, tokens, clients, sampling_db):
    s = await _round_one_leaves_two_out(sampling, world, tokens, clients, sampling_db)
    task, round1 = s["task"], s["round1"]
    tid = task["id"]

    objects_kind = await sampling.post(
        "/v1/draws",
        headers=tokens.officer(LEAD),
        json={"task_id": tid, "kind": "objects", "entropy_source": "dice", "completes_draw_id": round1["id"]},
    )
    assert objects_kind.status_code == 422 and objects_kind.json()["code"] == "supplementary_teams_only"
    no_round = await sampling.post(
        "/v1/draws",
        headers=tokens.officer(LEAD),
        json={
            "task_id": tid,
            "kind": "teams",
            "entropy_source": "dice",
            "exclude_inspectors": [{"inspector_id": "x", "reason": "负担过重"}],
        },
    )
    assert no_round.status_code == 422
    tab = await supplementary(
        sampling, tokens, tid, round1["id"], exclude_inspectors=[{"inspector_id": "x", "reason": "bad\treason"}]
    )
    assert tab.status_code == 422
    another_teams = await sampling.post(
        "/v1/draws", headers=tokens.officer(LEAD), json={"task_id": tid, "kind": "teams", "entropy_source": "dice"}
    )
    assert another_teams.status_code == 409 and another_teams.json()["code"] == "draw_exists"
    outsider = await sampling.post(
        "/v1/draws",
        headers=tokens.officer("YJGL"),
        json={"task_id": tid, "kind": "teams", "entropy_source": "dice", "completes_draw_id": round1["id"]},
    )
    assert outsider.status_code == 403 and outsider.json()["code"] == "draw_not_allowed"

    await world.inspectors(1, ["XFJY"])
    pending = await supplementary(sampling, tokens, tid, round1["id"])
    assert pending.status_code == 201, pending.text
    # one active draw per task, kind and round: round 2 exists, so round 1 is no longer the one to complete
    twin = await supplementary(sampling, tokens, tid, round1["id"])
    assert twin.status_code == 409 and twin.json()["code"] == "not_latest_round"
    # nor can round 1 be voided under it
    r = await sampling.post(
        f"/v1/draws/{round1['id']}/void", json={"reason": "第一轮人员有误需重新选派"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 409 and r.json()["code"] == "later_round_active" and r.json()["round"] == 2

    round2 = (await execute(sampling, tokens, pending.json()["id"], DICE)).json()
    assert round2["status"] == "executed" and round2["summary"]["unassigned"] == 0
    nothing = await supplementary(sampling, tokens, tid, round2["id"])
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_complete"
    await deliver_outbox(sampling_db, clients, tokens)
    assert await world.task_state(tid) == "teams_assigned"

    # voiding the last round takes the task back, and round 1's entities are left out again
    voided = await sampling.post(
        f"/v1/draws/{round2['id']}/void", json={"reason": "补充选派人员有误需重新选派"}, headers=tokens.officer(LEAD)
    )
    assert voided.status_code == 200, voided.text
    topics = await deliver_outbox(sampling_db, clients, tokens)
    assert "task.draw_voided" in topics and "inspections.voided" in topics
    assert await world.task_state(tid) == "objects_drawn"
    inspections = (await clients.results.get("/v1/inspections", params={"task_id": tid}, headers=tokens.admin)).json()
    # every drawn entity has its inspection; those round 2 had staffed await a team again
    with_team = sorted(i["uscc"] for i in inspections["items"] if i["state"] == "assigned")
    assert with_team == sorted(set(s["selected"]) - set(s["left_out"]))
    waiting = {i["uscc"]: i["no_team_reason"] for i in inspections["items"] if i["state"] == "awaiting_team"}
    assert sorted(waiting) == sorted(s["left_out"]) and all(waiting.values())
    again = await supplementary(sampling, tokens, tid, round1["id"])
    assert again.status_code == 201 and again.json()["round"] == 2


async def test_entropy_is_refused_once_the_task_is_cancelled(sampling, world: World, tokens, clients, sampling_db):
    await world.entities("ABC")
    await world.inspectors(1)
    task = await world.task(rules=ALL)
    committed = await sampling.post(
        "/v1/draws",
        headers=tokens.officer(LEAD),
        json={"task_id": task["id"], "kind": "objects", "entropy_source": "witness dice"},
    )
    assert committed.status_code == 201, committed.text
    r = await clients.planning.post(
        f"/v1/tasks/{task['id']}/transitions",
        headers=tokens.officer(LEAD),
        json={"to": "cancelled", "reason": "本年度该行业已专项整治，取消抽查"},
    )
    assert r.status_code == 200, r.text
    refused = await execute(sampling, tokens, committed.json()["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "task_state"
    assert refused.json()["current_state"] == "cancelled"
    draw = (await sampling.get(f"/v1/draws/{committed.json()['id']}", headers=tokens.admin)).json()
    assert draw["status"] == "committed" and draw["entropy"] is None


# The hot reads (issue 14) answer byte for byte what the ORM reads answered: a task by id (planning,
# one statement), a draw's public view (sampling, without its inputs and result) and the inspection
# list (results, written by PostgreSQL and parsed at once), for callers who may and may not see who
# was drawn.


def caller(tokens, role: str, dept: str | None = None, subject: str | None = None) -> tuple[dict, Principal]:
    subject = subject or f"fast-{role}-{dept or 'x'}"
    return tokens.header(role, dept, subject), Principal(subject=subject, roles=frozenset({role}), dept=dept)


async def test_task_draw_and_inspection_reads_equal_the_orm_reads(
    sampling, world, tokens, clients, sampling_db, apps, sampling_app
):
    from planning.tasks import service as tasks
    from results.inspections import repository as inspections
    from results.inspections.router import _page
    from sampling.draws import service as draws
    from sampling.draws.router import _public

    s = await _round_one_leaves_two_out(sampling, world, tokens, clients, sampling_db)
    task_id = s["task"]["id"]
    amend = await clients.planning.post(
        f"/v1/tasks/{task_id}/amendments",
        headers=tokens.officer(LEAD),
        json={"team_rules": {"max_load": 2}, "reason": "每人最多两户，均衡负担"},
    )
    assert amend.status_code == 201, amend.text
    member = s["result1"]["teams"][0]["inspectors"][0]
    callers = [
        caller(tokens, "admin"),
        caller(tokens, "officer", LEAD),  # a task department: sees who was left out
        caller(tokens, "inspector", subject=member),  # reads the task, not who was drawn
        caller(tokens, "auditor"),
    ]

    async with apps["planning"].state.db.transaction() as session:
        task = await tasks.get_task(session, uuid.UUID(task_id))
        for headers, principal in callers:
            expected = await tasks.read(session, task, viewer=principal)
            got = await clients.planning.get(f"/v1/tasks/{task_id}", headers=headers)
            assert got.status_code == 200, got.text
            assert got.content == expected.model_dump_json(by_alias=True).encode()
            assert got.headers["etag"] == f'"{expected.version}"'
    assert expected.amendments and expected.team_rounds and expected.team_rounds[0].unassigned_count == 2
    other = await clients.planning.get(f"/v1/tasks/{task_id}", headers=tokens.officer("WJW"))
    assert other.status_code == 403 and other.json()["code"] == "department_scope"
    missing = await clients.planning.get(f"/v1/tasks/{uuid.uuid4()}", headers=tokens.admin)
    assert missing.status_code == 404 and missing.json()["code"] == "task_not_found"

    async with sampling_app.state.db.transaction() as session:
        for draw_id in (s["round1"]["id"], expected.objects_draw_id):
            draw = await draws.get(session, draw_id=uuid.UUID(draw_id))
            got = await sampling.get(f"/public/draws/{draw_id}")
            assert got.status_code == 200, got.text
            assert got.content == _public(draw).model_dump_json(by_alias=True).encode()
    missing = await sampling.get(f"/public/draws/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["code"] == "draw_not_found"

    async with apps["results"].state.db.transaction() as session:
        for headers, principal in callers:
            for limit in (1, 3, 100):
                cursor, pages = None, 0
                while True:
                    params = {"task_id": task_id, "limit": limit} | ({"cursor": cursor} if cursor else {})
                    got = await clients.results.get("/v1/inspections", params=params, headers=headers)
                    assert got.status_code == 200, got.text
                    rows = await inspections.list_visible(
                        session,
                        scope=inspection_scope(principal),
                        task_id=task_id,
                        after=None if cursor is None else _after(cursor),
                        limit=limit + 1,
                    )
                    assert got.content == _page(rows, limit).model_dump_json(by_alias=True).encode()
                    pages += 1
                    cursor = got.json()["next_cursor"]
                    if cursor is None:
                        break
                assert pages >= 1
        seen = (await clients.results.get("/v1/inspections", params={"task_id": task_id}, headers=callers[2][0])).json()
        assert seen["items"] and all(member in i["inspectors"] for i in seen["items"])


def _after(cursor: str) -> tuple[str, uuid.UUID]:
    from jointcheck.pagination import cursor_field

    uscc, row_id = cursor_field(cursor, "after")
    return uscc, uuid.UUID(row_id)
