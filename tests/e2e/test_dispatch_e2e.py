"""Personnel dispatched once: every drawn entity ends with a lawful team (issue 10, as a county office tries it).

An approval is refused while the pool cannot staff the expected entities; a tight task's first teams
draw leaves entities out (recusals), the task waits in ``objects_drawn`` showing them, the office adds an
inspector and amends the team rules, and a supplementary round gives exactly those entities a team. Each
round's bundle verifies with ``tools/verify_draw.py``; the task reaches ``teams_assigned`` only then.
"""

from __future__ import annotations

import json

from .conftest import eventually
from .test_sampling_e2e import verify
from .world import World

# Departments no other e2e test staffs, so this test alone decides the size of the pool.
LEAD, COOPERATING = "WGLJ", ["WJW", "JTJ"]
YEAR, WINDOW = 2038, ("2038-04-01", "2038-09-30")
ALL_A = {"A": {"ratio": "1"}, "B": {"ratio": "0"}, "C": {"ratio": "0"}, "D": {"ratio": "0"}, "U": {"ratio": "0"}}


def test_teams_are_completed_by_supplementary_rounds(http, urls, tokens, tmp_path):
    w = World(http, urls, tokens, lead=LEAD, cooperating=list(COOPERATING))
    officer = tokens.officer(LEAD)
    w.departments()
    w.entities("A" * 39)
    pool = w.inspectors(4, [LEAD, "WJW"]) | w.inspectors(3, ["JTJ"])  # 11 inspectors
    task = w.task(
        rules=ALL_A, year=YEAR, window=WINDOW, team_rules={"team_size": 3, "max_load": 5}, approve=False, publish=False
    )
    tid = task["id"]

    # under a plan still in draft, no approval
    r = http.post(
        f"{urls['planning']}/v1/tasks/{tid}/transitions", json={"to": "approved", "reason": "同意"}, headers=officer
    )
    assert r.status_code == 409 and r.json()["code"] == "plan_not_published"
    w.publish_plan(w.get("planning", f"/v1/plans/{task['plan_id']}"))

    # 39 entities × 3 seats against 11 inspectors × 5: the preview says so and approval is refused
    preview = w.get("planning", f"/v1/tasks/{tid}/preview", headers=officer)
    cap = preview["capacity"]
    assert cap["expected_entities"] == 39 and cap["seats_needed"] == 117 and cap["seats_available"] == 55
    assert {d["department"]: (d["eligible_inspectors"], d["capacity"]) for d in cap["by_department"]} == {
        LEAD: (4, 20),
        "WJW": (4, 20),
        "JTJ": (3, 15),
    }
    assert cap["sufficient"] is False and any("JTJ" in x for x in preview["warnings"])
    r = http.post(
        f"{urls['planning']}/v1/tasks/{tid}/transitions", json={"to": "approved", "reason": "同意"}, headers=officer
    )
    assert r.status_code == 409 and r.json()["code"] == "insufficient_capacity"
    assert r.json()["shortfall"] == {LEAD: 19, "WJW": 19, "JTJ": 24}
    assert w.get("planning", f"/v1/tasks/{tid}")["state"] == "draft"

    # fewer entities: 14, which JTJ's 3 × 5 = 15 can just cover — tight, approved with a warning
    r = http.patch(
        f"{urls['planning']}/v1/tasks/{tid}",
        json={"sampling_rules": ALL_A | {"A": {"count": 14}}},
        headers=officer | {"If-Match": f'"{task["version"]}"'},
    )
    assert r.status_code == 200, r.text
    preview = w.get("planning", f"/v1/tasks/{tid}/preview", headers=officer)
    assert preview["capacity"]["sufficient"] is True and preview["capacity"]["tight"] is True
    assert any("tight" in x for x in preview["warnings"])
    w.post(
        "planning",
        f"/v1/tasks/{tid}/transitions",
        {"to": "approved", "reason": "力量紧张，已知悉"},
        headers=officer,
        expect=200,
    )

    objects = w.draw(tid)
    selected = [s["id"] for s in w.get("sampling", f"/v1/draws/{objects['id']}/result")["selected"]]
    assert len(selected) == 14
    eventually(lambda: w.get("planning", f"/v1/tasks/{tid}")["state"] == "objects_drawn")

    # every JTJ inspector must recuse from two drawn entities: round 1 cannot staff them
    left_out = sorted(selected[:2])
    for inspector in pool["JTJ"]:
        for uscc in left_out:
            w.post(
                "registry",
                "/v1/recusals",
                {"inspector_id": inspector, "uscc": uscc, "reason": "近亲属任职", "valid_from": "2020-01-01"},
            )
    round1 = w.draw(tid, kind="teams")
    assert round1["round"] == 1 and round1["summary"]["unassigned"] == 2
    result1 = w.get("sampling", f"/v1/draws/{round1['id']}/result")
    assert sorted(u["entity"] for u in result1["unassigned"]) == left_out
    assert {u["reason"] for u in result1["unassigned"]} == {"no eligible inspector from department JTJ"}
    bundle1 = http.get(f"{urls['sampling']}/v1/draws/{round1['id']}/bundle", headers=tokens.auditor).content
    assert verify(tmp_path, bundle1).returncode == 0

    # the task waits, showing who is left out and why; its team rules can still be amended
    waiting = eventually(lambda: (t := w.get("planning", f"/v1/tasks/{tid}", headers=officer))["team_rounds"] and t)
    assert waiting["state"] == "objects_drawn"
    assert sorted(u["entity"] for u in waiting["unassigned_entities"]) == left_out
    assert waiting["team_rounds"][0]["round"] == 1 and waiting["team_rounds"][0]["assigned"] == 12

    # the office adds a JTJ inspector and raises max_load (with a reason, recorded and audited) …
    newcomer = w.inspectors(1, ["JTJ"])["JTJ"][0]
    amended = w.post(
        "planning",
        f"/v1/tasks/{tid}/amendments",
        {"team_rules": {"max_load": 6}, "reason": "增派交通局执法人员，提高每人检查户数"},
        headers=officer,
    )
    assert amended["team_rules"]["max_load"] == 6 and amended["state"] == "objects_drawn"
    [amendment] = amended["amendments"]
    assert amendment["reason"].startswith("增派") and amendment["by"] and amendment["at"]
    assert amendment["before"]["max_load"] == 5 and amendment["after"]["max_load"] == 6

    # … and runs a supplementary round for exactly those entities; one WJW inspector sits it out
    resting = pool["WJW"][0]
    round2 = w.draw(
        tid,
        kind="teams",
        completes_draw_id=round1["id"],
        exclude_inspectors=[{"inspector_id": resting, "reason": "load cap reached in round 1"}],
    )
    assert round2["round"] == 2 and round2["completes_draw_id"] == round1["id"]
    assert round2["summary"]["unassigned"] == 0
    result2 = w.get("sampling", f"/v1/draws/{round2['id']}/result")
    assert sorted(t["entity"] for t in result2["teams"]) == left_out
    for team in result2["teams"]:
        assert newcomer in team["inspectors"] and resting not in team["inspectors"] and len(team["inspectors"]) == 3
    bundle2 = http.get(f"{urls['sampling']}/v1/draws/{round2['id']}/bundle", headers=tokens.auditor).content
    assert verify(tmp_path, bundle2).returncode == 0
    constraints = json.loads(bundle2)["inputs"]["constraints"]
    assert all(f"load cap reached in round 1\t{resting}\t{u}\n" in constraints for u in left_out)
    assert json.loads(round2["announcement"])["completes_draw_id"] == round1["id"]

    # now, and only now, every drawn entity has a team and the task is teams_assigned
    done = eventually(lambda: (t := w.get("planning", f"/v1/tasks/{tid}"))["state"] == "teams_assigned" and t)
    assert [r["round"] for r in done["team_rounds"]] == [1, 2] and done["unassigned_entities"] == []
    teams = {t["entity"]: t["inspectors"] for t in result1["teams"] + result2["teams"]}
    assert sorted(teams) == sorted(selected)
    inspections = eventually(
        lambda: len(x := w.get("results", "/v1/inspections", task_id=tid, state="assigned")["items"]) == 14 and x
    )
    assert {i["uscc"]: i["inspectors"] for i in inspections} == teams

    # the public view lists both rounds
    public = w.get("sampling", "/public/draws", headers={}, task_id=tid)
    assert sorted((d["kind"], d["round"]) for d in public) == [("objects", 1), ("teams", 1), ("teams", 2)]

    # and the team rules are frozen again
    r = http.post(
        f"{urls['planning']}/v1/tasks/{tid}/amendments",
        json={"team_rules": {"max_load": 7}, "reason": "再次调整组队规则"},
        headers=officer,
    )
    assert r.status_code == 409 and r.json()["current_state"] == "teams_assigned"
