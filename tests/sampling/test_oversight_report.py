"""The oversight report (issue 12, item 4): sampling's year summary, and audit's ``GET /v1/reports/{year}``
assembled over REST from the real planning, results, sampling and registry apps (in process), on a
constructed 2025 — a late plan, a task completed late and one never completed, a late-approved inspection
whose publication GSXT rejected and whose follow-up case is overdue, a voided draw with its reason, and a
tampered draw whose failing replay heads the report — read back as JSON and as an XLSX workbook."""

from __future__ import annotations

import io
import json
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from openpyxl import load_workbook

from gsxt_emulator.main import EmulatorSettings
from gsxt_emulator.main import create_app as create_emulator
from jcdev.testing import TEST_JWT_SECRET, LiveServer, free_port
from jointcheck.clients import (
    GsxtTransport,
    PlanningClient,
    RegistryClient,
    ResultsClient,
    SamplingClient,
    planning_client,
    registry_client,
    results_client,
    sampling_client,
)
from jointcheck.outbox import OutboxDispatcher
from results.publications import service as publications

from .conftest import COOPERATING, DICE, LEAD, RULES, World, asyncpg_dsn, deliver_outbox

YEAR = 2025
CHINA = timezone(timedelta(hours=8))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REASON = "公证人员未到场，依规作废重抽"


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


async def deliver_from(
    conn: asyncpg.Connection, source: str, clients: Any, tokens: Any, destinations: set[str]
) -> None:
    """Deliver a service's pending outbox events to the given destinations' inboxes, in order (the test apps
    run no dispatcher)."""
    rows = await conn.fetch(
        "SELECT id, destination, topic, payload FROM outbox_events WHERE status = 'pending' ORDER BY seq"
    )
    for row in rows:
        if row["destination"] not in destinations:
            continue
        body = {"id": str(row["id"]), "source": source, "topic": row["topic"], "payload": json.loads(row["payload"])}
        r = await clients[row["destination"]].post("/internal/events", json=body, headers=tokens.service)
        assert r.status_code == 200, f"{row['topic']} → {row['destination']}: {r.text}"
        await conn.execute(
            "UPDATE outbox_events SET status = 'delivered', delivered_at = now() WHERE id = $1", row["id"]
        )


@pytest.fixture(scope="module")
def emulator() -> Iterator[LiveServer]:
    server = LiveServer(create_emulator(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET))).start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def gsxt(emulator, tokens) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.url, headers=tokens.service, timeout=30) as c:
        await c.post("/emulator/reset")
        yield c
        await c.post("/emulator/reset")


async def publish_refused(results: Any, gsxt: httpx.AsyncClient) -> None:
    """Results' pending GSXT records delivered through the outbox's GSXT transport and its outcome hook to
    the emulator, which refuses the next with a 422. Other destinations point at a closed port."""
    closed = f"http://127.0.0.1:{free_port()}"
    settings = results.state.settings.model_copy(
        update={"gsxt_url": str(gsxt.base_url).rstrip("/"), "http_retries": 0}
        | {f"{name}_url": closed for name in ("registry", "planning", "sampling", "audit")}
    )
    transport = GsxtTransport(settings, on_outcome=publications.on_outcome)
    dispatcher = OutboxDispatcher(settings=settings, db=results.state.db, transports={"gsxt": transport})
    assert (await gsxt.put("/emulator/faults", json={"fail_next": 1, "fail_status": 422})).status_code == 200
    for _ in range(3):
        await dispatcher.dispatch_once()


class Office:
    """The audit app with every callee (planning, results, sampling, registry) reached in process."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def report(self, headers: dict[str, str], **params: Any) -> httpx.Response:
        return await self.http.get(f"/v1/reports/{params.pop('year', YEAR)}", params=params, headers=headers)


@pytest_asyncio.fixture
async def office(apps, wiring) -> AsyncIterator[Office]:
    audit, results = apps["audit"], apps["results"]
    settings = audit.state.settings

    def to(app: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=60)

    overrides = {
        planning_client: lambda: PlanningClient(settings, http=to(apps["planning"])),
        results_client: lambda: ResultsClient(settings, http=to(results)),
        sampling_client: lambda: SamplingClient(settings, http=to(wiring.app)),
        registry_client: lambda: RegistryClient(settings, http=to(apps["registry"])),
    }
    audit.dependency_overrides.update(overrides)
    # Approval asks the registry for the entity's name.
    results.dependency_overrides[registry_client] = lambda: RegistryClient(
        results.state.settings, http=to(apps["registry"])
    )
    transport = httpx.ASGITransport(app=audit, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://audit.test", timeout=120) as http:
        yield Office(http)
    for dependency in overrides:
        audit.dependency_overrides.pop(dependency, None)
    results.dependency_overrides.pop(registry_client, None)


@pytest_asyncio.fixture
async def dbs(service_database_urls) -> AsyncIterator[dict[str, asyncpg.Connection]]:
    conns = {s: await asyncpg.connect(asyncpg_dsn(service_database_urls[s])) for s in ("planning", "sampling")}
    try:
        yield conns
    finally:
        for c in conns.values():
            await c.close()


async def year_tasks(world: World, n: int) -> list[dict]:
    """SWJ's 2025 plan (filed now: late) with ``n`` approved tasks over the world's entities."""
    t = world.tokens
    items = [
        await world.post(
            "planning",
            "/v1/items",
            {
                "department": d,
                "code": f"{d}-{world.short}",
                "name": f"{d}检查事项",
                "legal_basis": "相关法律法规",
                "methods": ["on_site"],
            },
            headers=t.officer(d),
        )
        for d in [LEAD, *COOPERATING]
    ]
    checklist = await world.post(
        "planning",
        "/v1/checklists",
        {
            "name": "加油站",
            "industry_codes": ["F5265"],
            "lead_department": LEAD,
            "cooperating_departments": COOPERATING,
            "items": [{"item_id": i["id"]} for i in items],
        },
        headers=t.officer(LEAD),
    )
    plan = await world.post(
        "planning", "/v1/plans", {"year": YEAR, "lead_department": LEAD, "name": f"{YEAR}年度商务局联合抽查计划"}
    )
    for to in ("filed", "published"):
        await world.post("planning", f"/v1/plans/{plan['id']}/transitions", {"to": to}, expect=200)
    tasks = []
    for k in range(n):
        task = await world.post(
            "planning",
            "/v1/tasks",
            {
                "plan_id": plan["id"],
                "checklist_id": checklist["id"],
                "name": f"{YEAR}年加油站联合抽查（第{k + 1}批）",
                "scope": {"industry_prefixes": ["F5265"], "tags": [world.tag]},
                "sampling_rules": RULES,
                "team_rules": {"team_size": 3, "max_load": 10},
                "inspection_start": f"{YEAR}-04-01",
                "inspection_end": f"{YEAR}-09-30",
            },
            headers=t.officer(LEAD),
        )
        await world.move(task["id"], "approved")
        tasks.append(task)
    return tasks


async def draw(sampling, tokens, task_id: str, kind: str = "objects", *, execute: bool = True) -> dict:
    r = await sampling.post(
        "/v1/draws",
        json={"task_id": task_id, "kind": kind, "entropy_source": "witness dice"},
        headers=tokens.officer(LEAD),
    )
    assert r.status_code == 201 and r.json()["status"] == "committed", r.text
    if not execute:
        return r.json()
    r = await sampling.post(f"/v1/draws/{r.json()['id']}/entropy", json={"entropy": DICE}, headers=tokens.officer(LEAD))
    assert r.status_code == 200 and r.json()["status"] == "executed", r.text
    return r.json()


async def test_sampling_summarises_the_years_draws_with_void_reasons(sampling, world: World, tokens, clients):
    await world.entities("AABCDU")
    await world.inspectors(1)
    [task] = await year_tasks(world, 1)
    first = await draw(sampling, tokens, task["id"], execute=False)
    r = await sampling.post(f"/v1/draws/{first['id']}/void", json={"reason": REASON}, headers=tokens.officer(LEAD))
    assert r.status_code == 200, r.text
    second = await draw(sampling, tokens, task["id"])

    r = await sampling.get(f"/v1/reports/{YEAR}/summary", headers=tokens.auditor)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["counts"] == [
        {"kind": "objects", "status": "executed", "draws": 1},
        {"kind": "objects", "status": "voided", "draws": 1},
    ]
    assert got["draws_total"] == 2 and [d["id"] for d in got["draws"]] == [first["id"], second["id"]]
    voided = got["draws"][0]
    assert (voided["status"], voided["void_reason"], voided["lead_department"]) == ("voided", REASON, LEAD)
    assert voided["voided_at"] and voided["voided_by"] and voided["departments"] == [LEAD, *COOPERATING]
    assert "secret" not in r.text and "inputs" not in r.text
    # The window's year decides: 2024 and 2026 have none; a department taking no part has none.
    for year in (YEAR - 1, YEAR + 1):
        assert (await sampling.get(f"/v1/reports/{year}/summary", headers=tokens.admin)).json()["draws_total"] == 0
    mine = (
        await sampling.get(f"/v1/reports/{YEAR}/summary", params={"department": "XFJY"}, headers=tokens.service)
    ).json()
    assert mine["draws_total"] == 2
    other = (
        await sampling.get(f"/v1/reports/{YEAR}/summary", params={"department": "SCJG"}, headers=tokens.admin)
    ).json()
    assert other["draws_total"] == 0 and other["draws"] == []
    for headers in (tokens.officer(LEAD), tokens.inspector):
        assert (await sampling.get(f"/v1/reports/{YEAR}/summary", headers=headers)).status_code == 403
    assert (await sampling.get("/v1/reports/2101/summary", headers=tokens.admin)).status_code == 422


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def pack(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 3)


async def test_the_oversight_report_of_a_constructed_year(
    sampling, office, world: World, tokens, clients, dbs, apps, gsxt
):
    await world.entities("AAAABBBCCDDU")
    await world.inspectors(2)
    a, b = await year_tasks(world, 2)
    await deliver_from(dbs["planning"], "planning", clients, tokens, {"results"})  # task.approved, pinned items

    # Task A: objects and teams drawn; every drawn entity gets a team of three departments.
    a_objects = await draw(sampling, tokens, a["id"])
    await deliver_outbox(dbs["sampling"], clients, tokens)
    a_teams = await draw(sampling, tokens, a["id"], "teams")
    # Task B: the first objects draw voided before its entropy (with the reason); the second executed.
    b_void = await draw(sampling, tokens, b["id"], execute=False)
    r = await sampling.post(f"/v1/draws/{b_void['id']}/void", json={"reason": REASON}, headers=tokens.officer(LEAD))
    assert r.status_code == 200, r.text
    b_objects = await draw(sampling, tokens, b["id"])
    await deliver_outbox(dbs["sampling"], clients, tokens)

    # The witness replays A's draws (OK); then B's stored result is altered and its replay fails.
    for d in (a_objects, a_teams):
        r = await office.http.post("/v1/replays", json={"draw_id": d["id"]}, headers=tokens.auditor)
        assert r.status_code == 201 and r.json()["ok"] is True, r.text
    blob = await dbs["sampling"].fetchval("SELECT result_gz FROM draws WHERE id = $1", uuid.UUID(b_objects["id"]))
    result = unpack(blob)
    result["selected"].pop(0)
    await dbs["sampling"].execute(
        "UPDATE draws SET result_gz = $2 WHERE id = $1", uuid.UUID(b_objects["id"]), pack(result)
    )
    r = await office.http.post("/v1/replays", json={"draw_id": b_objects["id"]}, headers=tokens.auditor)
    assert r.status_code == 201 and r.json()["failed_check"] == "result", r.text

    # Results: one of A's inspections visited on 1 July and approved today (late), its YJGL item
    # non-compliant (a follow-up case, then given a deadline long past); GSXT rejects its record.
    rc = clients.results
    inspections = (await rc.get("/v1/inspections", params={"task_id": a["id"]}, headers=tokens.admin)).json()["items"]
    assert inspections and all(i["state"] == "assigned" and len(i["team"]) == 3 for i in inspections)
    one = inspections[0]
    findings = [
        {
            "position": i["position"],
            "method": "on_site",
            "outcome": "non_compliant" if i["department"] == "YJGL" else "compliant",
        }
        for i in one["items"]
    ]
    for method, path, body in (
        ("PUT", "findings", {"findings": findings}),
        ("POST", "visit", {"inspected_on": f"{YEAR}-07-01"}),
        ("POST", "submit", {"categories": [{"code": "problem_followup_rectify", "department": "YJGL"}]}),
        ("POST", "review", {"decision": "approve"}),
    ):
        r = await rc.request(method, f"/v1/inspections/{one['id']}/{path}", json=body, headers=tokens.admin)
        assert r.status_code == 200, (path, r.text)
    assert r.json()["late"] is True
    await publish_refused(apps["results"], gsxt)
    [pub] = (await rc.get("/v1/publications", headers=tokens.admin)).json()["items"]
    assert pub["status"] == "rejected"
    [case] = (await rc.get("/v1/followups", headers=tokens.admin)).json()["items"]
    r = await rc.put(f"/v1/followups/{case['id']}/deadline", json={"rectify_by": f"{YEAR}-09-01"}, headers=tokens.admin)
    assert r.status_code == 200, r.text
    # Planning hears A's first visit and its completion today: after 31 October, so late. B never completes.
    for topic, payload in (
        ("task.inspection_started", {"task_id": a["id"], "first_visit_on": f"{YEAR}-07-01"}),
        ("task.inspections_completed", {"task_id": a["id"], "inspections": len(inspections)}),
    ):
        body = {"id": str(uuid.uuid4()), "source": "results", "topic": topic, "payload": payload}
        r = await clients.planning.post("/internal/events", json=body, headers=tokens.service)
        assert r.status_code == 200, r.text

    b_inspections = (await rc.get("/v1/inspections", params={"task_id": b["id"]}, headers=tokens.admin)).json()
    b_inspections = b_inspections["items"]
    assert b_inspections and all(i["state"] == "awaiting_team" for i in b_inspections)

    r = await office.report(tokens.auditor)
    assert r.status_code == 200, r.text
    report = r.json()
    today = china_today()
    # A failing verdict heads the report: first field after the header, first row of the verdicts.
    keys = list(report)
    assert keys.index("failing_replays") < keys.index("departments") < keys.index("filings")
    [failing] = report["failing_replays"]
    assert (failing["draw_id"], failing["verdict"], failing["failed_check"]) == (b_objects["id"], "failed", "result")
    assert failing["replays"] == 1 and failing["failures"] == 1 and failing["task_id"] == b["id"]
    verdicts = report["replays"]["verdicts"]
    assert [v["verdict"] for v in verdicts] == ["failed", "ok", "ok"]
    assert {v["draw_id"] for v in verdicts[1:]} == {a_objects["id"], a_teams["id"]}
    assert (report["replays"]["failed"], report["replays"]["ok"], report["replays"]["not_replayed"]) == (1, 2, 0)

    assert report["year"] == YEAR and report["department"] is None and report["today"] == today.isoformat()
    assert report["deadlines"] == {
        "filing": f"{YEAR}-01-31",
        "completion": f"{YEAR}-10-31",
        "results_working_days": 20,
        "review": f"{YEAR}-12-31",
    }
    # Filed today for 2025: late, named, with its days.
    [plan] = report["filings"]["plans"]
    assert plan["filing"] == "late" and plan["days_late"] == (today - date(YEAR, 1, 31)).days
    assert (report["filings"]["late"], report["filings"]["on_time"]) == (1, 0)
    # A completed today (late); B never completed (overdue): both named, the overdue first.
    tasks = report["tasks"]
    assert (tasks["late"], tasks["overdue"], tasks["on_time"], tasks["tasks_total"]) == (1, 1, 0, 2)
    assert [(t["id"], t["completion"]) for t in tasks["tasks"]] == [(b["id"], "overdue"), (a["id"], "late")]
    assert tasks["tasks"][1]["days_late"] == (today - date(YEAR, 10, 31)).days
    # Results: the one approved late; every other drawn entity of A and B still missing past the due date.
    res = report["results"]
    assert res["county"]["inspections"] == len(inspections) + len(b_inspections)
    assert res["county"]["late"] == 1 and res["county"]["on_time"] == 0 and res["county"]["open"] == 0
    assert (
        res["county"]["overdue"] == res["county"]["inspections"] - 1
        and res["late_total"] == res["county"]["inspections"]
    )
    assert res["late"][0]["timeliness"] in ("late", "overdue")
    assert [x["uscc"] for x in res["late"] if x["timeliness"] == "late"] == [one["uscc"]]
    assert {d["department"] for d in res["by_department"]} == {LEAD, *COOPERATING}
    # Publication: the one record, rejected. Follow-up: the case, open past its deadline, named.
    assert report["publications"]["county"] == {"total": 1, "pending": 0, "published": 0, "rejected": 1, "dead": 0}
    assert report["followups"]["county"] == {"open": 1, "closed": 0, "overdue": 1}
    assert [(c["uscc"], c["department"]) for c in report["followups"]["overdue"]] == [(one["uscc"], "YJGL")]
    # The voided draw, with its reason.
    assert report["draws"]["voided_total"] == 1 and report["draws"]["total"] == 4
    [voided] = report["draws"]["voided"]
    assert (voided["id"], voided["void_reason"]) == (b_void["id"], REASON)
    # Burden: one visit by a team of three departments stands for three separate visits: two saved.
    burden = report["burden"]
    assert (burden["entities"], burden["visits"], burden["department_visits"], burden["visits_saved"]) == (1, 1, 3, 2)
    assert burden["distribution"] == [{"inspections": 1, "entities": 1}]
    # Every member unit has a row (the registry's departments, named); SWJ's figures.
    rows = {d["department"]: d for d in report["departments"]}
    assert {LEAD, *COOPERATING, "SCJG"} <= set(rows) and rows[LEAD]["name"]
    swj = rows[LEAD]
    assert (swj["plan"], swj["tasks"], swj["tasks_late"], swj["tasks_overdue"]) == ("late", 2, 1, 1)
    assert (swj["results_late"], swj["publications_rejected"], swj["draws_voided"], swj["replays_failed"]) == (
        1,
        1,
        1,
        1,
    )
    assert (swj["visits"], swj["joint_visits"]) == (1, 1)
    assert rows["YJGL"]["followups_overdue"] == 1 and rows["SCJG"]["tasks"] == 0 and rows["SCJG"]["plan"] is None

    # The workbook: the summary first (the failing verdict on its first rows), one sheet per section.
    r = await office.report(tokens.admin, format="xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX, r.text[:300]
    assert (
        "filename*=UTF-8''" in r.headers["content-disposition"]
        and f"oversight-report-{YEAR}" in r.headers["content-disposition"]
    )
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [
        "县汇总",
        "各部门",
        "抽取复核",
        "计划报备",
        "事项清单",
        "逾期新增事项",
        "任务完成",
        "结果录入",
        "逾期结果",
        "结果公示",
        "后续处置",
        "逾期处置",
        "作废抽取",
        "检查负担",
        "联合检查",
    ]
    summary = list(wb["县汇总"].iter_rows(values_only=True))
    assert summary[0] == ("项目", "数值", "说明")
    assert summary[1][:2] == ("抽取复核未通过", 1)
    assert b_objects["id"] in summary[2][0] and "result" in summary[2][2] and b["id"] in summary[2][2]
    figures = {row[0]: row[1] for row in summary[1:]}
    assert figures["逾期报备"] == 1 and figures["逾期完成"] == 1 and figures["逾期未完成"] == 1
    assert figures["逾期录入"] == 1 and figures["被公示系统拒绝"] == 1 and figures["逾期未整改"] == 1
    assert figures["作废抽取"] == 1 and figures["联合检查减少入户次数"] == 2 and figures["报告年度"] == YEAR
    replays = list(wb["抽取复核"].iter_rows(values_only=True))
    assert replays[0][:3] == ("复核结论", "首个未通过检查", "说明")
    assert replays[1][0] == "未通过" and replays[1][1] == "抽取结果可复算" and replays[1][3] == b_objects["id"]
    assert [row[0] for row in replays[2:]] == ["通过", "通过"]
    voided_rows = list(wb["作废抽取"].iter_rows(values_only=True))
    assert (
        voided_rows[0][:2] == ("抽取编号", "抽取类型")
        and voided_rows[1][4] == REASON
        and voided_rows[1][1] == "检查对象"
    )
    plans = list(wb["计划报备"].iter_rows(values_only=True))
    assert plans[1][4] == "逾期报备" and plans[1][6] == (today - date(YEAR, 1, 31)).days
    published = {row[0]: row for row in wb["结果公示"].iter_rows(values_only=True)}
    assert published["部门代码"][2:] == ("公示记录", "待公示", "已公示", "被拒绝", "公示失败")
    assert published["合计"][5] == 1
    joint = list(wb["联合检查"].iter_rows(values_only=True))
    assert joint == [("参与部门数", "检查次数", "减少入户次数"), (3, 1, 2), ("合计", 1, 2)]
    tasks_sheet = list(wb["任务完成"].iter_rows(values_only=True))
    assert tasks_sheet[1][6] == "逾期未完成" and tasks_sheet[2][6] == "逾期完成"
    assert isinstance(tasks_sheet[2][7], datetime)  # typed, China time
    # The Accept header asks for the same workbook.
    r = await office.report(tokens.auditor | {"Accept": XLSX})
    assert (
        r.status_code == 200
        and r.headers["content-type"] == XLSX
        and load_workbook(io.BytesIO(r.content)).sheetnames[0] == "县汇总"
    )

    # An officer reads their own department's section only.
    mine = await office.report(tokens.officer("XFJY"))
    assert mine.status_code == 200, mine.text
    x = mine.json()
    assert x["department"] == "XFJY" and [d["department"] for d in x["departments"]] == ["XFJY"]
    assert x["filings"]["plans"] == [] and x["tasks"]["tasks_total"] == 2  # XFJY cooperates on both tasks
    # XFJY was on the team: the rejected record is its too; the follow-up case is YJGL's, not its.
    assert x["publications"]["county"]["rejected"] == 1 and x["followups"]["county"]["open"] == 0
    assert [v["draw_id"] for v in x["failing_replays"]] == [b_objects["id"]]
    assert (await office.report(tokens.officer("XFJY"), department="XFJY")).status_code == 200
    r = await office.report(tokens.officer("XFJY"), department=LEAD)
    assert r.status_code == 403 and r.json()["code"] == "department_scope"
    sheet = load_workbook(io.BytesIO((await office.report(tokens.officer("XFJY"), format="xlsx")).content))
    assert sheet.sheetnames[0] == "部门汇总"
    # Admins may ask for any department's section.
    assert (await office.report(tokens.admin, department="YJGL")).json()["followups"]["county"]["overdue"] == 1


async def test_the_report_refuses_what_it_cannot_answer(office, tokens):
    for year in (1999, 2101, 99999999999):
        r = await office.report(tokens.admin, year=year)
        assert r.status_code == 422, (year, r.text)
    assert (await office.report(tokens.admin, format="pdf")).status_code == 422
    assert (await office.report(tokens.admin, department="not a code")).status_code == 422
    r = await office.report(tokens.inspector)
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    # An empty year: every section empty, nothing failing.
    r = await office.report(tokens.auditor, year=2000)
    assert r.status_code == 200, r.text
    empty = r.json()
    assert (
        empty["failing_replays"] == [] and empty["replays"]["verdicts"] == [] and empty["burden"]["visits_saved"] == 0
    )
