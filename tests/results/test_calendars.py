"""Issue 11 item 3: results are due 20 working days after a task's inspection window ends, counted on
the State Council's schedule — the chinesecalendar package's years, and the years operators load
(POST /v1/calendars/{year} or files at startup). A due date in a year nobody knows is a 409 naming
the year, never a guess."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from jcdev.testing import LiveServer, service_settings
from jointcheck.workdays import package_years
from results.calendars.schemas import CalendarYearFields
from results.calendars.service import CalendarYearUnknown, load_calendar_files, results_due_date

DUE = "/v1/calendars/due-date"
# Far-off years no package release will cover while this test lives.
Y1, Y2 = 2098, 2099
YEAR_1 = {"days_off": [f"{Y1}-01-01"], "makeup_workdays": [], "source": "测试用安排（虚构）"}
# 2099-01-01 is a Thursday: New Year off Thu 1 – Sat 3, Sunday 4 January a make-up working day (fictitious).
YEAR_2 = {
    "days_off": [f"{Y2}-01-01", f"{Y2}-01-02"],
    "makeup_workdays": [f"{Y2}-01-04"],
    "source": "测试用安排（虚构）",
}


async def _due(clients, tokens, window_end: str, **headers) -> httpx.Response:
    return await clients.results.get(DUE, params={"window_end": window_end}, headers=tokens.officer("SCJG") | headers)


async def test_a_window_ending_before_national_day_2025_is_due_after_it(clients, tokens, apps):
    """Window ends Fri 2025-09-26 (not counted). Counting working days after it:
    Sat 27 off; Sun 28 make-up working day (1); Mon 29 (2); Tue 30 (3); 1–8 October National Day and
    Mid-Autumn off; Thu 9 (4); Fri 10 (5); Sat 11 make-up working day (6); Sun 12 off; 13–17 (7–11);
    20–24 (12–16); Mon 27 (17); Tue 28 (18); Wed 29 (19); Thu 30 October (20) → due 2025-10-30."""
    async with apps["results"].state.db.transaction() as session:
        assert await results_due_date(session, date(2025, 9, 26)) == date(2025, 10, 30)
        assert await results_due_date(session, date(2025, 9, 26), working_days=3) == date(2025, 9, 30)
        assert await results_due_date(session, date(2025, 9, 26), working_days=4) == date(2025, 10, 9)
    r = await _due(clients, tokens, "2025-09-26")
    assert r.status_code == 200, r.text
    assert r.json() == {"window_end": "2025-09-26", "working_days": 20, "due_date": "2025-10-30"}
    # the domain brief's example, from the package alone
    assert (await _due(clients, tokens, "2026-11-30")).json()["due_date"] == "2026-12-28"


async def test_a_due_date_in_an_unknown_year_names_the_year_until_it_is_loaded(clients, tokens, apps):
    assert Y1 not in package_years() and Y2 not in package_years()
    r = await _due(clients, tokens, f"{Y1}-12-15", **{"Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["code"] == "unknown_calendar_year" and r.json()["year"] == Y1
    assert str(Y1) in r.json()["detail"] and f"POST /v1/calendars/{Y1}" in r.json()["detail"]
    zh = await _due(clients, tokens, f"{Y1}-12-15")
    assert f"{Y1}年节假日安排未知" in zh.json()["detail"]

    loaded = await clients.results.post(f"/v1/calendars/{Y1}", json=YEAR_1, headers=tokens.admin)
    assert loaded.status_code == 201, loaded.text
    # Mon 2098-12-15 (not counted): 16–19 (1–4), 22–26 (5–9), 29–31 (10–12), then 2099 is needed
    r = await _due(clients, tokens, f"{Y1}-12-15")
    assert r.status_code == 409 and r.json()["year"] == Y2 and r.json()["needed_for"] == f"{Y2}-01-01"
    async with apps["results"].state.db.transaction() as session:
        with pytest.raises(CalendarYearUnknown) as exc:
            await results_due_date(session, date(Y1, 12, 15))
        assert exc.value.extra["year"] == Y2 and exc.value.status == 409

    assert (await clients.results.post(f"/v1/calendars/{Y2}", json=YEAR_2, headers=tokens.admin)).status_code == 201
    # 1–3 January off; Sun 4 make-up (13); 5–9 (14–18); Mon 12 (19); Tue 13 January (20)
    r = await _due(clients, tokens, f"{Y1}-12-15")
    assert r.status_code == 200 and r.json()["due_date"] == f"{Y2}-01-13", r.text


async def test_loaded_years_are_listed_and_read_by_any_reader(clients, tokens):
    await clients.results.post(f"/v1/calendars/{Y2}", json=YEAR_2, headers=tokens.admin)
    listed = (await clients.results.get("/v1/calendars", headers=tokens.inspector)).json()
    assert listed["package_first_year"] == package_years()[0] and listed["package_last_year"] == package_years()[-1]
    assert [(i["year"], i["origin"], i["revision"]) for i in listed["items"]] == [(Y2, "api", 1)]
    one = (await clients.results.get(f"/v1/calendars/{Y2}", headers=tokens.auditor)).json()
    assert one["days_off"] == [f"{Y2}-01-01", f"{Y2}-01-02"] and one["makeup_workdays"] == [f"{Y2}-01-04"]
    assert one["loaded_by"] == "test-admin-x" and one["source"] == YEAR_2["source"]
    missing = await clients.results.get(f"/v1/calendars/{Y1}", headers=tokens.auditor)
    assert missing.status_code == 404 and missing.json()["code"] == "calendar_year_not_found"
    assert (await clients.results.get("/v1/calendars")).status_code == 401


async def test_only_an_admin_loads_a_year(clients, tokens):
    for who in (tokens.officer("SCJG"), tokens.auditor, tokens.service, tokens.inspector):
        assert (await clients.results.post(f"/v1/calendars/{Y2}", json=YEAR_2, headers=who)).status_code == 403
    assert (await clients.results.get(f"/v1/calendars/{Y2}", headers=tokens.admin)).status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (YEAR_2 | {"days_off": [f"{Y1}-12-31"]}, ["days_off.0"]),
        (YEAR_2 | {"makeup_workdays": [f"{Y2}-01-02"]}, ["makeup_workdays"]),
        (YEAR_2 | {"days_off": [f"{Y2}-05-01", f"{Y2}-05-01"]}, ["days_off.1"]),
    ],
)
async def test_inconsistent_years_are_refused_listing_every_date(clients, tokens, body, fields):
    r = await clients.results.post(f"/v1/calendars/{Y2}", json=body, headers=tokens.admin | {"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_calendar", r.text
    assert [e["field"] for e in r.json()["errors"]] == fields
    assert (await clients.results.get("/v1/calendars", headers=tokens.admin)).json()["items"] == []


async def test_bounds_of_a_load(clients, tokens):
    for year in (1899, 2201, 2**40):
        r = await clients.results.post(f"/v1/calendars/{year}", json=YEAR_2, headers=tokens.admin)
        assert r.status_code == 422, (year, r.text)
    many = [f"{Y2}-01-01"] * 367
    assert (
        await clients.results.post(f"/v1/calendars/{Y2}", json=YEAR_2 | {"days_off": many}, headers=tokens.admin)
    ).status_code == 422
    nul = await clients.results.post(
        f"/v1/calendars/{Y2}", json=YEAR_2 | {"source": "通知\u0000"}, headers=tokens.admin
    )
    assert nul.status_code == 422
    assert (
        await clients.results.get(DUE, params={"window_end": "2025-02-30"}, headers=tokens.admin)
    ).status_code == 422


async def test_replacing_a_year_is_explicit_and_audited(clients, tokens, apps):
    url = f"/v1/calendars/{Y2}"
    assert (await clients.results.post(url, json=YEAR_2, headers=tokens.admin)).status_code == 201
    again = await clients.results.post(url, json=YEAR_2 | {"days_off": [f"{Y2}-01-01"]}, headers=tokens.admin)
    assert again.status_code == 409 and again.json()["code"] == "calendar_year_exists" and again.json()["revision"] == 1
    assert (await clients.results.get(url, headers=tokens.admin)).json()["days_off"] == YEAR_2["days_off"]
    replaced = await clients.results.post(
        url, json=YEAR_2 | {"days_off": [f"{Y2}-01-01"], "replace": True}, headers=tokens.admin
    )
    assert replaced.status_code == 200 and replaced.json()["revision"] == 2
    assert replaced.json()["days_off"] == [f"{Y2}-01-01"]
    async with apps["results"].state.db.transaction() as s:
        rows = (
            await s.execute(
                text("SELECT payload FROM outbox_events WHERE topic = 'audit.record' ORDER BY seq"),
            )
        ).scalars()
        audited = [(p["action"], p["object_type"], p["object_id"], p["data"]["revision"]) for p in rows]
    assert audited == [
        ("calendar.load", "calendar_year", str(Y2), 1),
        ("calendar.replace", "calendar_year", str(Y2), 2),
    ]


def _write(path, *years) -> str:
    path.write_text(json.dumps(list(years), ensure_ascii=False), encoding="utf-8")
    return str(path)


async def test_files_are_loaded_at_startup_and_an_operators_load_wins(
    tmp_path, clients, tokens, apps, service_database_urls
):
    db = apps["results"].state.db
    a = _write(tmp_path / "a.json", {"year": Y1, **YEAR_1}, {"year": Y2, **YEAR_2})
    assert await load_calendar_files(db, [a]) == [Y1, Y2]
    assert await load_calendar_files(db, [a]) == []  # unchanged: nothing written, nothing audited
    # an operator corrects 2099 through the API: a file never overrides that
    fixed = YEAR_2 | {"days_off": [f"{Y2}-01-01"], "replace": True}
    assert (await clients.results.post(f"/v1/calendars/{Y2}", json=fixed, headers=tokens.admin)).status_code == 200
    b = _write(
        tmp_path / "b.json", {"year": Y1, **YEAR_1, "days_off": [f"{Y1}-01-01", f"{Y1}-01-02"]}, {"year": Y2, **YEAR_2}
    )
    assert await load_calendar_files(db, [b]) == [Y1]  # the file changed 2098; 2099 stays the operator's
    listed = {i["year"]: i for i in (await clients.results.get("/v1/calendars", headers=tokens.admin)).json()["items"]}
    assert (listed[Y1]["origin"], listed[Y1]["revision"], listed[Y1]["loaded_by"]) == ("file", 2, "file:b.json")
    assert (listed[Y2]["origin"], listed[Y2]["days_off"]) == ("api", [f"{Y2}-01-01"])

    bad = _write(tmp_path / "bad.json", {"year": 2097, **YEAR_1})  # its dates are not in 2097
    with pytest.raises(ValueError, match=r"bad\.json"):
        await load_calendar_files(db, [a, bad])
    with pytest.raises(ValueError, match=r"missing\.json"):
        await load_calendar_files(db, [tmp_path / "missing.json"])
    assert 2097 not in {
        i["year"] for i in (await clients.results.get("/v1/calendars", headers=tokens.admin)).json()["items"]
    }

    # the service does it by itself when RESULTS_CALENDAR_FILES names files, and counts its own number of days
    from results.main import create_app

    c = _write(
        tmp_path / "c.json",
        {"year": 2097, **CalendarYearFields(days_off=["2097-01-01"], source="测试").model_dump(mode="json")},
    )
    settings = service_settings(
        "results", service_database_urls["results"], calendar_files=[c], results_due_working_days=5
    )
    server = LiveServer(create_app(settings)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=tokens.admin, timeout=30) as live:
            assert (await live.get("/v1/calendars/2097")).json()["loaded_by"] == "file:c.json"
            due = (await live.get(DUE, params={"window_end": "2025-09-26"})).json()
            assert due["working_days"] == 5 and due["due_date"] == "2025-10-10"  # 28, 29, 30 September, 9, 10 October
    finally:
        server.stop()
