"""Annual plans: one per lead department and year, draft → filed → published, late filing flagged and reported."""

from __future__ import annotations

from .conftest import LEAD, PLAN_YEAR, create_plan


async def _move(clients, headers, plan_id, to):
    return await clients.planning.post(
        f"/v1/plans/{plan_id}/transitions", json={"to": to, "reason": "按期报备"}, headers=headers
    )


async def test_create_one_plan_per_lead_department_and_year(clients, tokens):
    plan = await create_plan(clients, tokens.officer(LEAD))
    assert plan["state"] == "draft" and plan["year"] == PLAN_YEAR and plan["filing_deadline"] == f"{PLAN_YEAR}-01-31"
    assert plan["tasks"] == [] and plan["warnings"] == [] and plan["state_history"][0]["to"] == "draft"
    r = await clients.planning.post(
        "/v1/plans", json={"year": PLAN_YEAR, "lead_department": LEAD, "name": "重复"}, headers=tokens.admin
    )
    assert r.status_code == 409 and r.json()["code"] == "plan_exists"
    r = await clients.planning.post(
        "/v1/plans", json={"year": PLAN_YEAR, "lead_department": "SCJG", "name": "别人的"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 403 and r.json()["code"] == "department_scope"


async def test_file_then_publish_on_time(clients, tokens):
    plan = await create_plan(clients, tokens.admin)
    r = await _move(clients, tokens.officer(LEAD), plan["id"], "filed")
    assert r.status_code == 200, r.text
    filed = r.json()
    assert filed["state"] == "filed" and filed["filed_late"] is False and filed["warnings"] == []
    assert filed["filed_by"] == f"test-officer-{LEAD}@{LEAD}" and filed["filed_at"]
    r = await _move(clients, tokens.admin, plan["id"], "published")
    published = r.json()
    assert published["state"] == "published" and published["published_at"]
    assert [(h["from"], h["to"]) for h in published["state_history"]] == [
        (None, "draft"),
        ("draft", "filed"),
        ("filed", "published"),
    ]
    assert published["state_history"][1]["reason"] == "按期报备"


async def test_invalid_transitions_are_409_naming_the_current_state(clients, tokens):
    plan = await create_plan(clients, tokens.admin)
    r = await _move(clients, tokens.admin, plan["id"], "published")
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_state" and r.json()["current_state"] == "draft"
    await _move(clients, tokens.admin, plan["id"], "filed")
    r = await _move(clients, tokens.admin, plan["id"], "filed")
    assert r.status_code == 409 and r.json()["current_state"] == "filed"
    assert (await _move(clients, tokens.admin, plan["id"], "draft")).status_code == 422


async def test_only_the_lead_department_files_and_publishes(clients, tokens):
    plan = await create_plan(clients, tokens.admin)
    r = await _move(clients, tokens.officer("SCJG"), plan["id"], "filed")
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    r = await _move(clients, tokens.auditor, plan["id"], "filed")
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"


async def test_late_filing_is_allowed_flagged_and_reported(clients, tokens):
    late = await create_plan(clients, tokens.admin, year=2026)  # due 31 January 2026, long past
    overdue = await create_plan(clients, tokens.admin, year=2026, lead="SCJG")  # never filed
    on_time = await create_plan(clients, tokens.admin, year=PLAN_YEAR)
    assert "not filed" in overdue["warnings"][0]
    r = await _move(clients, tokens.officer(LEAD), late["id"], "filed")
    assert r.status_code == 200
    assert r.json()["filed_late"] is True and any("filed late" in w for w in r.json()["warnings"])
    await _move(clients, tokens.admin, on_time["id"], "filed")
    report = await clients.planning.get("/v1/plans/late-filings", params={"year": 2026}, headers=tokens.auditor)
    assert report.status_code == 200, report.text
    body = report.json()
    assert [p["id"] for p in body["filed_late"]] == [late["id"]] and body["filed_late"][0]["days_late"] > 250
    assert [p["id"] for p in body["unfiled_overdue"]] == [overdue["id"]]
    everything = (await clients.planning.get("/v1/plans/late-filings", headers=tokens.admin)).json()
    assert on_time["id"] not in [p["id"] for p in everything["filed_late"] + everything["unfiled_overdue"]]
    denied = await clients.planning.get("/v1/plans/late-filings", headers=tokens.officer(LEAD))
    assert denied.status_code == 403


async def test_only_a_draft_plan_is_edited_and_with_if_match(clients, tokens):
    plan = await create_plan(clients, tokens.admin)
    url = f"/v1/plans/{plan['id']}"
    assert (await clients.planning.patch(url, json={"description": "说明"}, headers=tokens.admin)).status_code == 428
    r = await clients.planning.patch(url, json={"description": "说明"}, headers=tokens.admin | {"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["description"] == "说明" and r.headers["etag"] == '"2"'
    await _move(clients, tokens.admin, plan["id"], "filed")
    r = await clients.planning.patch(url, json={"description": "再改"}, headers=tokens.admin | {"If-Match": '"3"'})
    assert r.status_code == 409 and r.json()["current_state"] == "filed"


async def test_list_plans_by_year_and_state(clients, tokens):
    a = await create_plan(clients, tokens.admin)
    await create_plan(clients, tokens.admin, lead="SCJG")
    await create_plan(clients, tokens.admin, year=2028)
    await _move(clients, tokens.admin, a["id"], "filed")
    page = (await clients.planning.get("/v1/plans", params={"year": PLAN_YEAR}, headers=tokens.officer("WJW"))).json()
    assert len(page["items"]) == 2
    page = (await clients.planning.get("/v1/plans", params={"state": "filed"}, headers=tokens.admin)).json()
    assert [p["id"] for p in page["items"]] == [a["id"]]
