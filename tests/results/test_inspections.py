"""Inspections: created by teams draws, seen only by those involved before publication, visited
only by the team, its departments' officers and admins (issue 9, items 2 and 3)."""

from __future__ import annotations

import uuid

from .conftest import (
    COOPERATING,
    LEAD,
    OUTSIDER,
    TASK_DEPARTMENTS,
    TEAM_DEPARTMENTS,
    inspections_of,
    send_event,
    teams_payload,
    uscc,
)


async def _list(clients, headers, **params):
    r = await clients.results.get("/v1/inspections", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_teams_draw_creates_one_inspection_per_entity_with_its_departments(clients, tokens, drawn):
    got = drawn["inspections"]
    assert {u: i["inspectors"] for u, i in got.items()} == drawn["teams"]
    assert all(i["state"] == "assigned" and i["inspected_on"] is None for i in got.values())
    assert all(i["departments"] == TASK_DEPARTMENTS and i["team_departments"] == TEAM_DEPARTMENTS for i in got.values())


async def test_redelivered_and_repeated_events_change_nothing(clients, tokens, drawn):
    again = teams_payload("T-1", "D-1", drawn["teams"])
    event_id = str(uuid.uuid4())
    assert (await send_event(clients, tokens, "inspections.create", again, event_id=event_id)).json()[
        "status"
    ] == "applied"
    assert (await send_event(clients, tokens, "inspections.create", again, event_id=event_id)).json()[
        "status"
    ] == "duplicate"
    assert {i["id"] for i in await inspections_of(clients, tokens, "T-1")} == {
        i["id"] for i in drawn["inspections"].values()
    }


async def test_a_malformed_event_is_rejected_permanently(clients, tokens):
    r = await send_event(clients, tokens, "inspections.create", {"task_id": "T-9"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_event_payload"


async def test_who_was_drawn_is_hidden_from_uninvolved_departments_and_other_inspectors(clients, tokens, drawn):
    """Issue 9 item 3: the list answered any reader with the drawn entities and teams."""
    everyone = set(drawn["teams"])
    for headers in (tokens.admin, tokens.auditor, tokens.service, tokens.officer(LEAD), tokens.officer("XFJY")):
        assert {i["uscc"] for i in await _list(clients, headers, task_id="T-1")} == everyone
    assert await _list(clients, tokens.officer(OUTSIDER), task_id="T-1") == []
    assert await _list(clients, tokens.officer(OUTSIDER)) == []
    assert await _list(clients, tokens.inspector, task_id="T-1") == []
    on_team = tokens.header("inspector", subject="YJGL-2")
    assert [i["uscc"] for i in await _list(clients, on_team, task_id="T-1")] == [uscc(2)]
    assert [i["uscc"] for i in await _list(clients, on_team)] == [uscc(2)]


async def test_one_inspection_is_shown_by_the_same_rule(clients, tokens, drawn):
    first = drawn["inspections"][uscc(1)]
    path = f"/v1/inspections/{first['id']}"
    for headers in (
        tokens.admin,
        tokens.auditor,
        tokens.officer(COOPERATING),
        tokens.header("inspector", subject="SWJ-1"),
    ):
        r = await clients.results.get(path, headers=headers)
        assert r.status_code == 200 and r.json()["inspectors"] == ["SWJ-1", "YJGL-1"]
    for headers in (tokens.officer(OUTSIDER), tokens.header("inspector", subject="SWJ-2")):
        r = await clients.results.get(path, headers=headers)
        assert r.status_code == 403 and r.json()["code"] == "inspection_not_visible"
    missing = await clients.results.get(f"/v1/inspections/{uuid.uuid4()}", headers=tokens.admin)
    assert missing.status_code == 404 and missing.json()["code"] == "inspection_not_found"


async def test_inspections_of_events_without_departments_stay_with_admins_and_the_team(clients, tokens):
    """Events queued before departments were sent: fail closed for officers."""
    payload = {"task_id": "T-2", "draw_id": "D-2", "teams": [{"entity": uscc(5), "inspectors": ["SWJ-5", "YJGL-5"]}]}
    assert (await send_event(clients, tokens, "inspections.create", payload)).status_code == 200
    assert await _list(clients, tokens.officer(LEAD), task_id="T-2") == []
    assert len(await _list(clients, tokens.header("inspector", subject="SWJ-5"), task_id="T-2")) == 1
    assert len(await _list(clients, tokens.auditor, task_id="T-2")) == 1


async def test_pages_follow_entity_then_id_across_tasks(clients, tokens):
    """An entity recurs across tasks: a cursor on the entity alone would skip rows."""
    for task in ("T-a", "T-b", "T-c"):
        teams = {uscc(1): ["SWJ-1", "YJGL-1"], uscc(2): ["SWJ-2", "YJGL-2"]}
        assert (
            await send_event(clients, tokens, "inspections.create", teams_payload(task, f"D-{task}", teams))
        ).status_code == 200
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await clients.results.get("/v1/inspections", params=params, headers=tokens.officer(LEAD))).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 6
    bad = await clients.results.get(
        "/v1/inspections", params={"cursor": "eyJhZnRlciI6IngiLCJpZCI6Im5vIn0"}, headers=tokens.admin
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


async def test_the_visit_is_for_the_team_its_departments_and_admins(clients, tokens, drawn):
    """Issue 9 item 2: any officer could record a visit on any inspection."""
    first = drawn["inspections"][uscc(1)]
    path = f"/v1/inspections/{first['id']}/visit"
    body = {"inspected_on": "2026-11-20"}
    refused = [
        tokens.officer(OUTSIDER),
        tokens.officer("XFJY"),
        tokens.header("inspector", subject="SWJ-2"),
        tokens.auditor,
        tokens.service,
    ]
    for headers in refused:
        r = await clients.results.post(path, json=body, headers=headers)
        assert r.status_code == 403, (headers, r.text)
    assert (await clients.results.get(f"/v1/inspections/{first['id']}", headers=tokens.admin)).json()[
        "state"
    ] == "assigned"
    for headers in (
        tokens.header("inspector", subject="YJGL-1"),
        tokens.officer(LEAD),
        tokens.officer(COOPERATING),
        tokens.admin,
    ):
        r = await clients.results.post(path, json=body, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "visited" and r.json()["inspected_on"] == "2026-11-20"


async def test_a_visit_feeds_the_queries_sampling_makes(clients, tokens, drawn):
    first = drawn["inspections"][uscc(1)]
    r = await clients.results.post(
        f"/v1/inspections/{first['id']}/visit",
        json={"inspected_on": "2026-11-20"},
        headers=tokens.header("inspector", subject="SWJ-1"),
    )
    assert r.status_code == 200
    recent = await clients.results.post(
        "/v1/inspections/recently-inspected", json={"since": "2026-11-01"}, headers=tokens.service
    )
    assert recent.json() == {"since": "2026-11-01", "usccs": [uscc(1)]}
    later = await clients.results.post(
        "/v1/inspections/recently-inspected", json={"since": "2026-11-21"}, headers=tokens.service
    )
    assert later.json()["usccs"] == []
    last = await clients.results.post(
        "/v1/inspections/last-inspectors", json={"usccs": [uscc(1), uscc(2)]}, headers=tokens.service
    )
    assert last.json() == {"last": {uscc(1): ["SWJ-1", "YJGL-1"]}}
    for query, body in (("recently-inspected", {"since": "2026-11-01"}), ("last-inspectors", {"usccs": [uscc(1)]})):
        for headers in (tokens.officer(LEAD), tokens.inspector):
            r = await clients.results.post(f"/v1/inspections/{query}", json=body, headers=headers)
            assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"


async def test_a_voided_teams_draw_withdraws_only_unvisited_inspections(clients, tokens, drawn):
    first = drawn["inspections"][uscc(1)]
    await clients.results.post(
        f"/v1/inspections/{first['id']}/visit", json={"inspected_on": "2026-11-20"}, headers=tokens.admin
    )
    r = await send_event(clients, tokens, "inspections.voided", {"task_id": "T-1", "draw_id": "D-1"})
    assert r.status_code == 200
    left = await inspections_of(clients, tokens, "T-1")
    assert [(i["uscc"], i["state"]) for i in left] == [(uscc(1), "visited")]
    # A new teams draw reassigns only what is still assigned; the visited inspection keeps its team.
    again = teams_payload("T-1", "D-2", {uscc(1): ["SWJ-9", "YJGL-9"], uscc(2): ["SWJ-8", "YJGL-8"]})
    assert (await send_event(clients, tokens, "inspections.create", again)).status_code == 200
    after = {i["uscc"]: i for i in await inspections_of(clients, tokens, "T-1")}
    assert after[uscc(1)]["inspectors"] == ["SWJ-1", "YJGL-1"] and after[uscc(1)]["draw_id"] == "D-1"
    assert after[uscc(2)]["inspectors"] == ["SWJ-8", "YJGL-8"] and after[uscc(2)]["draw_id"] == "D-2"


async def test_a_visit_is_audited(clients, tokens, drawn, apps):
    from sqlalchemy import text

    first = drawn["inspections"][uscc(1)]
    await clients.results.post(
        f"/v1/inspections/{first['id']}/visit", json={"inspected_on": "2026-11-20"}, headers=tokens.officer(LEAD)
    )
    async with apps["results"].state.db.transaction() as s:
        rows = (
            await s.execute(text("SELECT destination, topic, payload FROM outbox_events WHERE topic = 'audit.record'"))
        ).all()
    assert [(d, p["action"], p["object_id"], p["actor"]["dept"]) for d, _t, p in rows] == [
        ("audit", "inspection.visit", first["id"], LEAD)
    ]
