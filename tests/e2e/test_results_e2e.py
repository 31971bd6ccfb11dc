"""Issue 11 end to end, every service a real process over HTTP: a task from its teams draw through
findings by each department, review (one return, then approval), publication to the GSXT emulator
while it fails for a while, and a follow-up case to closure. The emulator's counts prove every record
arrived exactly once; planning follows along (in_progress → completed → results_published)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from .conftest import eventually
from .world import World

ALL = {c: {"ratio": "1"} for c in "ABCDU"}
CHINA = timezone(timedelta(hours=8))


def _today() -> str:
    return datetime.now(UTC).astimezone(CHINA).date().isoformat()


def _state(w: World, task_id: str) -> str:
    return w.get("planning", f"/v1/tasks/{task_id}")["state"]


def test_a_task_from_teams_to_publication_exactly_once_and_follow_up(stack, http, urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    entities = w.entities("AAB")
    w.inspectors(2)
    year = int(_today()[:4])
    task = w.task(rules=ALL, year=year, window=(f"{year}-01-02", f"{year}-12-31"))
    tid = task["id"]
    # The due date falls in a year the calendar package may not know: named, then loaded by an operator.
    due = eventually(
        lambda: (
            (r := http.get(f"{urls['results']}/v1/tasks/{tid}/results", headers=tokens.admin)).status_code in (200, 409)
            and r
        )
    )
    if due.status_code == 409:
        assert due.json()["code"] == "unknown_calendar_year"
        unknown = due.json()["year"]
        loaded = http.post(
            f"{urls['results']}/v1/calendars/{unknown}",
            json={"days_off": [f"{unknown}-01-01"], "makeup_workdays": [], "source": "e2e: 元旦", "replace": True},
            headers=tokens.admin,
        )
        assert loaded.status_code in (200, 201), loaded.text
    assert w.get("results", f"/v1/tasks/{tid}/results")["due_on"] > f"{year}-12-31"

    w.draw(tid)
    filed = eventually(lambda: len(w.get("results", "/v1/inspections", task_id=tid)["items"]) == 3)
    assert filed
    w.draw(tid, kind="teams")
    assigned = eventually(
        lambda: (
            (items := w.get("results", "/v1/inspections", task_id=tid, state="assigned")["items"])
            and len(items) == 3
            and items
        )
    )
    by_uscc = {i["uscc"]: i for i in assigned}
    assert set(by_uscc) == set(entities)
    for i in assigned:
        assert {m["department"] for m in i["team"]} == {w.lead, *w.cooperating} and len(i["items"]) == 3

    def as_member(inspection: dict, department: str) -> dict:
        member = next(m for m in inspection["team"] if m["department"] == department)
        return tokens.header("inspector", subject=member["inspector"])

    bad = entities[0]
    for uscc, inspection in by_uscc.items():
        url = f"{urls['results']}/v1/inspections/{inspection['id']}"
        for item in inspection["items"]:
            outcome = "non_compliant" if uscc == bad and item["department"] == "XFJY" else "compliant"
            body = {"findings": [{"position": item["position"], "outcome": outcome, "method": "on_site"}]}
            r = http.put(url + "/findings", json=body, headers=as_member(inspection, item["department"]))
            assert r.status_code == 200, r.text
        lead_member = as_member(inspection, w.lead)
        assert http.post(url + "/visit", json={"inspected_on": _today()}, headers=lead_member).status_code == 200
        categories = (
            [{"code": "problem_followup_rectify", "department": "XFJY"}] if uscc == bad else [{"code": "no_problem"}]
        )
        r = http.post(url + "/submit", json={"categories": categories, "follow_up_measure": ""}, headers=lead_member)
        assert r.status_code == 200, r.text
    eventually(lambda: _state(w, tid) == "in_progress")

    # Review: one returned with a reason, corrected, resubmitted.
    first = by_uscc[bad]
    first_url = f"{urls['results']}/v1/inspections/{first['id']}"
    lead_officer = tokens.officer(w.lead)
    r = http.post(first_url + "/review", json={"decision": "return", "reason": "请补充整改措施"}, headers=lead_officer)
    assert r.status_code == 200 and r.json()["state"] == "returned"
    r = http.post(
        first_url + "/submit",
        json={
            "categories": [{"code": "problem_followup_rectify", "department": "XFJY"}],
            "follow_up_measure": "责令限期整改",
        },
        headers=as_member(first, w.lead),
    )
    assert r.status_code == 200, r.text

    # GSXT down for a while: approvals queue their records, which wait and then arrive once.
    gsxt = urls["gsxt"]
    assert http.post(f"{gsxt}/emulator/reset", headers=tokens.admin).status_code == 204
    assert http.put(f"{gsxt}/emulator/faults", json={"fail_for_seconds": 3}, headers=tokens.admin).status_code == 200
    for inspection in by_uscc.values():
        r = http.post(
            f"{urls['results']}/v1/inspections/{inspection['id']}/review",
            json={"decision": "approve"},
            headers=lead_officer,
        )
        assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    eventually(lambda: _state(w, tid) in ("completed", "results_published"))
    waited = eventually(
        lambda: [p for p in w.get("results", "/v1/publications", task_id=tid)["items"] if p["last_error"]], timeout=10
    )
    assert waited  # the outage was seen (and recorded on the record)
    published = eventually(
        lambda: (
            (items := w.get("results", "/v1/publications", task_id=tid)["items"])
            and all(p["status"] == "published" for p in items)
            and items
        ),
        timeout=60,
    )
    assert len(published) == 3
    counts = http.get(f"{gsxt}/emulator/counts", headers=tokens.admin).json()
    assert counts["accepted"] == 3
    assert {p["id"]: counts["records"][p["id"]]["accepted"] for p in published} == {p["id"]: 1 for p in published}
    assert counts["faulted"] >= 1
    eventually(lambda: _state(w, tid) == "results_published", timeout=30)
    history = [(h["from"], h["to"], h["by"]) for h in w.get("planning", f"/v1/tasks/{tid}")["state_history"]]
    assert ("teams_assigned", "in_progress", "service:results") in history
    assert ("in_progress", "completed", "service:results") in history
    assert ("completed", "results_published", "service:results") in history

    # The public sees the published record, never an inspector or evidence.
    answer = http.get(urls["results"] + "/public/results", params={"uscc": bad})
    assert answer.status_code == 200, answer.text
    public = answer.json()["items"]
    assert len(public) == 1 and public[0]["result_categories"] == [
        {"code": "problem_followup_rectify", "department": "XFJY"}
    ]
    assert not {"inspectors", "team", "evidence", "findings"} & set(public[0])
    assert "sha256" not in str(public) and "recorded_by" not in str(public)

    # The follow-up case, with the department whose item failed, to closure.
    cases = w.get("results", "/v1/followups", task_id=tid)["items"]
    assert [(c["uscc"], c["department"], c["state"]) for c in cases] == [(bad, "XFJY", "open")]
    case_url = f"{urls['results']}/v1/followups/{cases[0]['id']}"
    xf = tokens.officer("XFJY")
    assert http.put(case_url + "/deadline", json={"rectify_by": _today()}, headers=xf).status_code == 200
    closed = http.post(case_url + "/close", json={"outcome": "rectified", "note": "复查已整改"}, headers=xf)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert [h["action"] for h in closed.json()["history"]] == ["open", "deadline", "close"]
