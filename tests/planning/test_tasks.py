"""Tasks: the spec and its defaults, rule validation, warnings, scoping, ETags, the state machine."""

from __future__ import annotations

from .conftest import (
    COOPERATING,
    LEAD,
    PLAN_YEAR,
    RULES,
    create_item,
    create_plan,
    create_task,
    move,
    publish_plan,
    send_event,
    task_body,
)

CONTRACT_KEYS = {
    "id",
    "name",
    "plan_id",
    "year",
    "checklist_id",
    "checklist_version",
    "lead_department",
    "departments",
    "scope",
    "draw_type",
    "sampling_rules",
    "exclusion_days",
    "team_rules",
    "experts",
    "inspection_start",
    "inspection_end",
    "executing_body",
    "state",
    "state_history",
    "warnings",
    "version",
}


async def test_create_with_defaults_from_the_checklist(clients, tokens, world):
    plan, checklist = world["plan"], world["checklist"]
    body = task_body(
        plan["id"], checklist["id"], sampling_rules=RULES | {"A": {"ratio": "0.050"}, "B": {"ratio": 0.1, "min": 1}}
    )
    r = await clients.planning.post("/v1/tasks", json=body, headers=tokens.officer(LEAD))
    assert r.status_code == 201, r.text
    t = r.json()
    assert set(t) >= CONTRACT_KEYS and r.headers["etag"] == '"1"' == f'"{t["version"]}"'
    assert t["state"] == "draft" and t["year"] == PLAN_YEAR and t["checklist_version"] == 1
    assert t["lead_department"] == LEAD and t["departments"] == [LEAD, *COOPERATING]
    assert t["scope"]["industry_prefixes"] == ["F5265"] and t["scope"]["statuses"] == ["active"]
    assert t["draw_type"] == "directed" and t["exclusion_days"] == 365 and t["experts"] == {}
    assert t["sampling_rules"] == RULES | {"A": {"ratio": "0.05"}, "B": {"ratio": "0.1", "min": 1}}
    assert t["team_rules"] == {"required_departments": [LEAD, *COOPERATING], "team_size": 3, "max_load": 10}
    assert t["warnings"] == [] and t["executing_body"] == "新县商务局"
    assert [(h["from"], h["to"]) for h in t["state_history"]] == [(None, "draft")]
    plan_now = (await clients.planning.get(f"/v1/plans/{plan['id']}", headers=tokens.admin)).json()
    assert [x["id"] for x in plan_now["tasks"]] == [t["id"]]


async def test_explicit_spec_is_kept(clients, tokens, world):
    scope = {
        "industry_prefixes": ["52"],
        "division_prefixes": ["411500"],
        "entity_types": ["enterprise"],
        "credit_classes": ["A", "U"],
        "tags": ["成品油零售"],
    }
    t = await create_task(
        clients,
        tokens.admin,
        world["plan"]["id"],
        world["checklist"]["id"],
        departments=[LEAD, "YJGL"],
        scope=scope,
        draw_type="undirected",
        exclusion_days=180,
        team_rules={"required_departments": [LEAD], "team_size": 2, "max_load": 5},
        experts={"危险化学品": 1},
    )
    assert t["scope"]["industry_prefixes"] == ["F52"] and t["scope"]["division_prefixes"] == ["4115"]
    assert t["departments"] == [LEAD, "YJGL"] and t["draw_type"] == "undirected" and t["exclusion_days"] == 180
    assert t["team_rules"] == {"required_departments": [LEAD], "team_size": 2, "max_load": 5}
    assert t["experts"] == {"危险化学品": 1}
    assert any("XFJY" in w for w in t["warnings"])  # XFJY's items will not be checked
    # GET (PostgreSQL's JSON document, validated by pydantic-core) answers what creating answered (the task
    # composed from its rows), the warnings computed alike
    r = await clients.planning.get(f"/v1/tasks/{t['id']}", headers=tokens.admin)
    assert r.status_code == 200 and r.json() == t


async def test_sampling_rules_are_validated_listing_every_problem(clients, tokens, world):
    rules = {
        "A": {"ratio": "1.5"},
        "B": {"ratio": "0.1", "count": 2},
        "C": {"ratio": "-0.1", "min": 1},
        "D": {"count": 3, "min": 5, "max": 2},
        "E": {"ratio": "0.1"},
    }
    r = await clients.planning.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], sampling_rules=rules),
        headers=tokens.admin,
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_task"
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {
        "sampling_rules.A.ratio",
        "sampling_rules.B",
        "sampling_rules.C.ratio",
        "sampling_rules.D.min",
        "sampling_rules.E",
        "sampling_rules.U",
    }
    more = {
        "A": {"ratio": "abc"},
        "B": {"count": -1},
        "C": {"ratio": "0.2", "alternates": -1, "colour": 1},
        "D": {"ratio": True},
        "U": "all",
    }
    r = await clients.planning.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], sampling_rules=more),
        headers=tokens.admin,
    )
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {
        "sampling_rules.A.ratio",
        "sampling_rules.B.count",
        "sampling_rules.C.alternates",
        "sampling_rules.C.colour",
        "sampling_rules.D.ratio",
        "sampling_rules.U",
    }
    edges = {
        "A": {"ratio": "0"},
        "B": {"ratio": "1"},
        "C": {"count": 0},
        "D": {"ratio": "1.000", "min": 2, "max": 2},
        "U": {"ratio": "0.333", "max": None},
    }
    ok = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"], sampling_rules=edges)
    assert ok["sampling_rules"] == {
        "A": {"ratio": "0"},
        "B": {"ratio": "1"},
        "C": {"count": 0},
        "D": {"ratio": "1", "min": 2, "max": 2},
        "U": {"ratio": "0.333"},
    }


async def test_team_rules_departments_and_window_are_validated(clients, tokens, world):
    body = task_body(
        world["plan"]["id"],
        world["checklist"]["id"],
        departments=["YJGL", LEAD, "YJGL"],
        team_rules={"required_departments": ["YJGL", "WJW"], "team_size": 1, "max_load": 0},
        experts={"危险化学品": 0},
        inspection_start=f"{PLAN_YEAR}-09-01",
        inspection_end=f"{PLAN_YEAR}-08-01",
    )
    r = await clients.planning.post("/v1/tasks", json=body, headers=tokens.admin)
    assert r.status_code == 422
    fields = [e["field"] for e in r.json()["errors"]]
    assert set(fields) == {
        "departments",
        "team_rules.required_departments",
        "team_rules.team_size",
        "team_rules.max_load",
        "experts.危险化学品",
        "inspection_end",
    }
    r = await clients.planning.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], team_rules={"team_size": 2}),
        headers=tokens.admin,
    )
    assert [e["field"] for e in r.json()["errors"]] == ["team_rules.team_size"]  # 3 departments required by default
    r = await clients.planning.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], scope={"colour": "red"}),
        headers=tokens.admin,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.scope.colour"


async def test_the_checklist_must_be_led_by_the_plans_lead_department(clients, tokens, world):
    other = await create_plan(clients, tokens.admin, lead="SCJG")
    r = await clients.planning.post(
        "/v1/tasks", json=task_body(other["id"], world["checklist"]["id"]), headers=tokens.admin
    )
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["checklist_id"]
    r = await clients.planning.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], checklist_version=5),
        headers=tokens.admin,
    )
    assert [e["field"] for e in r.json()["errors"]] == ["checklist_version"]


async def test_warnings_window_after_october_and_late_plan(clients, tokens, world):
    t = await create_task(
        clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"], inspection_end=f"{PLAN_YEAR}-11-15"
    )
    assert any("31 October" in w for w in t["warnings"])
    late_plan = await create_plan(clients, tokens.admin, year=2026)
    await clients.planning.post(f"/v1/plans/{late_plan['id']}/transitions", json={"to": "filed"}, headers=tokens.admin)
    t = await create_task(
        clients,
        tokens.admin,
        late_plan["id"],
        world["checklist"]["id"],
        inspection_start="2026-03-01",
        inspection_end="2026-10-31",
    )
    assert len(t["warnings"]) == 1 and "filed late" in t["warnings"][0]


async def test_scoping_lead_changes_cooperating_reads_others_do_not(clients, tokens, world):
    body = task_body(world["plan"]["id"], world["checklist"]["id"])
    r = await clients.planning.post("/v1/tasks", json=body, headers=tokens.officer("YJGL"))
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    t = await create_task(clients, tokens.officer(LEAD), world["plan"]["id"], world["checklist"]["id"])
    url = f"/v1/tasks/{t['id']}"
    assert (await clients.planning.get(url, headers=tokens.officer("YJGL"))).status_code == 200
    outsider = await clients.planning.get(url, headers=tokens.officer("WJW"))
    assert outsider.status_code == 403 and outsider.json()["code"] == "department_scope"
    for role in ("auditor", "inspector", "service"):
        assert (await clients.planning.get(url, headers=tokens.header(role))).status_code == 200
    coop = await clients.planning.patch(url, json={"name": "改"}, headers=tokens.officer("YJGL") | {"If-Match": '"1"'})
    assert coop.status_code == 403
    assert (await move(clients, tokens.officer("XFJY"), t["id"], "approved")).status_code == 403
    assert (await move(clients, tokens.auditor, t["id"], "approved")).status_code == 403
    assert (await move(clients, tokens.service, t["id"], "approved")).status_code == 403
    mine = (await clients.planning.get("/v1/tasks", headers=tokens.officer("XFJY"))).json()["items"]
    assert [x["id"] for x in mine] == [t["id"]]
    assert (await clients.planning.get("/v1/tasks", headers=tokens.officer("WJW"))).json()["items"] == []
    assert (
        await clients.planning.get("/v1/tasks", params={"department": "WJW"}, headers=tokens.officer("XFJY"))
    ).json()["items"] == []


async def test_only_a_draft_task_changes_and_with_if_match(clients, tokens, world):
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    url = f"/v1/tasks/{t['id']}"
    assert (await clients.planning.patch(url, json={"exclusion_days": 90}, headers=tokens.admin)).status_code == 428
    stale = await clients.planning.patch(url, json={"exclusion_days": 90}, headers=tokens.admin | {"If-Match": '"9"'})
    assert stale.status_code == 412
    bad = await clients.planning.patch(
        url, json={"sampling_rules": {"A": {"ratio": "2"}}}, headers=tokens.admin | {"If-Match": '"1"'}
    )
    assert bad.status_code == 422 and "sampling_rules.A.ratio" in {e["field"] for e in bad.json()["errors"]}
    r = await clients.planning.patch(
        url,
        json={"exclusion_days": 90, "team_rules": {"max_load": 4}},
        headers=tokens.officer(LEAD) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["exclusion_days"] == 90 and r.json()["team_rules"]["max_load"] == 4 and r.headers["etag"] == '"2"'
    assert r.json()["team_rules"]["team_size"] == 3
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    approved = await move(clients, tokens.admin, t["id"], "approved")
    r = await clients.planning.patch(
        url, json={"exclusion_days": 30}, headers=tokens.admin | {"If-Match": approved.headers["etag"]}
    )
    assert r.status_code == 409 and r.json()["current_state"] == "approved"


async def test_the_whole_life_of_a_task(clients, tokens, world):
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    tid = t["id"]
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    r = await move(clients, tokens.officer(LEAD), tid, "approved", "审批通过")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert (
        await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"})
    ).status_code == 200
    assert (
        await send_event(clients, tokens, "task.teams_assigned", {"task_id": tid, "draw_id": "T-1"})
    ).status_code == 200
    assert (await move(clients, tokens.admin, tid, "in_progress")).json()["state"] == "in_progress"
    assert (await move(clients, tokens.admin, tid, "completed")).json()["state"] == "completed"
    r = await send_event(clients, tokens, "task.results_published", {"task_id": tid}, source="results")
    assert r.status_code == 200
    r = await move(clients, tokens.officer(LEAD), tid, "closed", "归档")
    done = r.json()
    assert done["state"] == "closed" and done["objects_draw_id"] == "D-1" and done["teams_draw_id"] == "T-1"
    history = [(h["from"], h["to"], h["by"]) for h in done["state_history"]]
    assert history == [
        (None, "draft", "test-admin-x"),
        ("draft", "approved", f"test-officer-{LEAD}@{LEAD}"),
        ("approved", "objects_drawn", "service:sampling"),
        ("objects_drawn", "teams_assigned", "service:sampling"),
        ("teams_assigned", "in_progress", "test-admin-x"),
        ("in_progress", "completed", "test-admin-x"),
        ("completed", "results_published", "service:results"),
        ("results_published", "closed", f"test-officer-{LEAD}@{LEAD}"),
    ]
    assert all(h["at"] for h in done["state_history"]) and done["state_history"][-1]["reason"] == "归档"
    assert done["version"] == 8
    events = (
        await clients.planning.get("/ops/outbox", params={"status": "pending", "limit": 100}, headers=tokens.admin)
    ).json()
    actions = {e["payload"]["action"] for e in events["items"] if e["topic"] == "audit.record"}
    assert {
        "task.create",
        "task.approved",
        "task.objects_drawn",
        "task.teams_assigned",
        "task.in_progress",
        "task.completed",
        "task.results_published",
        "task.closed",
    } <= actions


async def test_invalid_transitions_are_409_naming_the_current_state(clients, tokens, world):
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    for to in ("in_progress", "completed", "closed", "objects_drawn", "draft"):
        r = await move(clients, tokens.admin, t["id"], to)
        assert r.status_code == 409, to
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "invalid_state" and r.json()["current_state"] == "draft"
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    await move(clients, tokens.admin, t["id"], "approved")
    r = await move(clients, tokens.admin, t["id"], "approved")
    assert r.status_code == 409 and r.json()["current_state"] == "approved"
    r = await move(clients, tokens.admin, t["id"], "objects_drawn")  # the sampling service's, through an event
    assert r.status_code == 409 and r.json()["current_state"] == "approved" and "sampling" in r.json()["detail"]
    assert (await move(clients, tokens.admin, t["id"], "finished")).status_code == 422
    missing = await move(clients, tokens.admin, "00000000-0000-0000-0000-000000000000", "approved")
    assert missing.status_code == 404


async def test_a_task_reads_its_pinned_checklist_version_for_ever(clients, tokens, world):
    checklist, items = world["checklist"], world["items"]
    t = await create_task(clients, tokens.admin, world["plan"]["id"], checklist["id"])
    r = await clients.planning.patch(
        f"/v1/items/{items[1]['id']}",
        json={"name": "危化品储存安全检查"},
        headers=tokens.officer("YJGL") | {"If-Match": '"1"'},
    )
    assert r.status_code == 200
    extra = await create_item(clients, tokens.admin, "SWJ", "SWJ-002", name="油品质量检查")
    r = await clients.planning.patch(
        f"/v1/checklists/{checklist['id']}",
        json={"items": [{"item_id": i["id"]} for i in [*items, extra]]},
        headers=tokens.admin | {"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    task = (await clients.planning.get(f"/v1/tasks/{t['id']}", headers=tokens.admin)).json()
    assert task["checklist_version"] == 1
    pinned = (await clients.planning.get(f"/v1/tasks/{t['id']}/checklist", headers=tokens.officer("XFJY"))).json()
    assert pinned["version"] == 1 and [i["name"] for i in pinned["items"]] == [
        "成品油零售经营资格检查",
        "危险化学品安全管理检查",
        "消防设施器材检查",
    ]
    newer = await create_task(clients, tokens.admin, world["plan"]["id"], checklist["id"])
    assert newer["checklist_version"] == 2
    older = await create_task(clients, tokens.admin, world["plan"]["id"], checklist["id"], checklist_version=1)
    assert older["checklist_version"] == 1


async def test_a_failed_request_leaves_no_rows(clients, tokens, world):
    before = (await clients.planning.get("/ops/outbox/summary", headers=tokens.admin)).json()
    r = await clients.planning.post(
        "/v1/tasks",
        json=task_body(world["plan"]["id"], world["checklist"]["id"], sampling_rules={"A": {"ratio": "2"}}),
        headers=tokens.admin,
    )
    assert r.status_code == 422
    assert (await clients.planning.get("/v1/tasks", headers=tokens.admin)).json()["items"] == []
    assert (await clients.planning.get("/ops/outbox/summary", headers=tokens.admin)).json() == before
