"""Public reads: only published plans, only public fields, draft tasks hidden."""

from __future__ import annotations

from .conftest import LEAD, PLAN_YEAR, RULES, create_plan, create_task, move, publish_plan

PUBLIC_TASK_KEYS = {
    "id",
    "name",
    "industry",
    "industry_codes",
    "lead_department",
    "departments",
    "scope_summary",
    "draw_type",
    "sampling_ratios",
    "frequency_per_year",
    "inspection_start",
    "inspection_end",
    "executing_body",
    "cancelled",
    "cancelled_at",
    "cancel_reason",
    "items",
}


async def _publish(clients, tokens, plan_id):
    await publish_plan(clients, tokens.admin, plan_id)


async def test_drafts_and_filed_plans_are_not_public(clients, tokens, world):
    plan = world["plan"]
    assert (await clients.planning.get("/public/plans")).json()["items"] == []
    assert (await clients.planning.get(f"/public/plans/{plan['id']}")).status_code == 404
    await clients.planning.post(f"/v1/plans/{plan['id']}/transitions", json={"to": "filed"}, headers=tokens.admin)
    assert (await clients.planning.get("/public/plans")).json()["items"] == []
    assert (await clients.planning.get(f"/public/plans/{plan['id']}")).status_code == 404


async def test_a_published_plan_shows_its_tasks_public_fields_only(clients, tokens, world):
    plan, checklist = world["plan"], world["checklist"]
    shown = await create_task(
        clients,
        tokens.admin,
        plan["id"],
        checklist["id"],
        name="加油站联合抽查",
        scope={"industry_prefixes": ["F5265"], "division_prefixes": ["411523"], "entity_types": ["enterprise"]},
    )
    await create_task(clients, tokens.admin, plan["id"], checklist["id"], name="草稿任务")
    other = await create_plan(clients, tokens.admin, lead="SCJG")  # never published
    await _publish(clients, tokens, plan["id"])
    assert (await move(clients, tokens.admin, shown["id"], "approved")).status_code == 200
    listing = (await clients.planning.get("/public/plans", params={"year": PLAN_YEAR})).json()["items"]
    assert [p["id"] for p in listing] == [plan["id"]] and listing[0]["task_count"] == 1
    assert other["id"] not in [p["id"] for p in listing]
    assert (await clients.planning.get("/public/plans", params={"year": 2030})).json()["items"] == []
    r = await clients.planning.get(f"/public/plans/{plan['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["lead_department"] == LEAD and body["published_at"]
    assert not {"state_history", "created_by", "filed_by", "published_by", "warnings"} & set(body)
    [task] = body["tasks"]
    assert set(task) == PUBLIC_TASK_KEYS
    assert task["name"] == "加油站联合抽查" and task["industry"] == "加油站" and task["industry_codes"] == ["F5265"]
    assert task["scope_summary"] == "行业：F5265；行政区划：411523；主体类型：企业；登记状态：存续"
    assert task["sampling_ratios"] == RULES and task["departments"] == [LEAD, "YJGL", "XFJY"]
    assert [i["department"] for i in task["items"]] == [LEAD, "YJGL", "XFJY"] and task["items"][0]["legal_basis"]


async def test_a_task_of_a_published_plan_is_public_with_its_plan(clients, tokens, world):
    """What a draw's page links to: the task by its id alone (a draw names only its task)."""
    plan, checklist = world["plan"], world["checklist"]
    task = await create_task(clients, tokens.admin, plan["id"], checklist["id"], name="加油站联合抽查")
    draft = await create_task(clients, tokens.admin, plan["id"], checklist["id"], name="草稿任务")
    # the plan is not published yet: its tasks are not public
    hidden = await clients.planning.get(f"/public/plans/tasks/{task['id']}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "task_not_found"
    await _publish(clients, tokens, plan["id"])
    assert (await move(clients, tokens.admin, task["id"], "approved")).status_code == 200
    r = await clients.planning.get(f"/public/plans/tasks/{task['id']}")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == PUBLIC_TASK_KEYS | {"plan"}
    listed = (await clients.planning.get(f"/public/plans/{plan['id']}")).json()
    assert {k: v for k, v in body.items() if k != "plan"} == listed["tasks"][0]
    assert body["plan"] == {k: v for k, v in listed.items() if k != "tasks"}
    # a draft task stays hidden in a published plan; an unknown or malformed id is 404 / 422
    assert (await clients.planning.get(f"/public/plans/tasks/{draft['id']}")).status_code == 404
    assert (await clients.planning.get(f"/public/plans/tasks/{plan['id']}")).status_code == 404
    assert (await clients.planning.get("/public/plans/tasks/not-a-uuid")).status_code == 422
