"""Issue 11: an inspection carries its team and items; each department records its own items; the team
submits with result categories; the lead department reviews; approval publishes once and opens follow-up."""

from __future__ import annotations

import uuid

from .conftest import COOPERATING, ITEMS, LEAD, OUTSIDER, TASK, approved_payload, send_from, uscc

SWJ = {"role": "inspector", "subject": "SWJ-1"}
YJGL = {"role": "inspector", "subject": "YJGL-1"}


def as_(tokens, who):
    return tokens.header(who["role"], subject=who["subject"])


def finding(position: int, outcome: str = "compliant", **kw):
    return {"position": position, "outcome": outcome, "method": "on_site", **kw}


async def put_findings(c, tokens, inspection_id, who, *findings):
    return await c.results.put(
        f"/v1/inspections/{inspection_id}/findings", json={"findings": list(findings)}, headers=as_(tokens, who)
    )


async def detail(c, tokens, inspection_id):
    r = await c.results.get(f"/v1/inspections/{inspection_id}", headers=tokens.admin)
    assert r.status_code == 200, r.text
    return r.json()


async def test_an_inspection_carries_its_team_with_departments_and_the_pinned_items(loop, tokens):
    one, two = loop["inspections"][uscc(1)], loop["inspections"][uscc(2)]
    assert one["state"] == "assigned" and one["lead_department"] == LEAD
    assert one["team"] == [
        {"inspector": "SWJ-1", "department": LEAD},
        {"inspector": "YJGL-1", "department": COOPERATING},
    ]
    assert [(i["position"], i["department"], i["item_version"]) for i in one["items"]] == [
        (1, LEAD, 1),
        (2, COOPERATING, 3),
    ]
    assert one["checklist_version"] == 2 and not one["items_pending"]
    # Drawn, but no team yet: it says so, and why.
    assert two["state"] == "awaiting_team" and two["team"] == [] and "YJGL" in two["no_team_reason"]


async def test_a_later_checklist_version_never_changes_the_items(loop, tokens):
    c = loop["clients"]
    newer = [dict(ITEMS[0], name="changed", item_version=9)]
    await send_from(c, tokens, "planning", "task.approved", approved_payload(items=newer))
    assert [i["name"] for i in (await detail(c, tokens, loop["one"]))["items"]] == [i["name"] for i in ITEMS]


async def test_items_arrive_after_the_inspection_when_planning_is_late(clients, tokens, results_app):
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=results_app), base_url="http://r.test") as rc:
        clients.results = rc
        task = str(uuid.uuid4())
        await send_from(
            clients,
            tokens,
            "sampling",
            "inspections.drawn",
            {"task_id": task, "draw_id": "O", "entities": [uscc(7)], "lead_department": LEAD, "departments": [LEAD]},
        )
        first = (await rc.get("/v1/inspections", params={"task_id": task}, headers=tokens.admin)).json()["items"][0]
        assert first["items"] == [] and first["items_pending"] and first["due_on"] is None
        await send_from(clients, tokens, "planning", "task.approved", approved_payload(task))
        after = (await rc.get(f"/v1/inspections/{first['id']}", headers=tokens.admin)).json()
        assert len(after["items"]) == 2 and not after["items_pending"] and after["due_on"] == "2025-10-30"


async def test_each_department_records_only_its_own_items(loop, tokens):
    c, one = loop["clients"], loop["one"]
    # SWJ's inspector may not record YJGL's item; nothing changes.
    r = await put_findings(c, tokens, one, SWJ, finding(1), finding(2))
    assert r.status_code == 403 and r.json()["code"] == "not_item_department"
    assert (await detail(c, tokens, one))["findings"] == []
    # An officer (not on the team) may not record at all; an item not on the inspection is a 422.
    r = await c.results.put(
        f"/v1/inspections/{one}/findings", json={"findings": [finding(1)]}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 403
    r = await put_findings(c, tokens, one, SWJ, finding(9))
    assert r.status_code == 422 and r.json()["code"] == "item_not_on_inspection"
    bad_evidence = finding(1, evidence=[{"file_name": "a.jpg", "sha256": "xyz", "size": 1}])
    assert (await put_findings(c, tokens, one, SWJ, bad_evidence)).status_code == 422
    # Each department its own: then both findings are there, with who recorded them.
    evidence = [{"file_name": "现场.jpg", "sha256": "a" * 64, "size": 2048}]
    assert (await put_findings(c, tokens, one, SWJ, finding(1, evidence=evidence))).status_code == 200
    r = await put_findings(c, tokens, one, YJGL, finding(2, "non_compliant", notes="安全出口堵塞"))
    assert r.status_code == 200, r.text
    got = {f["position"]: f for f in r.json()["findings"]}
    assert got[1]["department"] == LEAD and got[1]["evidence"] == evidence and got[1]["recorded_by"] == "SWJ-1"
    assert got[2]["outcome"] == "non_compliant" and got[2]["department"] == COOPERATING


async def _ready_to_submit(c, tokens, one):
    assert (await put_findings(c, tokens, one, SWJ, finding(1))).status_code == 200
    assert (
        await put_findings(c, tokens, one, YJGL, finding(2, "non_compliant", notes="安全出口堵塞"))
    ).status_code == 200
    r = await c.results.post(
        f"/v1/inspections/{one}/visit", json={"inspected_on": "2025-07-01"}, headers=as_(tokens, SWJ)
    )
    assert r.status_code == 200, r.text


async def test_submission_needs_the_visit_every_finding_and_valid_categories(loop, tokens):
    c, one = loop["clients"], loop["one"]
    submit = f"/v1/inspections/{one}/submit"
    ok_body = {
        "categories": [{"code": "problem_followup_rectify", "department": COOPERATING}],
        "follow_up_measure": "责令整改",
    }
    r = await c.results.post(submit, json=ok_body, headers=as_(tokens, SWJ))
    assert r.status_code == 409  # no visit yet
    await c.results.post(f"/v1/inspections/{one}/visit", json={"inspected_on": "2025-07-01"}, headers=as_(tokens, SWJ))
    await put_findings(c, tokens, one, SWJ, finding(1))
    r = await c.results.post(submit, json=ok_body, headers=as_(tokens, SWJ))
    assert r.status_code == 409 and r.json()["code"] == "findings_incomplete"
    assert r.json()["missing_positions"] == [2]
    await put_findings(c, tokens, one, YJGL, finding(2, "non_compliant"))
    for body, code in (
        ({"categories": [{"code": "no_such"}]}, "invalid_categories"),
        ({"categories": [{"code": "no_problem"}]}, "invalid_categories"),  # contradicts the non-compliant item
        ({"categories": [{"code": "problem_followup_rectify"}]}, "invalid_categories"),  # names no department
        ({"categories": [{"code": "entity_status"}]}, "invalid_categories"),  # a group, not a category
        ({"categories": [{"code": "no_problem"}, {"code": "problem_corrected"}]}, "invalid_categories"),
    ):
        r = await c.results.post(submit, json=body, headers=as_(tokens, SWJ))
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
    assert (await detail(c, tokens, one))["state"] == "visited"
    r = await c.results.post(submit, json=ok_body, headers=tokens.header("inspector", subject="SWJ-9"))
    assert r.status_code == 403
    r = await c.results.post(submit, json=ok_body, headers=as_(tokens, YJGL))
    assert r.status_code == 200 and r.json()["state"] == "submitted", r.text
    assert r.json()["categories"] == ok_body["categories"]
    # Submitted: no more findings until returned.
    r = await put_findings(c, tokens, one, SWJ, finding(1, "not_applicable"))
    assert r.status_code == 409


async def test_the_lead_department_returns_then_approves_and_approval_publishes_once(loop, tokens):
    c, one = loop["clients"], loop["one"]
    await _ready_to_submit(c, tokens, one)
    body = {"categories": [{"code": "problem_followup_rectify", "department": COOPERATING}]}
    assert (
        await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    ).status_code == 200
    review = f"/v1/inspections/{one}/review"
    r = await c.results.post(review, json={"decision": "approve"}, headers=tokens.officer(COOPERATING))
    assert r.status_code == 403 and r.json()["code"] == "not_lead_department"
    r = await c.results.post(review, json={"decision": "return"}, headers=tokens.officer(LEAD))
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await c.results.post(
        review, json={"decision": "return", "reason": "第2项缺少现场照片"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 200 and r.json()["state"] == "returned"
    # Returned: editable again; resubmitted; approved.
    photo = [{"file_name": "出口.jpg", "sha256": "b" * 64, "size": 10}]
    assert (await put_findings(c, tokens, one, YJGL, finding(2, "non_compliant", evidence=photo))).status_code == 200
    assert (
        await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    ).status_code == 200
    r = await c.results.post(review, json={"decision": "approve"}, headers=tokens.officer(LEAD))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["state"] == "approved" and got["late"] is True  # due 2025-10-30, approved today
    assert [h["action"] for h in got["history"]] == [
        "findings",
        "findings",
        "visit",
        "submit",
        "return",
        "findings",
        "submit",
        "approve",
    ]
    assert got["history"][4]["reason"] == "第2项缺少现场照片"
    again = await c.results.post(review, json={"decision": "approve"}, headers=tokens.officer(LEAD))
    assert again.status_code == 409
    # One publication record, with the entity's name from the registry, and no inspector or evidence.
    pubs = (await c.results.get("/v1/publications", params={"task_id": TASK}, headers=tokens.admin)).json()["items"]
    assert len(pubs) == 1 and pubs[0]["status"] == "pending" and pubs[0]["entity_name"] == "信阳市新县第1餐馆"
    payload = pubs[0]["payload"]
    assert payload["uscc"] == uscc(1) and payload["task_id"] == TASK and payload["inspection_date"] == "2025-07-01"
    assert payload["result_categories"] == body["categories"]
    assert "SWJ-1" not in str(payload) and "evidence" not in str(payload) and "sha256" not in str(payload)
    # The outbox holds exactly one delivery for it, keyed by the record.
    outbox = (await c.results.get("/ops/outbox", params={"status": "pending"}, headers=tokens.admin)).json()
    assert [e["id"] for e in outbox["items"] if e["destination"] == "gsxt"] == [pubs[0]["outbox_event_id"]]
    # A follow-up case for the non-compliant item, with the department responsible for it.
    cases = (await c.results.get("/v1/followups", headers=tokens.admin)).json()["items"]
    assert [(x["uscc"], x["position"], x["department"], x["state"]) for x in cases] == [
        (uscc(1), 2, COOPERATING, "open")
    ]


async def test_follow_up_is_transferred_dated_and_closed_by_the_competent_department(loop, tokens):
    c, one = loop["clients"], loop["one"]
    await _ready_to_submit(c, tokens, one)
    body = {"categories": [{"code": "problem_followup_rectify", "department": COOPERATING}]}
    await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    await c.results.post(f"/v1/inspections/{one}/review", json={"decision": "approve"}, headers=tokens.officer(LEAD))
    case = (await c.results.get("/v1/followups", headers=tokens.admin)).json()["items"][0]
    url = f"/v1/followups/{case['id']}"
    # Only the department the case is with acts on it.
    r = await c.results.post(
        url + "/transfer", json={"to_department": "XFJY", "reason": "属消防监管"}, headers=tokens.officer(LEAD)
    )
    assert r.status_code == 403 and r.json()["code"] == "not_case_department"
    r = await c.results.post(
        url + "/transfer",
        json={"to_department": "XFJY", "reason": "属消防监管事项"},
        headers=tokens.officer(COOPERATING),
    )
    assert r.status_code == 200 and r.json()["department"] == "XFJY"
    r = await c.results.put(url + "/deadline", json={"rectify_by": "2025-08-01"}, headers=tokens.officer(COOPERATING))
    assert r.status_code == 403
    r = await c.results.put(url + "/deadline", json={"rectify_by": "2025-08-01"}, headers=tokens.officer("XFJY"))
    assert r.status_code == 200 and r.json()["overdue"] is True
    listed = (
        await c.results.get(
            "/v1/followups", params={"department": "XFJY", "overdue": "true"}, headers=tokens.officer("XFJY")
        )
    ).json()
    assert [x["id"] for x in listed["items"]] == [case["id"]]
    assert (await c.results.get("/v1/followups", headers=tokens.officer(OUTSIDER))).json()["items"] == []
    r = await c.results.post(url + "/close", json={"outcome": "bogus", "note": "x"}, headers=tokens.officer("XFJY"))
    assert r.status_code == 422
    r = await c.results.post(
        url + "/close", json={"outcome": "rectified", "note": "复查已整改"}, headers=tokens.officer("XFJY")
    )
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["outcome"] == "rectified"
    assert [(h["action"], h["from_department"], h["to_department"]) for h in r.json()["history"]] == [
        ("open", None, COOPERATING),
        ("transfer", COOPERATING, "XFJY"),
        ("deadline", None, None),
        ("close", None, None),
    ]
    r = await c.results.post(url + "/close", json={"outcome": "other", "note": "again"}, headers=tokens.officer("XFJY"))
    assert r.status_code == 409
    open_now = (await c.results.get("/v1/followups", params={"state": "open"}, headers=tokens.admin)).json()
    assert open_now["items"] == []


async def test_the_due_date_crosses_national_day_and_an_unknown_year_is_named(loop, tokens):
    c = loop["clients"]
    # Window ends Fri 2025-09-26. Working days after it: Sep 28 (Sun, make-up) =1, Sep 29 =2, Sep 30 =3;
    # Oct 1–8 holiday; Oct 9 =4, Oct 10 =5, Oct 11 (Sat, make-up) =6; Oct 13–17 =7–11; Oct 20–24 =12–16;
    # Oct 27–30 =17–20 → due Thu 2025-10-30.
    r = await c.results.get(f"/v1/tasks/{TASK}/results", headers=tokens.officer(LEAD))
    assert r.status_code == 200, r.text
    assert r.json()["due_on"] == "2025-10-30"
    assert (await detail(c, tokens, loop["one"]))["due_on"] == "2025-10-30"
    assert (await c.results.get(f"/v1/tasks/{TASK}/results", headers=tokens.officer(OUTSIDER))).status_code == 403
    later = str(uuid.uuid4())
    await send_from(c, tokens, "planning", "task.approved", approved_payload(later, end="2026-12-20"))
    r = await c.results.get(f"/v1/tasks/{later}/results", headers=tokens.admin)
    assert r.status_code == 409 and r.json()["code"] == "unknown_calendar_year" and r.json()["year"] == 2027
    assert "2027" in r.json()["detail"]
    overdue = (await c.results.get("/v1/inspections/overdue", headers=tokens.admin)).json()
    assert 2027 in overdue["unknown_due_years"]


async def test_overdue_lists_per_department_and_task(loop, tokens):
    c = loop["clients"]
    r = await c.results.get("/v1/inspections/overdue", params={"task_id": TASK}, headers=tokens.admin)
    got = r.json()
    # Both inspections of the task are past 2025-10-30 and not approved.
    assert sorted(i["uscc"] for i in got["items"]) == [uscc(1), uscc(2)]
    assert got["by_department"][LEAD] == 2
    mine = (await c.results.get("/v1/inspections/overdue", headers=tokens.officer(OUTSIDER))).json()
    assert mine["items"] == [] and mine["by_department"] == {}


async def test_the_category_dictionary_is_configurable_by_admins(loop, tokens):
    c = loop["clients"]
    cats = (await c.results.get("/v1/result-categories", headers=tokens.inspector)).json()
    codes = {x["code"]: x for x in cats}
    assert codes["no_problem"]["label_zh"] == "未发现问题" and codes["problem_followup_rectify"]["names_department"]
    assert codes["licence_revoked"]["parent"] == "entity_status"
    new = {"code": "license_expired", "label_zh": "许可证过期", "label_en": "Licence expired", "kind": "problem"}
    assert (await c.results.post("/v1/result-categories", json=new, headers=tokens.officer(LEAD))).status_code == 403
    assert (await c.results.post("/v1/result-categories", json=new, headers=tokens.admin)).status_code == 201
    assert (await c.results.post("/v1/result-categories", json=new, headers=tokens.admin)).status_code == 409
    r = await c.results.patch("/v1/result-categories/problem_corrected", json={"active": False}, headers=tokens.admin)
    assert r.status_code == 200 and r.json()["active"] is False
    one = loop["one"]
    await _ready_to_submit(c, tokens, one)
    r = await c.results.post(
        f"/v1/inspections/{one}/submit", json={"categories": [{"code": "problem_corrected"}]}, headers=as_(tokens, SWJ)
    )
    assert r.status_code == 422  # deactivated
    r = await c.results.post(
        f"/v1/inspections/{one}/submit", json={"categories": [{"code": "license_expired"}]}, headers=as_(tokens, SWJ)
    )
    assert r.status_code == 200


async def test_a_voided_teams_draw_sends_its_inspections_back_to_awaiting_a_team(loop, tokens):
    c = loop["clients"]
    await send_from(
        c, tokens, "sampling", "inspections.voided", {"task_id": TASK, "draw_id": "TEAM-1", "kind": "teams"}
    )
    one = await detail(c, tokens, loop["one"])
    assert one["state"] == "awaiting_team" and one["team"] == [] and one["items"]
    await send_from(
        c, tokens, "sampling", "inspections.voided", {"task_id": TASK, "draw_id": "OBJ-1", "kind": "objects"}
    )
    r = await c.results.get("/v1/inspections", params={"task_id": TASK}, headers=tokens.admin)
    assert r.json()["items"] == []


async def test_public_results_show_published_records_only(loop, tokens):
    c = loop["clients"]
    r = await c.results.get("/public/results", params={"uscc": uscc(1)})
    assert r.status_code == 200 and r.json()["items"] == []
    assert (await c.results.get("/public/results")).status_code == 422
    assert (await c.results.get("/public/results", params={"name": "x"})).status_code == 422


async def test_metrics_show_overdue_inspections_and_unpublished_records(loop, tokens):
    c, one = loop["clients"], loop["one"]
    await _ready_to_submit(c, tokens, one)
    body = {"categories": [{"code": "problem_followup_rectify", "department": COOPERATING}]}
    await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    await c.results.post(f"/v1/inspections/{one}/review", json={"decision": "approve"}, headers=tokens.officer(LEAD))
    text = (await c.results.get("/metrics")).text
    # uscc(2) is still awaiting its team, past the 2025-10-30 due date, in all three departments' task.
    assert f'jc_results_overdue_inspections{{department="{LEAD}"}} 1.0' in text
    assert "jc_results_publications_unpublished 1.0" in text
    assert "jc_results_publication_dead_letters 0.0" in text


async def test_a_published_record_reads_publicly_without_inspectors(loop, tokens):
    from results.publications import service as publications
    from results.publications.models import Publication

    c, one = loop["clients"], loop["one"]
    await _ready_to_submit(c, tokens, one)
    body = {"categories": [{"code": "problem_followup_rectify", "department": COOPERATING}]}
    await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    await c.results.post(f"/v1/inspections/{one}/review", json={"decision": "approve"}, headers=tokens.officer(LEAD))
    pub = (await c.results.get("/v1/publications", headers=tokens.admin)).json()["items"][0]
    # What the outbox's GSXT transport does on a receipt: the hook records it in the same transaction.
    from jointcheck.outbox import OutboxRow

    app = loop["app"]
    row = OutboxRow(
        id=uuid.UUID(pub["outbox_event_id"]),
        seq=1,
        destination="gsxt",
        topic="gsxt.publication",
        ordering_key=None,
        payload=pub["payload"],
        request_id=None,
        attempts=2,
        created_at=None,  # type: ignore[arg-type]
        response={"record_id": pub["id"], "publication_id": "GSXT-1"},
    )
    async with app.state.db.transaction() as session:
        await publications.on_outcome(session, row, "retrying", "HTTP 503")
    got = (await c.results.get("/v1/publications", headers=tokens.admin)).json()["items"][0]
    assert got["status"] == "pending" and got["last_error"] == "HTTP 503"
    async with app.state.db.transaction() as session:
        await publications.on_outcome(session, row, "delivered", None)
        assert (await session.get(Publication, uuid.UUID(pub["id"]))).status == "published"
    got = (await c.results.get("/v1/publications", headers=tokens.admin)).json()["items"][0]
    assert got["status"] == "published" and got["receipt"]["publication_id"] == "GSXT-1" and got["attempts"] == 2
    assert (await detail(c, tokens, one))["state"] == "published"
    public = (await c.results.get("/public/results", params={"uscc": uscc(1)})).json()["items"]
    assert len(public) == 1 and public[0]["entity_name"] == "信阳市新县第1餐馆"
    assert [(i["department"], i["outcome"]) for i in public[0]["items"]] == [
        (LEAD, "compliant"),
        (COOPERATING, "non_compliant"),
    ]
    assert "SWJ-1" not in str(public) and "sha256" not in str(public)
    named = (await c.results.get("/public/results", params={"name": "第1餐"})).json()["items"]
    assert [p["uscc"] for p in named] == [uscc(1)]


async def test_a_tasks_results_export_as_xlsx_and_csv_with_chinese_headers(loop, tokens):
    import csv
    import io

    import openpyxl

    c, one = loop["clients"], loop["one"]
    await _ready_to_submit(c, tokens, one)
    body = {
        "categories": [{"code": "problem_followup_rectify", "department": COOPERATING}],
        "follow_up_measure": "责令整改",
    }
    await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    await c.results.post(f"/v1/inspections/{one}/review", json={"decision": "approve"}, headers=tokens.officer(LEAD))
    url = f"/v1/tasks/{TASK}/results/export"
    r = await c.results.get(url, headers=tokens.officer(COOPERATING))
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("统一社会信用代码", "市场主体名称", "检查状态", "检查日期")
    by_uscc = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_uscc) == {uscc(1), uscc(2)}
    done = by_uscc[uscc(1)]
    assert done["市场主体名称"] == "信阳市新县第1餐馆" and done["检查状态"] == "已审核" and done["公示状态"] == "待公示"
    assert "安全生产（YJGL）：不符合" in done["检查事项及结果"]
    assert "发现问题待后续处理" in done["检查结果类别"] and done["后续处置措施"] == "责令整改"
    assert by_uscc[uscc(2)]["检查状态"] == "待组队"
    r = await c.results.get(url, params={"format": "csv"}, headers=tokens.admin)
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][0] == "统一社会信用代码" and len(table) == 3
    assert (await c.results.get(url, headers=tokens.officer(OUTSIDER))).status_code == 403
    assert (await c.results.get(url, params={"format": "pdf"}, headers=tokens.admin)).status_code == 422


async def test_a_dead_record_is_requeued_by_an_admin_with_the_same_record_id(loop, tokens):
    from sqlalchemy import text

    from jointcheck.outbox import OutboxRow
    from results.publications import service as publications

    c, one, app = loop["clients"], loop["one"], loop["app"]
    await _ready_to_submit(c, tokens, one)
    body = {"categories": [{"code": "problem_followup_rectify", "department": COOPERATING}]}
    await c.results.post(f"/v1/inspections/{one}/submit", json=body, headers=as_(tokens, SWJ))
    await c.results.post(f"/v1/inspections/{one}/review", json={"decision": "approve"}, headers=tokens.officer(LEAD))
    pub = (await c.results.get("/v1/publications", headers=tokens.admin)).json()["items"][0]
    url = f"/v1/publications/{pub['id']}/requeue"
    assert (await c.results.post(url, headers=tokens.admin)).status_code == 409  # pending: nothing to re-queue
    row = OutboxRow(
        id=uuid.UUID(pub["outbox_event_id"]),
        seq=1,
        destination="gsxt",
        topic="gsxt.publication",
        ordering_key=None,
        payload=pub["payload"],
        request_id=None,
        attempts=12,
        created_at=None,  # type: ignore[arg-type]
    )
    async with app.state.db.transaction() as session:  # what the dispatcher does after its last retry
        await session.execute(text("UPDATE outbox_events SET status='dead' WHERE id=:id"), {"id": row.id})
        await publications.on_outcome(session, row, "dead", "HTTP 503: emulated failure")
    dead = (await c.results.get("/v1/publications", params={"status": "dead"}, headers=tokens.admin)).json()["items"]
    assert [p["id"] for p in dead] == [pub["id"]] and dead[0]["last_error"] == "HTTP 503: emulated failure"
    assert (await c.results.post(url, headers=tokens.officer(LEAD))).status_code == 403
    r = await c.results.post(url, headers=tokens.admin)
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["id"] == pub["id"]
    events = (await c.results.get("/ops/outbox", params={"status": "pending"}, headers=tokens.admin)).json()["items"]
    assert [e["payload"]["record_id"] for e in events if e["destination"] == "gsxt"] == [pub["id"]]
