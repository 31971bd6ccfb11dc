"""Planning's year summary (issue 12, oversight reports): plans and item lists filed by 31 January, tasks
completed by 31 October — on a constructed year whose timestamps are set in planning's database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import text

from .conftest import create_item, create_plan, create_task, move, publish_plan, send_event

YEAR = 2025
CHINA = timezone(timedelta(hours=8))
SUMMARY = f"/v1/reports/{YEAR}/summary"


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA)


async def backdate(apps, sql: str, **params) -> None:
    async with apps["planning"].state.db.transaction() as s:
        await s.execute(text(sql), params)


async def completed(clients, tokens, task_id: str) -> None:
    """Drawn, staffed and visited (events from sampling and results), then every inspection approved."""
    for topic, payload, source in (
        ("task.objects_drawn", {"task_id": task_id, "draw_id": f"O-{task_id[:8]}"}, "sampling"),
        ("task.teams_assigned", {"task_id": task_id, "draw_id": f"T-{task_id[:8]}"}, "sampling"),
        ("task.inspection_started", {"task_id": task_id, "first_visit_on": f"{YEAR}-05-06"}, "results"),
        ("task.inspections_completed", {"task_id": task_id, "inspections": 3}, "results"),
    ):
        r = await send_event(clients, tokens, topic, payload, source=source)
        assert r.status_code == 200, r.text


async def test_the_year_summary_names_late_filings_and_late_tasks(clients, tokens, apps):
    admin = tokens.admin
    # Item lists: SWJ's item on the list since 2024; YJGL's added in March; XFJY's only next year; SCJG's
    # cancelled in 2024 (off the list).
    swj = await create_item(clients, admin, "SWJ", "SWJ-101", name="成品油零售经营资格检查")
    yjgl = await create_item(clients, admin, "YJGL", "YJGL-101", name="危险化学品安全管理检查")
    xfjy = await create_item(clients, admin, "XFJY", "XFJY-101", name="消防设施器材检查")
    scjg = await create_item(clients, admin, "SCJG", "SCJG-101", name="计量器具检查")
    r = await clients.planning.post(
        f"/v1/items/{scjg['id']}/cancel", json={"reason": "职责调整，取消该事项"}, headers=admin
    )
    assert r.status_code == 200, r.text
    r = await clients.planning.post(
        "/v1/checklists",
        json={
            "name": "加油站",
            "industry_codes": ["F5265"],
            "lead_department": "SWJ",
            "cooperating_departments": ["YJGL", "XFJY"],
            "items": [{"item_id": i["id"]} for i in (swj, yjgl, xfjy)],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    checklist = r.json()
    for item, when in ((swj, "2024-11-20"), (yjgl, f"{YEAR}-03-05"), (xfjy, f"{YEAR + 1}-01-05"), (scjg, "2023-05-01")):
        await backdate(apps, "UPDATE check_items SET created_at = :at WHERE id = :id", at=at(when), id=item["id"])
    await backdate(apps, "UPDATE check_items SET cancelled_at = :at WHERE id = :id", at=at("2024-06-01"), id=scjg["id"])
    # The checklist was made on the last day, late in the evening Beijing time (still on time).
    await backdate(
        apps,
        "UPDATE checklists SET created_at = :at WHERE id = :id",
        at=datetime(YEAR, 1, 31, 23, 30, tzinfo=CHINA),
        id=checklist["id"],
    )

    # Plans: SWJ's filed on 10 February (late); YJGL's on 20 January; XFJY's never filed.
    plans = {d: await create_plan(clients, admin, year=YEAR, lead=d) for d in ("SWJ", "YJGL", "XFJY")}
    await publish_plan(clients, admin, plans["SWJ"]["id"])
    await publish_plan(clients, admin, plans["YJGL"]["id"])
    await backdate(
        apps,
        "UPDATE plans SET filed_at = :at, filed_late = true WHERE id = :id",
        at=at(f"{YEAR}-02-10"),
        id=plans["SWJ"]["id"],
    )
    await backdate(
        apps,
        "UPDATE plans SET filed_at = :at, filed_late = false WHERE id = :id",
        at=at(f"{YEAR}-01-20"),
        id=plans["YJGL"]["id"],
    )

    # Tasks of SWJ's plan: completed on 20 October; completed on 5 November; approved, never completed;
    # cancelled.
    window = {"inspection_start": f"{YEAR}-04-01", "inspection_end": f"{YEAR}-09-30"}
    tasks = {}
    for key, name in (("on_time", "按期"), ("late", "逾期"), ("overdue", "未完成"), ("cancelled", "取消")):
        tasks[key] = await create_task(
            clients, admin, plans["SWJ"]["id"], checklist["id"], name=f"{YEAR}年加油站联合抽查（{name}）", **window
        )
    for key in ("on_time", "late", "overdue"):
        assert (await move(clients, admin, tasks[key]["id"], "approved")).status_code == 200
    assert (await move(clients, admin, tasks["cancelled"]["id"], "cancelled", "计划调整取消")).status_code == 200
    for key, day in (("on_time", f"{YEAR}-10-20"), ("late", f"{YEAR}-11-05")):
        await completed(clients, tokens, tasks[key]["id"])
        await backdate(
            apps,
            "UPDATE task_transitions SET at = :at WHERE task_id = :id AND to_state = 'completed'",
            at=at(day),
            id=tasks[key]["id"],
        )

    r = await clients.planning.get(SUMMARY, headers=tokens.auditor)
    assert r.status_code == 200, r.text
    got = r.json()
    today = china_today()
    assert got["year"] == YEAR and got["department"] is None and got["today"] == today.isoformat()
    assert (got["filing_deadline"], got["completion_deadline"]) == (f"{YEAR}-01-31", f"{YEAR}-10-31")

    plan_rows = {p["lead_department"]: p for p in got["plans"]}
    assert (plan_rows["SWJ"]["filing"], plan_rows["SWJ"]["days_late"]) == ("late", 10)
    assert (plan_rows["YJGL"]["filing"], plan_rows["YJGL"]["days_late"]) == ("on_time", 0)
    assert plan_rows["XFJY"]["filing"] == "unfiled_overdue"
    assert plan_rows["XFJY"]["days_late"] == (today - date(YEAR, 1, 31)).days
    assert plan_rows["SWJ"]["name"] == plans["SWJ"]["name"]

    assert got["item_lists"] == [
        {"department": "SWJ", "items": 1, "items_late": 0, "checklists": 1, "checklists_late": 0},
        {"department": "YJGL", "items": 1, "items_late": 1, "checklists": 0, "checklists_late": 0},
    ]
    assert got["late_entries_total"] == 1
    [late] = got["late_entries"]
    assert (late["kind"], late["department"], late["code"], late["name"]) == (
        "item",
        "YJGL",
        "YJGL-101",
        "危险化学品安全管理检查",
    )

    assert got["tasks_total"] == 4
    by_id = {t["id"]: t for t in got["tasks"]}
    assert (by_id[tasks["on_time"]["id"]]["completion"], by_id[tasks["on_time"]["id"]]["days_late"]) == ("on_time", 0)
    assert (by_id[tasks["late"]["id"]]["completion"], by_id[tasks["late"]["id"]]["days_late"]) == ("late", 5)
    overdue = by_id[tasks["overdue"]["id"]]
    assert overdue["completion"] == "overdue" and overdue["completed_at"] is None
    assert overdue["days_late"] == (today - date(YEAR, 10, 31)).days
    assert by_id[tasks["cancelled"]["id"]]["completion"] == "cancelled"
    assert by_id[tasks["late"]["id"]]["departments"] == ["SWJ", "YJGL", "XFJY"]

    # One department: what it leads or takes part in.
    mine = (await clients.planning.get(SUMMARY, params={"department": "YJGL"}, headers=tokens.service)).json()
    assert [p["lead_department"] for p in mine["plans"]] == ["YJGL"]
    assert [x["department"] for x in mine["item_lists"]] == ["YJGL"] and mine["late_entries_total"] == 1
    assert mine["tasks_total"] == 4  # YJGL cooperates on every SWJ task
    none = (await clients.planning.get(SUMMARY, params={"department": "SCJG"}, headers=admin)).json()
    assert none["plans"] == [] and none["item_lists"] == [] and none["tasks"] == [] and none["tasks_total"] == 0

    # Another year knows none of it.
    other = (await clients.planning.get(f"/v1/reports/{YEAR - 2}/summary", headers=admin)).json()
    assert other["plans"] == [] and other["tasks_total"] == 0
    assert [x["department"] for x in other["item_lists"]] == ["SCJG"]  # on 2023's list, cancelled in 2024


async def test_who_may_read_the_summary_and_its_bounds(clients, tokens):
    for headers in (tokens.officer("SWJ"), tokens.inspector):
        r = await clients.planning.get(SUMMARY, headers=headers)
        assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    assert (await clients.planning.get(SUMMARY)).status_code == 401
    for year in (1999, 2101, 10**12):
        r = await clients.planning.get(f"/v1/reports/{year}/summary", headers=tokens.admin)
        assert r.status_code == 422, (year, r.text)
    r = await clients.planning.get(SUMMARY, params={"department": "swj\x00"}, headers=tokens.admin)
    assert r.status_code == 422
    empty = (await clients.planning.get("/v1/reports/2000/summary", headers=tokens.admin)).json()
    assert empty["plans"] == [] and empty["item_lists"] == [] and empty["tasks_total"] == 0
