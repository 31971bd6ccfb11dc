"""Results' year summary (issue 12, oversight reports): results within 20 working days per department, the
publication records by status, follow-up cases open / closed / overdue, and the inspection burden with the
department visits the joint mode saved — on a constructed 2025 built through the service's own events and
routes (one approval time set back as it would have happened), its records published through the outbox's
GSXT transport to the emulator, which refuses one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from gsxt_emulator.main import EmulatorSettings
from gsxt_emulator.main import create_app as create_emulator
from jcdev.testing import TEST_JWT_SECRET, LiveServer, free_port
from jointcheck.clients import GsxtTransport
from jointcheck.outbox import OutboxDispatcher
from results.publications import service as publications

from .conftest import ITEMS, approved_payload, member, send_from, uscc

YEAR = 2025
CHINA = timezone(timedelta(hours=8))
SUMMARY = f"/v1/reports/{YEAR}/summary"
TA, TB, TC = (str(uuid.uuid4()) for _ in range(3))
FOLLOWUP = {"categories": [{"code": "problem_followup_rectify", "department": "YJGL"}]}


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


async def publish(app: Any, gsxt: httpx.AsyncClient, *, refuse: bool) -> None:
    """Deliver results' pending GSXT records through the outbox's GSXT transport (and its outcome hook) to
    the emulator — which refuses the next one with a 422 when ``refuse``. The other destinations point at a
    closed port (their events wait; the test apps run no dispatcher of their own)."""
    closed = f"http://127.0.0.1:{free_port()}"
    settings = app.state.settings.model_copy(
        update={"gsxt_url": str(gsxt.base_url).rstrip("/"), "http_retries": 0}
        | {f"{name}_url": closed for name in ("registry", "planning", "sampling", "audit")}
    )
    transport = GsxtTransport(settings, on_outcome=publications.on_outcome)
    dispatcher = OutboxDispatcher(settings=settings, db=app.state.db, transports={"gsxt": transport})
    if refuse:
        assert (await gsxt.put("/emulator/faults", json={"fail_next": 1, "fail_status": 422})).status_code == 200
    for _ in range(5):
        await dispatcher.dispatch_once()


def team(task: str, draw: str, entity: str, inspectors: list[str], departments: list[str]) -> dict:
    return {
        "task_id": task,
        "draw_id": draw,
        "departments": departments,
        "team_departments": sorted({i.split("-")[0] for i in inspectors}, key=departments.index),
        "lead_department": "SWJ",
        "teams": [{"entity": entity, "inspectors": inspectors, "members": [member(i) for i in inspectors]}],
    }


async def approve(rc, tokens, inspection_id: str, *, visited: str) -> None:
    """The whole loop for one inspection: a compliant SWJ item, a non-compliant YJGL item (a follow-up
    case), the visit, submission, approval by the lead department."""
    findings = [
        {"position": 1, "outcome": "compliant", "method": "on_site"},
        {"position": 2, "outcome": "non_compliant", "method": "on_site", "notes": "安全出口堵塞"},
    ]
    for path, body in (
        ("findings", {"findings": findings}),
        ("visit", {"inspected_on": visited}),
        ("submit", FOLLOWUP),
        ("review", {"decision": "approve"}),
    ):
        method = rc.put if path == "findings" else rc.post
        r = await method(f"/v1/inspections/{inspection_id}/{path}", json=body, headers=tokens.admin)
        assert r.status_code == 200, (path, r.text)


async def visit(rc, tokens, inspection_id: str, day: str) -> None:
    r = await rc.post(f"/v1/inspections/{inspection_id}/visit", json={"inspected_on": day}, headers=tokens.admin)
    assert r.status_code == 200, r.text


async def by_task_and_entity(rc, tokens) -> dict[tuple[str, str], str]:
    r = await rc.get("/v1/inspections", params={"limit": 100}, headers=tokens.admin)
    return {(i["task_id"], i["uscc"]): i["id"] for i in r.json()["items"]}


async def test_the_year_summary_counts_results_publications_followups_and_burden(clients, tokens, results_app, gsxt):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=results_app), base_url="http://r.test") as rc:
        clients.results = rc
        for n in (1, 2, 3, 4, 5):  # approval names the entity from the registry
            r = await clients.registry.post(
                "/v1/entities",
                json={
                    "uscc": uscc(n),
                    "name": f"信阳市新县第{n}加油站",
                    "entity_type": "enterprise",
                    "industry_code": "F5265",
                    "division_code": "411523",
                    "address": "新县",
                    "status": "active",
                },
                headers=tokens.admin,
            )
            assert r.status_code == 201, r.text
        # TA (2025): SWJ and YJGL; TB (2025): all three, with a three-department team; TC: a 2024 task.
        for task, year, departments in (
            (TA, YEAR, ["SWJ", "YJGL"]),
            (TB, YEAR, ["SWJ", "YJGL", "XFJY"]),
            (TC, YEAR - 1, ["SWJ", "YJGL"]),
        ):
            payload = approved_payload(task) | {"plan_year": year, "departments": departments}
            if year != YEAR:
                payload |= {"inspection_start": f"{year}-04-01", "inspection_end": f"{year}-09-26"}
            await send_from(clients, tokens, "planning", "task.approved", payload)
        for n in (1, 2, 3):
            await send_from(
                clients,
                tokens,
                "sampling",
                "inspections.create",
                team(TA, "DA", uscc(n), ["SWJ-1", "YJGL-1"], ["SWJ", "YJGL"]),
            )
        three = ["SWJ", "YJGL", "XFJY"]
        await send_from(
            clients,
            tokens,
            "sampling",
            "inspections.create",
            team(TB, "DB", uscc(1), ["SWJ-2", "YJGL-2", "XFJY-2"], three),
        )
        await send_from(
            clients,
            tokens,
            "sampling",
            "inspections.drawn",
            {"task_id": TB, "draw_id": "OB", "entities": [uscc(4)], "lead_department": "SWJ", "departments": three},
        )
        await send_from(
            clients,
            tokens,
            "sampling",
            "inspections.create",
            team(TC, "DC", uscc(5), ["SWJ-1", "YJGL-1"], ["SWJ", "YJGL"]),
        )
        ids = await by_task_and_entity(rc, tokens)

        # TA: uscc(1) approved today (late: due 2025-10-30); uscc(2) approved on 20 October (on time);
        # uscc(3) visited, never submitted (overdue). TB: uscc(1) visited again (its second inspection of the
        # year), uscc(4) still awaiting a team (overdue). TC: visited in 2024.
        await approve(rc, tokens, ids[(TA, uscc(1))], visited=f"{YEAR}-07-01")
        await publish(results_app, gsxt, refuse=True)  # GSXT refuses uscc(1)'s record
        await approve(rc, tokens, ids[(TA, uscc(2))], visited=f"{YEAR}-07-02")
        await publish(results_app, gsxt, refuse=False)  # and publishes uscc(2)'s
        await visit(rc, tokens, ids[(TA, uscc(3))], f"{YEAR}-07-03")
        await visit(rc, tokens, ids[(TB, uscc(1))], f"{YEAR}-08-15")
        await approve(rc, tokens, ids[(TC, uscc(5))], visited=f"{YEAR - 1}-06-01")
        db = results_app.state.db
        async with db.transaction() as s:
            await s.execute(
                text("UPDATE inspections SET approved_at = :at, late = false WHERE id = :id"),
                {"at": datetime(YEAR, 10, 20, 16, tzinfo=CHINA), "id": ids[(TA, uscc(2))]},
            )
        pubs = {
            p["uscc"]: p
            for p in (await rc.get("/v1/publications", params={"task_id": TA}, headers=tokens.admin)).json()["items"]
        }
        assert (pubs[uscc(1)]["status"], pubs[uscc(2)]["status"]) == ("rejected", "published")
        counts = (await gsxt.get("/emulator/counts")).json()
        assert counts["accepted"] == 1 and counts["faulted"] == 1
        # Follow-up: uscc(1)'s case past its deadline, uscc(2)'s closed.
        cases = {
            c["uscc"]: c
            for c in (await rc.get("/v1/followups", params={"task_id": TA}, headers=tokens.admin)).json()["items"]
        }
        r = await rc.put(
            f"/v1/followups/{cases[uscc(1)]['id']}/deadline",
            json={"rectify_by": f"{YEAR}-08-01"},
            headers=tokens.officer("YJGL"),
        )
        assert r.status_code == 200, r.text
        r = await rc.post(
            f"/v1/followups/{cases[uscc(2)]['id']}/close",
            json={"outcome": "rectified", "note": "复查已整改"},
            headers=tokens.officer("YJGL"),
        )
        assert r.status_code == 200, r.text

        r = await rc.get(SUMMARY, headers=tokens.auditor)
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["results"] == {
            "inspections": 5,
            "on_time": 1,
            "late": 1,
            "overdue": 3,
            "open": 0,
            "due_unknown": 0,
        }
        per = {x["department"]: x for x in got["results_by_department"]}
        assert sorted(per) == ["SWJ", "XFJY", "YJGL"]
        assert (per["SWJ"]["inspections"], per["SWJ"]["on_time"], per["SWJ"]["late"], per["SWJ"]["overdue"]) == (
            5,
            1,
            1,
            3,
        )
        assert (per["XFJY"]["inspections"], per["XFJY"]["overdue"], per["XFJY"]["on_time"]) == (2, 2, 0)
        assert got["late_inspections_total"] == 4
        named = {(i["task_id"], i["uscc"]): i for i in got["late_inspections"]}
        assert set(named) == {(TA, uscc(1)), (TA, uscc(3)), (TB, uscc(1)), (TB, uscc(4))}
        late = named[(TA, uscc(1))]
        assert late["timeliness"] == "late" and late["due_on"] == f"{YEAR}-10-30" and late["approved_on"]
        assert named[(TB, uscc(4))]["timeliness"] == "overdue" and named[(TB, uscc(4))]["state"] == "awaiting_team"

        assert got["publications"] == {"total": 2, "pending": 0, "published": 1, "rejected": 1, "dead": 0}
        pub = {x["department"]: x for x in got["publications_by_department"]}
        assert sorted(pub) == ["SWJ", "YJGL"] and pub["YJGL"]["rejected"] == 1 and pub["SWJ"]["published"] == 1

        assert got["followups"] == {"open": 1, "closed": 1, "overdue": 1}
        assert got["followups_by_department"] == [{"department": "YJGL", "open": 1, "closed": 1, "overdue": 1}]
        [case] = got["overdue_followups"]
        assert (case["uscc"], case["department"], case["rectify_by"], case["item_name"]) == (
            uscc(1),
            "YJGL",
            f"{YEAR}-08-01",
            ITEMS[1]["name"],
        )

        # Burden of 2025 (by the day of the visit): uscc(1) twice, uscc(2) and uscc(3) once. Three visits by
        # two departments save one each, one by three departments saves two: 4 visits stand for 9.
        b = got["burden"]
        assert b["distribution"] == [{"inspections": 1, "entities": 2}, {"inspections": 2, "entities": 1}]
        assert (b["entities"], b["visits"], b["department_visits"], b["visits_saved"]) == (3, 4, 9, 5)
        assert b["by_size"] == [
            {"departments": 2, "visits": 3, "visits_saved": 3},
            {"departments": 3, "visits": 1, "visits_saved": 2},
        ]
        assert b["by_department"] == [
            {"department": "SWJ", "visits": 4, "joint_visits": 4},
            {"department": "XFJY", "visits": 1, "joint_visits": 1},
            {"department": "YJGL", "visits": 4, "joint_visits": 4},
        ]

        # XFJY's part: TB's two inspections, no publication or case of its own, the one three-department visit.
        x = (await rc.get(SUMMARY, params={"department": "XFJY"}, headers=tokens.service)).json()
        assert x["department"] == "XFJY"
        assert (x["results"]["inspections"], x["results"]["overdue"]) == (2, 2)
        assert [d["department"] for d in x["results_by_department"]] == ["XFJY"]
        assert x["publications"]["total"] == 0 and x["followups"] == {"open": 0, "closed": 0, "overdue": 0}
        assert (x["burden"]["visits"], x["burden"]["visits_saved"], x["burden"]["department_visits"]) == (1, 2, 3)
        assert x["burden"]["by_department"] == [{"department": "XFJY", "visits": 1, "joint_visits": 1}]

        # 2024: TC's inspection approved today (late), visited in 2024.
        old = (await rc.get(f"/v1/reports/{YEAR - 1}/summary", headers=tokens.admin)).json()
        assert (old["results"]["inspections"], old["results"]["late"]) == (1, 1)
        assert old["burden"]["distribution"] == [{"inspections": 1, "entities": 1}]
        assert old["publications"]["pending"] == 1


async def test_who_may_read_the_summary_and_its_bounds(clients, tokens):
    for headers in (tokens.officer("SWJ"), tokens.inspector):
        assert (await clients.results.get(SUMMARY, headers=headers)).status_code == 403
    for year in (1999, 2101, -1):
        assert (await clients.results.get(f"/v1/reports/{year}/summary", headers=tokens.admin)).status_code == 422
    assert (
        await clients.results.get(SUMMARY, params={"department": "x" * 40}, headers=tokens.admin)
    ).status_code == 422
    empty = (await clients.results.get(SUMMARY, headers=tokens.admin)).json()
    assert empty["results"]["inspections"] == 0 and empty["burden"]["visits_saved"] == 0
    assert empty["burden"]["distribution"] == [] and empty["publications"]["total"] == 0
