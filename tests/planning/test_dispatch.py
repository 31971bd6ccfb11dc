"""Personnel dispatched once (issue 10) at planning's level: capacity before approval, a published plan,
team rounds until no drawn entity is left without a team, amendments, cancelling with a reason, and
department codes that must be the registry's."""

from __future__ import annotations

import uuid
from typing import Any

from jointcheck.codes import make_uscc

from .conftest import (
    LEAD,
    create_item,
    create_plan,
    create_task,
    item_body,
    move,
    publish_plan,
    send_event,
    task_body,
)

ALL_A = {"A": {"ratio": "1"}, "B": {"ratio": "0"}, "C": {"ratio": "0"}, "D": {"ratio": "0"}, "U": {"ratio": "0"}}
SCOPE = {"industry_prefixes": ["F5265"], "tags": ["dispatch"]}


async def _entities(clients, tokens, n: int) -> list[str]:
    out = []
    for i in range(n):
        uscc = make_uscc(f"91411523DP{i:07d}")
        r = await clients.registry.post(
            "/v1/entities",
            headers=tokens.admin,
            json={
                "uscc": uscc,
                "name": f"新县第{i}加油站",
                "entity_type": "enterprise",
                "industry_code": "F5265",
                "division_code": "411523",
                "credit_class": "A",
                "departments": [LEAD],
                "tags": ["dispatch"],
            },
        )
        assert r.status_code == 201, r.text
        out.append(uscc)
    return out


async def _inspectors(clients, tokens, counts: dict[str, int]) -> None:
    for dept, n in counts.items():
        for i in range(n):
            r = await clients.registry.post(
                "/v1/inspectors",
                headers=tokens.admin,
                json={
                    "inspector_id": f"{dept}-{i}",
                    "name": f"执法{i}号",
                    "department": dept,
                    "certificate_no": f"C{dept}{i:04d}",
                    "specialties": [],
                    "region": "411523",
                },
            )
            assert r.status_code == 201, r.text


async def _task(clients, tokens, world, *, count: int | None = None, **kw: Any) -> dict[str, Any]:
    rules = ALL_A | ({"A": {"count": count}} if count is not None else {})
    return await create_task(
        clients,
        tokens.admin,
        world["plan"]["id"],
        world["checklist"]["id"],
        sampling_rules=rules,
        scope=SCOPE,
        team_rules={"team_size": 3, "max_load": 5},
        **kw,
    )


async def _get(clients, tokens, tid: str, headers: dict | None = None) -> dict[str, Any]:
    r = await clients.planning.get(f"/v1/tasks/{tid}", headers=headers or tokens.admin)
    assert r.status_code == 200, r.text
    return r.json()


# ----------------------------------------------------------------- capacity and the plan


async def test_approval_is_refused_when_the_pool_cannot_staff_the_expected_entities(clients, tokens, world):
    await _entities(clients, tokens, 39)
    await _inspectors(clients, tokens, {"SWJ": 4, "YJGL": 4, "XFJY": 3})
    t = await _task(clients, tokens, world)
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    preview = (await clients.planning.get(f"/v1/tasks/{t['id']}/preview", headers=tokens.admin)).json()
    cap = preview["capacity"]
    assert (cap["expected_entities"], cap["seats_needed"], cap["seats_available"]) == (39, 117, 55)
    assert [
        (d["department"], d["eligible_inspectors"], d["capacity"], d["needed"], d["shortfall"])
        for d in cap["by_department"]
    ] == [("SWJ", 4, 20, 39, 19), ("YJGL", 4, 20, 39, 19), ("XFJY", 3, 15, 39, 24)]
    assert cap["sufficient"] is False and cap["seat_shortfall"] == 62
    assert sum("XFJY" in w and "24" in w for w in preview["warnings"]) == 1

    r = await move(clients, tokens.officer(LEAD), t["id"], "approved", "同意")
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "insufficient_capacity"
    assert problem["shortfall"] == {"SWJ": 19, "YJGL": 19, "XFJY": 24} and problem["seat_shortfall"] == 62
    assert (await _get(clients, tokens, t["id"]))["state"] == "draft"

    # a smaller sample fits the pool
    r = await clients.planning.patch(
        f"/v1/tasks/{t['id']}",
        json={"sampling_rules": ALL_A | {"A": {"count": 15}}},
        headers=tokens.admin | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    r = await move(clients, tokens.officer(LEAD), t["id"], "approved", "同意")
    assert r.status_code == 200, r.text


async def test_a_tight_pool_is_approved_with_a_warning(clients, tokens, world):
    await _entities(clients, tokens, 14)
    await _inspectors(clients, tokens, {"SWJ": 4, "YJGL": 4, "XFJY": 3})
    t = await _task(clients, tokens, world)
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    preview = (await clients.planning.get(f"/v1/tasks/{t['id']}/preview", headers=tokens.admin)).json()
    assert preview["capacity"]["sufficient"] is True and preview["capacity"]["tight"] is True
    assert any("tight" in w for w in preview["warnings"])
    assert (await move(clients, tokens.admin, t["id"], "approved")).status_code == 200

    roomy = await create_task(
        clients,
        tokens.admin,
        world["plan"]["id"],
        world["checklist"]["id"],
        sampling_rules=ALL_A | {"A": {"count": 2}},
        scope=SCOPE,
        team_rules={"team_size": 3, "max_load": 5},
    )
    p = (await clients.planning.get(f"/v1/tasks/{roomy['id']}/preview", headers=tokens.admin)).json()
    assert p["capacity"]["tight"] is False and not any("tight" in w for w in p["warnings"])


async def test_only_a_task_of_a_published_plan_is_approved_and_a_plan_stays_published(clients, tokens, world):
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    r = await move(clients, tokens.officer(LEAD), t["id"], "approved")
    assert r.status_code == 409 and r.json()["code"] == "plan_not_published" and r.json()["plan_state"] == "draft"
    await clients.planning.post(
        f"/v1/plans/{world['plan']['id']}/transitions", json={"to": "filed"}, headers=tokens.admin
    )
    r = await move(clients, tokens.officer(LEAD), t["id"], "approved")
    assert r.status_code == 409 and r.json()["plan_state"] == "filed"
    await clients.planning.post(
        f"/v1/plans/{world['plan']['id']}/transitions", json={"to": "published"}, headers=tokens.admin
    )
    assert (await move(clients, tokens.officer(LEAD), t["id"], "approved")).status_code == 200
    for back in ("draft", "filed"):  # no unpublishing: an approved task's plan stays public
        r = await clients.planning.post(
            f"/v1/plans/{world['plan']['id']}/transitions", json={"to": back}, headers=tokens.admin
        )
        assert r.status_code in (409, 422)


# ----------------------------------------------------------------- team rounds and amendments


async def _drawn(clients, tokens, world) -> str:
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    assert (await move(clients, tokens.admin, t["id"], "approved")).status_code == 200
    assert (
        await send_event(clients, tokens, "task.objects_drawn", {"task_id": t["id"], "draw_id": "O-1"})
    ).status_code == 200
    return t["id"]


LEFT_OUT = [{"entity": "91411523MA0000005M", "reason": "no eligible inspector from department XFJY"}]


async def test_a_round_leaving_entities_out_keeps_the_task_until_a_supplementary_round(clients, tokens, world):
    tid = await _drawn(clients, tokens, world)
    r = await send_event(
        clients,
        tokens,
        "task.teams_assigned",
        {"task_id": tid, "draw_id": "T-1", "round": 1, "assigned": 7, "unassigned": LEFT_OUT},
    )
    assert r.status_code == 200, r.text
    task = await _get(clients, tokens, tid)
    assert task["state"] == "objects_drawn" and task["teams_draw_id"] == "T-1"
    assert task["unassigned_entities"] == LEFT_OUT
    assert [(x["round"], x["assigned"], x["unassigned_count"]) for x in task["team_rounds"]] == [(1, 7, 1)]

    # the state is the sampling service's to set, never by hand
    r = await move(clients, tokens.admin, tid, "teams_assigned")
    assert r.status_code == 409
    # cooperating departments may see who is left out; inspectors (not the task's officers) see only counts
    coop = await _get(clients, tokens, tid, tokens.officer("XFJY"))
    assert coop["unassigned_entities"] == LEFT_OUT
    inspector = await _get(clients, tokens, tid, tokens.inspector)
    assert inspector["unassigned_entities"] is None and inspector["team_rounds"][0]["unassigned"] is None
    assert inspector["team_rounds"][0]["unassigned_count"] == 1

    # a round that does not complete the last one is refused (dead-lettered at the sender)
    wrong = await send_event(
        clients,
        tokens,
        "task.teams_assigned",
        {"task_id": tid, "draw_id": "T-2", "round": 2, "completes_draw_id": "T-X", "assigned": 1},
    )
    assert wrong.status_code == 409
    done = await send_event(
        clients,
        tokens,
        "task.teams_assigned",
        {"task_id": tid, "draw_id": "T-2", "round": 2, "completes_draw_id": "T-1", "assigned": 1},
    )
    assert done.status_code == 200, done.text
    again = await send_event(
        clients,
        tokens,
        "task.teams_assigned",
        {"task_id": tid, "draw_id": "T-2", "round": 2, "completes_draw_id": "T-1", "assigned": 1},
    )
    assert again.status_code == 200  # a new event id for the same round: nothing to do
    task = await _get(clients, tokens, tid)
    assert task["state"] == "teams_assigned" and task["unassigned_entities"] == []
    assert [x["round"] for x in task["team_rounds"]] == [1, 2]
    assert [(h["from"], h["to"]) for h in task["state_history"]][-1] == ("objects_drawn", "teams_assigned")

    # voiding round 1 while round 2 stands is refused; voiding round 2 takes the task back, round 1's gaps again
    r = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "draw_id": "T-1", "kind": "teams"})
    assert r.status_code == 409
    r = await send_event(
        clients, tokens, "task.draw_voided", {"task_id": tid, "draw_id": "T-2", "kind": "teams", "round": 2}
    )
    assert r.status_code == 200, r.text
    task = await _get(clients, tokens, tid)
    assert task["state"] == "objects_drawn" and task["unassigned_entities"] == LEFT_OUT
    assert [x["round"] for x in task["team_rounds"]] == [1]


async def test_team_rules_are_amended_with_a_reason_only_while_teams_are_incomplete(clients, tokens, world):
    tid = await _drawn(clients, tokens, world)
    await send_event(
        clients,
        tokens,
        "task.teams_assigned",
        {"task_id": tid, "draw_id": "T-1", "assigned": 7, "unassigned": LEFT_OUT},
    )
    url = f"/v1/tasks/{tid}/amendments"
    assert (
        await clients.planning.post(url, json={"team_rules": {"max_load": 12}}, headers=tokens.admin)
    ).status_code == 422
    coop = await clients.planning.post(
        url, json={"team_rules": {"max_load": 12}, "reason": "提高每人检查户数"}, headers=tokens.officer("XFJY")
    )
    assert coop.status_code == 403
    bad = await clients.planning.post(
        url, json={"team_rules": {"team_size": 1}, "reason": "减少每组人数"}, headers=tokens.officer(LEAD)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "team_rules.team_size"
    r = await clients.planning.post(
        url, json={"team_rules": {"max_load": 12}, "reason": "提高每人检查户数"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["team_rules"]["max_load"] == 12 and task["team_rules"]["team_size"] == 3
    [a] = task["amendments"]
    assert (a["before"]["max_load"], a["after"]["max_load"], a["reason"]) == (10, 12, "提高每人检查户数")
    assert a["by"] == f"test-officer-{LEAD}@{LEAD}" and a["at"]
    # GET (PostgreSQL's JSON document, validated by pydantic-core) answers what the amendment answered (the
    # task composed from its rows): history, a round with its left-out entities, an amendment, warnings
    assert task["state_history"] and task["team_rounds"] and task["unassigned_entities"] == LEFT_OUT
    assert await _get(clients, tokens, tid, tokens.officer(LEAD)) == task
    events = (
        await clients.planning.get("/ops/outbox", params={"status": "pending", "limit": 100}, headers=tokens.admin)
    ).json()["items"]
    amended = [e["payload"] for e in events if e["topic"] == "audit.record" and e["payload"]["action"] == "task.amend"]
    assert (
        amended and amended[0]["data"]["reason"] == "提高每人检查户数" and amended[0]["data"]["after"]["max_load"] == 12
    )

    await send_event(
        clients,
        tokens,
        "task.teams_assigned",
        {"task_id": tid, "draw_id": "T-2", "round": 2, "completes_draw_id": "T-1", "assigned": 1},
    )
    r = await clients.planning.post(
        url, json={"team_rules": {"max_load": 13}, "reason": "再次调整规则"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 409 and r.json()["current_state"] == "teams_assigned"


# ----------------------------------------------------------------- cancelling


async def test_a_task_is_cancelled_with_a_reason_before_any_draw_and_stays_visible(clients, tokens, world):
    plan = world["plan"]
    drafted = await create_task(clients, tokens.admin, plan["id"], world["checklist"]["id"], name="草稿后取消")
    approved = await create_task(clients, tokens.admin, plan["id"], world["checklist"]["id"], name="审批后取消")
    await publish_plan(clients, tokens.admin, plan["id"])
    assert (await move(clients, tokens.admin, approved["id"], "approved")).status_code == 200

    r = await move(clients, tokens.officer(LEAD), drafted["id"], "cancelled")
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    assert (
        await move(clients, tokens.officer("XFJY"), drafted["id"], "cancelled", "协同部门不能取消")
    ).status_code == 403
    for t in (drafted, approved):
        r = await move(clients, tokens.officer(LEAD), t["id"], "cancelled", "行业整治已覆盖，本年度不再抽查")
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "cancelled"
        assert r.json()["state_history"][-1]["reason"] == "行业整治已覆盖，本年度不再抽查"
    assert (await move(clients, tokens.admin, approved["id"], "approved")).status_code == 409
    assert (await clients.planning.get(f"/v1/tasks/{approved['id']}", headers=tokens.admin)).status_code == 200

    public = (await clients.planning.get(f"/public/plans/{plan['id']}")).json()
    shown = {t["name"]: t for t in public["tasks"]}
    assert shown["审批后取消"]["cancelled"] is True and shown["审批后取消"]["cancel_reason"].startswith("行业整治")
    assert shown["审批后取消"]["cancelled_at"]

    drawn = await _drawn(clients, tokens, world)
    r = await move(clients, tokens.officer(LEAD), drawn, "cancelled", "已抽取后试图取消")
    assert r.status_code == 409 and r.json()["current_state"] == "objects_drawn"


# ----------------------------------------------------------------- department codes


async def test_department_codes_must_be_the_registrys(clients, tokens, world):
    r = await clients.planning.post("/v1/items", json=item_body("ZZJ", "ZZJ-1"), headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_department"
    assert r.json()["errors"][0]["field"] == "department"
    r = await clients.planning.post(
        "/v1/plans", json={"year": 2028, "lead_department": "ZZJ", "name": "计划"}, headers=tokens.admin
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_department"
    r = await clients.planning.post(
        "/v1/checklists",
        json={
            "name": "加油站",
            "industry_codes": ["F5265"],
            "lead_department": LEAD,
            "cooperating_departments": ["YJGL", "ZZJ"],
            "items": [{"item_id": world["items"][0]["id"]}],
            "frequency_per_year": 1,
        },
        headers=tokens.admin,
    )
    assert r.status_code == 422 and r.json()["errors"] == [
        {
            "field": "cooperating_departments",
            "message": "not a department of the registry: ZZJ",
            "message_zh": "名录库中没有（或已停用）以下部门：ZZJ",
        }
    ]
    body = task_body(world["plan"]["id"], world["checklist"]["id"], scope={"departments": ["ZZJ"]})
    r = await clients.planning.post("/v1/tasks", json=body, headers=tokens.admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scope.departments"
    item = await create_item(clients, tokens.admin, "SCJG", f"SCJG-{uuid.uuid4().hex[:4]}")  # a known one is fine
    assert item["department"] == "SCJG"
    assert (await create_plan(clients, tokens.admin, year=2028, lead="SCJG"))["lead_department"] == "SCJG"


async def test_an_item_is_cancelled_with_a_reason_before_any_draw(clients, tokens, world):
    xfjy = world["items"][2]
    url = f"/v1/items/{xfjy['id']}/cancel"
    assert (await clients.planning.post(url, json={"reason": "短"}, headers=tokens.officer("XFJY"))).status_code == 422
    assert (
        await clients.planning.post(url, json={"reason": "不是本部门事项"}, headers=tokens.officer("YJGL"))
    ).status_code == 403
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    assert (await move(clients, tokens.admin, t["id"], "approved")).status_code == 200

    r = await clients.planning.post(url, json={"reason": "该事项已并入应急管理检查"}, headers=tokens.officer("XFJY"))
    assert r.status_code == 200, r.text
    item = r.json()
    assert item["cancelled"] is True and item["cancel_reason"] == "该事项已并入应急管理检查"
    assert item["cancelled_by"] == "test-officer-XFJY@XFJY" and item["cancelled_at"]
    kept = (await clients.planning.get(f"/v1/items/{xfjy['id']}", headers=tokens.admin)).json()
    assert kept["cancelled"] is True and kept["name"] == xfjy["name"]  # never deleted
    again = await clients.planning.post(url, json={"reason": "重复取消该事项"}, headers=tokens.officer("XFJY"))
    assert again.status_code == 409 and again.json()["current_state"] == "cancelled"
    edit = await clients.planning.patch(
        f"/v1/items/{xfjy['id']}", json={"name": "改名"}, headers=tokens.officer("XFJY") | {"If-Match": '"1"'}
    )
    assert edit.status_code == 409
    r = await clients.planning.patch(
        f"/v1/checklists/{world['checklist']['id']}",
        json={"name": "加油站（修订）"},
        headers=tokens.admin | {"If-Match": '"1"'},
    )
    assert r.status_code == 422 and "cancelled" in r.json()["errors"][0]["message"]
    public = (await clients.planning.get(f"/public/plans/{world['plan']['id']}")).json()
    [task] = public["tasks"]
    assert [(i["department"], i["cancelled"]) for i in task["items"]] == [
        ("SWJ", False),
        ("YJGL", False),
        ("XFJY", True),
    ]

    # once a task inspecting it is drawn, an item can no longer be cancelled
    await send_event(clients, tokens, "task.objects_drawn", {"task_id": t["id"], "draw_id": "O-1"})
    r = await clients.planning.post(
        f"/v1/items/{world['items'][1]['id']}/cancel", json={"reason": "危化品检查取消"}, headers=tokens.officer("YJGL")
    )
    assert r.status_code == 409 and r.json()["code"] == "item_drawn" and r.json()["task_ids"] == [t["id"]]


async def test_preview_and_approval_ask_the_registry_with_no_transaction_open(
    clients, tokens, world, apps, service_database_urls
):
    """The preview and the approval's capacity check call the registry between short transactions of
    planning's own, never inside one."""
    import asyncpg
    import httpx
    from sqlalchemy.engine import make_url

    from jointcheck.clients import RegistryClient, registry_client

    await _entities(clients, tokens, 4)
    await _inspectors(clients, tokens, {"SWJ": 2, "YJGL": 2, "XFJY": 2})
    t = await _task(clients, tokens, world)
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    url = make_url(service_database_urls["planning"])
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    seen: list[tuple[str, int]] = []

    async def observed(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            conn = await asyncpg.connect(dsn)
            try:
                open_tx = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            finally:
                await conn.close()
            seen.append((scope["path"], open_tx))
        await apps["registry"](scope, receive, send)

    planning = apps["planning"]
    previous = planning.dependency_overrides[registry_client]
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=observed), timeout=30)
    planning.dependency_overrides[registry_client] = lambda: RegistryClient(planning.state.settings, http=http)
    try:
        preview = await clients.planning.get(f"/v1/tasks/{t['id']}/preview", headers=tokens.admin)
        assert preview.status_code == 200 and preview.json()["capacity"]["sufficient"], preview.text
        asked_by_preview = len(seen)
        r = await move(clients, tokens.admin, t["id"], "approved")
    finally:
        planning.dependency_overrides[registry_client] = previous
        await http.aclose()
    assert r.status_code == 200, r.text
    assert asked_by_preview >= 2 and len(seen) >= asked_by_preview + 2, seen  # both asked the registry
    assert all(open_tx == 0 for _, open_tx in seen), seen
