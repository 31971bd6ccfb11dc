"""Issue 13 item 5: a year for Xin County (新县), every call through the nginx gateway.

A county directory file is imported; two industries get their item lists and checklists (catering:
市场监管 SCJG leads, 消防 XFJY and 卫健 WJW cooperate; hazardous chemicals — fuel retail, which holds
危险化学品经营许可: 应急管理 YJGL leads, XFJY and 生态环境 STHJ cooperate); the two plans are filed
and published; each task samples A/B/C/D/U at its own ratios with witness entropy; teams are drawn
(hazardous chemicals needs a supplementary round: every STHJ inspector recuses from two drawn
entities, one more is added); every department records its findings; the lead officer reviews (one
return); the approved results are published to the GSXT emulator exactly once each; the follow-up
cases are closed; the audit service replays every draw of the year OK. The numbers are asserted at
each step: drawn per class, planning's task states, visits saved, results on time, publication counts.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from jointcheck.codes import make_uscc

from .conftest import eventually
from .world import World

CHINA = timezone(timedelta(hours=8))

CATERING = ("SCJG", ["XFJY", "WJW"])
HAZCHEM = ("YJGL", ["XFJY", "STHJ"])
# industry code (GB/T 4754-2017, as jointcheck.demo's generator uses them), credit classes of the file
CATERING_FILE = {"H6210": "AAAAABBBBCCDDU", "H6220": "AAABBCCDUU"}  # A 8, B 6, C 4, D 3, U 3
HAZCHEM_FILE = {"F5265": "AAABBCDDU", "F5266": "ABC"}  # A 4, B 3, C 2, D 2, U 1
CATERING_RULES = {
    "A": {"ratio": "0.25"},  # ceil(0.25 × 8) = 2
    "B": {"ratio": "0.5"},  # 3 of 6
    "C": {"ratio": "0.5"},  # 2 of 4
    "D": {"ratio": "1"},  # every D: 3
    "U": {"ratio": "0.34"},  # ceil(1.02) = 2 of 3
}
CATERING_DRAWN = {"A": (8, 2), "B": (6, 3), "C": (4, 2), "D": (3, 3), "U": (3, 2)}
HAZCHEM_RULES = {
    "A": {"ratio": "0.5"},  # 2 of 4
    "B": {"ratio": "0.34"},  # ceil(1.02) = 2 of 3
    "C": {"ratio": "1"},  # 2 of 2
    "D": {"ratio": "1"},  # 2 of 2
    "U": {"ratio": "0", "min": 1},  # 1 of 1
}
HAZCHEM_DRAWN = {"A": (4, 2), "B": (3, 2), "C": (2, 2), "D": (2, 2), "U": (1, 1)}
HEADERS = ("统一社会信用代码", "市场主体名称", "市场主体类型", "行业代码", "行业名称", "住所（经营场所）",
           "所在行政区划", "成立日期", "登记状态", "信用风险分类", "监管部门", "标签")  # fmt: skip
NAMES = {"H6210": ("正餐服务", "饭店"), "H6220": ("快餐服务", "快餐店"), "F5265": ("机动车燃油零售", "加油站"),
         "F5266": ("机动车燃气零售", "加气站")}  # fmt: skip
SUPERVISORS = {"H6210": "市场监督管理局;消防救援大队;卫生健康委员会", "H6220": "市场监督管理局;消防救援大队;卫生健康委员会",
               "F5265": "应急管理局;消防救援大队;生态环境局", "F5266": "应急管理局;消防救援大队;生态环境局"}  # fmt: skip


def _today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def _county_file(tag: str, seed: str) -> tuple[bytes, dict[str, tuple[str, str]]]:
    """A county directory file (the sample's headers, UTF-8 with BOM, CRLF): uscc → (industry, class)."""
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    entities: dict[str, tuple[str, str]] = {}
    n = 0
    for industry, classes in (CATERING_FILE | HAZCHEM_FILE).items():
        name, word = NAMES[industry]
        for c in classes:
            n += 1
            uscc = make_uscc("91411523MA" + "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7)))
            entities[uscc] = (industry, c)
            writer.writerow(
                [uscc, f"新县第{n}{word}（{tag}）", "有限责任公司", industry, name, f"河南省信阳市新县新集镇{n}号",
                 "411523", "2015-06-01", "存续", "" if c == "U" else c, SUPERVISORS[industry], tag]
            )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8"), entities


def _ensure_calendar(w: World, task_id: str) -> dict:
    """Results' due date (20 working days after the window) may fall in a year the calendar package
    does not know yet: the operator loads that year's holidays, as in test_results_e2e."""
    r = eventually(
        lambda: (
            (r := w.http.get(f"{w.urls['results']}/v1/tasks/{task_id}/results", headers=w.tokens.admin)).status_code
            in (200, 409)
            and r
        )
    )
    if r.status_code == 409:
        assert r.json()["code"] == "unknown_calendar_year"
        year = r.json()["year"]
        loaded = w.http.post(
            f"{w.urls['results']}/v1/calendars/{year}",
            json={"days_off": [f"{year}-01-01"], "makeup_workdays": [], "source": "e2e: 元旦", "replace": True},
            headers=w.tokens.admin,
        )
        assert loaded.status_code in (200, 201), loaded.text
    return w.get("results", f"/v1/tasks/{task_id}/results")


def _plan_and_task(w: World, *, industry: str, codes: list[str], rules: dict, year: int) -> tuple[dict, dict]:
    """The lead department's item list and checklist for the industry, its plan for the year (filed,
    published) and the task under it (approved)."""
    lead = w.tokens.officer(w.lead)
    items = [
        w.post(
            "planning",
            "/v1/items",
            {
                "department": dept,
                "code": f"{dept}-{w.short}-{codes[0][:3]}",
                "name": f"{dept}{industry}检查事项",
                "legal_basis": "相关法律法规",
                "methods": ["on_site"],
            },
            headers=w.tokens.officer(dept),
        )
        for dept in [w.lead, *w.cooperating]
    ]
    checklist = w.post(
        "planning",
        "/v1/checklists",
        {
            "name": industry,
            "industry_codes": codes,
            "lead_department": w.lead,
            "cooperating_departments": w.cooperating,
            "items": [{"item_id": i["id"]} for i in items],
        },
        headers=lead,
    )
    r = w.http.post(
        f"{w.urls['planning']}/v1/plans",
        headers=lead,
        json={"year": year, "lead_department": w.lead, "name": f"{year}年度{industry}联合抽查计划"},
    )
    if r.status_code == 409:  # the session's stack is shared: an earlier test may have made this year's plan
        plan = w.get("planning", "/v1/plans", year=year, lead_department=w.lead)["items"][0]
    else:
        assert r.status_code == 201, r.text
        plan = r.json()
    if plan["state"] == "draft":
        plan = w.post("planning", f"/v1/plans/{plan['id']}/transitions", {"to": "filed"}, headers=lead, expect=200)
    # Filed by 31 January where the calendar allows; a run after it files late, and the plan says so.
    assert plan["filing_deadline"] == f"{year}-01-31"
    assert plan["filed_late"] is (_today() > date(year, 1, 31))
    if plan["state"] == "filed":
        plan = w.post("planning", f"/v1/plans/{plan['id']}/transitions", {"to": "published"}, headers=lead, expect=200)
    assert plan["state"] == "published"
    task = w.post(
        "planning",
        "/v1/tasks",
        {
            "plan_id": plan["id"],
            "checklist_id": checklist["id"],
            "name": f"{industry}联合抽查（{w.tag}）",
            "scope": {"industry_prefixes": codes, "tags": [w.tag]},
            "sampling_rules": rules,
            "inspection_start": f"{year}-01-02",  # the window holds today: visits are never in the future
            "inspection_end": f"{year}-12-31",
        },
        headers=lead,
    )
    assert task["state"] == "draft"
    approved = w.post(
        "planning",
        f"/v1/tasks/{task['id']}/transitions",
        {"to": "approved", "reason": "同意"},
        headers=lead,
        expect=200,
    )
    assert approved["state"] == "approved"
    return plan, task


def test_a_year_for_xin_county(http, urls, tokens):
    tag = f"year-{uuid.uuid4().hex[:8]}"
    food = World(http, urls, tokens, tag=tag, lead=CATERING[0], cooperating=list(CATERING[1]))
    chem = World(http, urls, tokens, tag=tag, lead=HAZCHEM[0], cooperating=list(HAZCHEM[1]))
    food.departments()
    year = _today().year

    # --- the county's directory file
    content, entities = _county_file(tag, tag)
    r = http.post(
        f"{urls['registry']}/v1/entities/import",
        files={"file": ("xinxian.csv", content, "text/csv")},
        headers=tokens.admin,
    )
    assert r.status_code == 200, r.text[:800]
    assert r.json()["inserted"] == len(entities) == 36
    listed = food.get("registry", "/v1/entities", tags=[tag], limit=100)["items"]
    assert {e["uscc"]: (e["industry_code"], e["credit_class"] or "U") for e in listed} == entities

    # --- inspectors: enough for catering; STHJ (no other e2e test staffs it) kept to two
    food.inspectors(3)  # SCJG, XFJY, WJW
    chem.inspectors(2, [chem.lead, "STHJ"])

    # --- item lists, checklists, plans, tasks
    food_plan, food_task = _plan_and_task(
        food, industry="餐饮服务", codes=list(CATERING_FILE), rules=CATERING_RULES, year=year
    )
    chem_plan, chem_task = _plan_and_task(
        chem, industry="危险化学品", codes=list(HAZCHEM_FILE), rules=HAZCHEM_RULES, year=year
    )
    tasks = {"food": (food, food_task["id"]), "chem": (chem, chem_task["id"])}
    late = food.get("planning", "/v1/plans/late-filings", year=year)
    late_ids = {p["id"] for p in late["filed_late"]}
    # After 31 January both plans are on the joint-meeting office's late-filings list; before it, neither.
    assert ({food_plan["id"], chem_plan["id"]} <= late_ids) is (_today() > date(year, 1, 31))
    assert not {food_plan["id"], chem_plan["id"]} & {p["id"] for p in late["unfiled_overdue"]}
    for w, tid in tasks.values():
        due = _ensure_calendar(w, tid)["due_on"]
        assert due > f"{year}-12-31"

    # --- objects draws, witness entropy, drawn per class as the ratios say
    objects = {}
    for key, expected, entropy in (
        ("food", CATERING_DRAWN, "witness dice: 3 1 4 1 5 9 2 6"),
        ("chem", HAZCHEM_DRAWN, "witness dice: 2 7 1 8 2 8 1 8"),
    ):
        w, tid = tasks[key]
        draw = w.draw(tid, entropy=entropy)
        assert draw["status"] == "executed"
        sizes = draw["summary"]["sizes"]
        assert {c: (s["population"], s["sample"]) for c, s in sizes.items()} == expected
        selected = [s["id"] for s in w.get("sampling", f"/v1/draws/{draw['id']}/result")["selected"]]
        assert len(selected) == sum(n for _, n in expected.values())
        for c in "ABCDU":
            assert sum(1 for u in selected if entities[u][1] == c) == expected[c][1]
        objects[key] = (draw, selected)
        eventually(lambda w=w, tid=tid: w.get("planning", f"/v1/tasks/{tid}")["state"] == "objects_drawn")
    assert len(objects["food"][1]) == 12 and len(objects["chem"][1]) == 9

    # --- teams: catering in one round
    food_teams = food.draw(tasks["food"][1], kind="teams")
    assert food_teams["round"] == 1 and food_teams["summary"]["unassigned"] == 0

    # hazardous chemicals: every STHJ inspector recuses from two drawn entities, so round 1 leaves them out
    chem_tid = tasks["chem"][1]
    left_out = sorted(objects["chem"][1][:2])
    sthj = [i["inspector_id"] for i in chem.get("registry", "/v1/inspectors", department=["STHJ"], limit=500)["items"]]
    assert sthj
    for inspector in sthj:
        for uscc in left_out:
            chem.post(
                "registry",
                "/v1/recusals",
                {"inspector_id": inspector, "uscc": uscc, "reason": "近亲属任职", "valid_from": "2020-01-01"},
            )
    round1 = chem.draw(chem_tid, kind="teams")
    assert round1["round"] == 1 and round1["summary"]["unassigned"] == 2
    assert (
        sorted(u["entity"] for u in chem.get("sampling", f"/v1/draws/{round1['id']}/result")["unassigned"]) == left_out
    )
    waiting = eventually(lambda: (t := chem.get("planning", f"/v1/tasks/{chem_tid}"))["team_rounds"] and t)
    assert (
        waiting["state"] == "objects_drawn" and sorted(u["entity"] for u in waiting["unassigned_entities"]) == left_out
    )
    newcomer = chem.inspectors(1, ["STHJ"])["STHJ"][0]
    round2 = chem.draw(chem_tid, kind="teams", completes_draw_id=round1["id"])
    assert round2["round"] == 2 and round2["summary"]["unassigned"] == 0
    result2 = chem.get("sampling", f"/v1/draws/{round2['id']}/result")
    assert sorted(t["entity"] for t in result2["teams"]) == left_out
    assert all(newcomer in t["inspectors"] for t in result2["teams"])
    teams_draws = [food_teams, round1, round2]
    public = chem.get("sampling", "/public/draws", headers={}, task_id=chem_tid)
    assert sorted((d["kind"], d["round"]) for d in public) == [("objects", 1), ("teams", 1), ("teams", 2)]

    for w, tid in tasks.values():
        eventually(lambda w=w, tid=tid: w.get("planning", f"/v1/tasks/{tid}")["state"] == "teams_assigned")
    assigned = {}
    for key, (w, tid) in tasks.items():
        n = len(objects[key][1])
        items = eventually(
            lambda w=w, tid=tid, n=n: (
                len(x := w.get("results", "/v1/inspections", task_id=tid, state="assigned", limit=100)["items"]) == n
                and x
            )
        )
        assert {i["uscc"] for i in items} == set(objects[key][1])
        for i in items:
            assert {m["department"] for m in i["team"]} == {w.lead, *w.cooperating} and len(i["items"]) == 3
        assigned[key] = items

    # --- findings by every department, a joint visit, submission
    def as_member(inspection: dict, department: str) -> dict:
        member = next(m for m in inspection["team"] if m["department"] == department)
        return tokens.header("inspector", subject=member["inspector"])

    # entities with a problem: two catering (卫健 items), one hazardous chemicals (生态环境 item)
    problems = {
        assigned["food"][0]["uscc"]: "WJW",
        assigned["food"][1]["uscc"]: "WJW",
        assigned["chem"][0]["uscc"]: "STHJ",
    }
    inspections = {i["uscc"]: (key, i) for key in assigned for i in assigned[key]}
    for uscc, (key, inspection) in inspections.items():
        w = tasks[key][0]
        url = f"{urls['results']}/v1/inspections/{inspection['id']}"
        for item in inspection["items"]:
            bad = problems.get(uscc) == item["department"]
            body = {"findings": [{"position": item["position"], "outcome": "non_compliant" if bad else "compliant", "method": "on_site"}]}  # fmt: skip
            r = http.put(url + "/findings", json=body, headers=as_member(inspection, item["department"]))
            assert r.status_code == 200, r.text
        lead_member = as_member(inspection, w.lead)
        r = http.post(url + "/visit", json={"inspected_on": _today().isoformat()}, headers=lead_member)
        assert r.status_code == 200, r.text
        categories = (
            [{"code": "problem_followup_rectify", "department": problems[uscc]}] if uscc in problems else [{"code": "no_problem"}]
        )  # fmt: skip
        measure = "责令限期整改" if uscc in problems else ""
        r = http.post(
            url + "/submit", json={"categories": categories, "follow_up_measure": measure}, headers=lead_member
        )
        assert r.status_code == 200, r.text
    for w, tid in tasks.values():
        eventually(lambda w=w, tid=tid: w.get("planning", f"/v1/tasks/{tid}")["state"] == "in_progress")

    # --- review: one returned with a reason, corrected and resubmitted
    first_uscc = assigned["food"][0]["uscc"]
    first = inspections[first_uscc][1]
    first_url = f"{urls['results']}/v1/inspections/{first['id']}"
    r = http.post(
        first_url + "/review", json={"decision": "return", "reason": "请补充整改措施"}, headers=tokens.officer("SCJG")
    )
    assert r.status_code == 200 and r.json()["state"] == "returned", r.text
    r = http.post(
        first_url + "/submit",
        json={
            "categories": [{"code": "problem_followup_rectify", "department": "WJW"}],
            "follow_up_measure": "责令7日内整改",
        },
        headers=as_member(first, "SCJG"),
    )
    assert r.status_code == 200, r.text

    # --- approval while GSXT fails for a moment: every record still arrives exactly once
    gsxt = urls["gsxt"]
    faulted_before = http.get(f"{gsxt}/emulator/counts", headers=tokens.admin).json()["faulted"]
    assert http.put(f"{gsxt}/emulator/faults", json={"fail_for_seconds": 3}, headers=tokens.admin).status_code == 200
    for key, inspection in inspections.values():
        r = http.post(
            f"{urls['results']}/v1/inspections/{inspection['id']}/review",
            json={"decision": "approve"},
            headers=tokens.officer(tasks[key][0].lead),
        )
        assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    published = {}
    for key, (w, tid) in tasks.items():
        n = len(objects[key][1])
        published[key] = eventually(
            lambda w=w, tid=tid, n=n: (
                len(items := w.get("results", "/v1/publications", task_id=tid, limit=100)["items"]) == n
                and all(p["status"] == "published" for p in items)
                and items
            ),
            timeout=60,
        )
    counts = http.get(f"{gsxt}/emulator/counts", headers=tokens.admin).json()
    records = [p["id"] for items in published.values() for p in items]
    assert len(records) == len(set(records)) == 21
    assert {p: counts["records"][p]["accepted"] for p in records} == {p: 1 for p in records}
    assert counts["faulted"] > faulted_before  # the outage was met, and retried through
    for w, tid in tasks.values():
        eventually(
            lambda w=w, tid=tid: w.get("planning", f"/v1/tasks/{tid}")["state"] == "results_published", timeout=30
        )

    # --- follow-up cases, one per problem, closed by their departments
    cases = [c for _, tid in tasks.values() for c in food.get("results", "/v1/followups", task_id=tid)["items"]]
    assert sorted((c["uscc"], c["department"], c["state"]) for c in cases) == sorted(
        (u, d, "open") for u, d in problems.items()
    )
    for case in cases:
        officer = tokens.officer(case["department"])
        case_url = f"{urls['results']}/v1/followups/{case['id']}"
        assert (
            http.put(case_url + "/deadline", json={"rectify_by": _today().isoformat()}, headers=officer).status_code
            == 200
        )
        closed = http.post(case_url + "/close", json={"outcome": "rectified", "note": "复查已整改"}, headers=officer)
        assert closed.status_code == 200 and closed.json()["state"] == "closed", closed.text

    # --- the audit service replays every draw of the year: each verdict OK
    draws = [d for d, _ in objects.values()] + teams_draws
    for d in draws:
        verdict = food.post("audit", "/v1/replays", {"draw_id": d["id"]}, headers=tokens.auditor)
        assert verdict["ok"] is True and verdict["failed_check"] is None, (d["kind"], verdict)

    # … and on its own schedule, without being asked
    for d in draws:
        scheduled = eventually(
            lambda d=d: food.get("audit", "/v1/replays", headers=tokens.auditor, draw_id=d["id"], trigger="schedule")[
                "items"
            ],
            timeout=60,
            interval=1.0,
        )
        assert all(r["ok"] for r in scheduled), (d["kind"], scheduled)

    # --- the public reads the published result of an entity with a problem
    answer = http.get(f"{urls['results']}/public/results", params={"uscc": first_uscc})
    assert answer.status_code == 200, answer.text
    assert [r["result_categories"] for r in answer.json()["items"]] == [
        [{"code": "problem_followup_rectify", "department": "WJW"}]
    ]

    # --- the year in numbers.
    # From each service first (this test's own tasks), then from the oversight report, which covers
    # the whole county's year (other e2e tests share the stack: the departments only this year's tasks
    # use — WJW on catering, STHJ on hazardous chemicals — give exact figures).
    final = {
        key: food.get("results", "/v1/inspections", task_id=tid, limit=100)["items"] for key, (_, tid) in tasks.items()
    }
    drawn = {c: sum(1 for items in final.values() for i in items if entities[i["uscc"]][1] == c) for c in "ABCDU"}
    assert drawn == {c: CATERING_DRAWN[c][1] + HAZCHEM_DRAWN[c][1] for c in "ABCDU"}
    # each joint visit of k departments replaces k separate ones: k − 1 visits saved
    visits_saved = sum(len(i["departments"]) - 1 for items in final.values() for i in items if i["inspected_on"])
    assert visits_saved == 21 * 2
    on_time = sum(1 for items in final.values() for i in items if i["approved_at"] and not i["late"])
    assert on_time == 21
    assert all(i["state"] in ("approved", "published") for items in final.values() for i in items)
    for w, tid in tasks.values():
        history = [(h["from"], h["to"]) for h in w.get("planning", f"/v1/tasks/{tid}")["state_history"]]
        assert [t for _, t in history][-6:] == [
            "approved", "objects_drawn", "teams_assigned", "in_progress", "completed", "results_published"
        ]  # fmt: skip
    assert food_plan["id"] != chem_plan["id"]

    # --- the oversight report of the year, through the gateway (JSON and XLSX)
    report = food.get("audit", f"/v1/reports/{year}", headers=tokens.auditor)
    assert report["year"] == year and report["failing_replays"] == []
    only = {"WJW": 12, "STHJ": 9}  # inspections of the catering and the hazardous-chemicals task
    results_by = {r["department"]: r for r in report["results"]["by_department"]}
    published_by = {r["department"]: r for r in report["publications"]["by_department"]}
    burden_by = {r["department"]: r for r in report["burden"]["by_department"]}
    for dept, n in only.items():
        assert results_by[dept]["inspections"] == n and results_by[dept]["on_time"] == n, results_by[dept]
        assert published_by[dept]["published"] == n and published_by[dept]["rejected"] == 0
        assert burden_by[dept]["visits"] == n and burden_by[dept]["joint_visits"] == n
    assert report["burden"]["visits_saved"] >= visits_saved
    three = next(row for row in report["burden"]["by_size"] if row["departments"] == 3)
    assert three["visits"] >= 21 and three["visits_saved"] == three["visits"] * 2
    verdicts = {v["draw_id"]: v["verdict"] for v in report["replays"]["verdicts"]}
    assert {verdicts[d["id"]] for d in draws} == {"ok"}
    assert report["followups"]["county"]["closed"] >= 3
    xlsx = http.get(f"{urls['audit']}/v1/reports/{year}", params={"format": "xlsx"}, headers=tokens.auditor)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK", xlsx.text[:300]
