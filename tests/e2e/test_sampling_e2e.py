"""Sampling over real HTTP across registry, planning, results and audit; bundles verified
with the standalone verifier; the commit-reveal and one-active-draw rules enforced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import eventually
from .world import LEAD, World

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "tools" / "verify_draw.py"
RULES = {
    "A": {"ratio": "0.2"},
    "B": {"ratio": "0.5", "min": 1},
    "C": {"count": 2},
    "D": {"ratio": "1", "max": 2, "alternates": 1},
    "U": {"ratio": "1"},
}
FUTURE = ("2031-04-01", "2031-09-30")
PAST = ("2025-04-01", "2025-09-30")


def verify(tmp_path: Path, bundle: bytes) -> subprocess.CompletedProcess:
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle)
    return subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, timeout=120)


def task_state(w: World, task_id: str) -> str:
    return w.get("planning", f"/v1/tasks/{task_id}")["state"]


def test_full_draw_is_verifiable_and_drives_the_task(http, urls, tokens, tmp_path):
    w = World(http, urls, tokens)
    w.departments()
    population = w.entities("AAAAABBBBCCCDDDU")
    inspectors = w.inspectors(3)
    experts = w.expert("危险化学品", 3)
    recused_inspector = inspectors[LEAD][0]
    recused_entity = population[-1]  # class U, ratio 1: always selected
    w.post(
        "registry",
        "/v1/recusals",
        {"inspector_id": recused_inspector, "uscc": recused_entity, "reason": "亲属关系", "valid_from": "2020-01-01"},
    )
    task = w.task(
        rules=RULES, year=2031, window=FUTURE, team_rules={"team_size": 3, "max_load": 4}, experts={"危险化学品": 1}
    )

    created = w.draw(task["id"], entropy=None)
    assert (
        created["status"] == "committed" and created["receipt"]["announcement_sha256"] == created["announcement_sha256"]
    )
    announced = w.get("audit", f"/public/announcements/{created['announcement_sha256']}", headers={})
    assert announced["announcement"] == created["announcement"]
    assert announced["receipt_id"] == created["receipt"]["receipt_id"]
    ann = json.loads(created["announcement"])
    assert (
        ann["frame_size"] == len(population)
        and ann["task_id"] == task["id"]
        and ann["entropy_source"] == "witness dice"
    )

    objects = w.post(
        "sampling",
        f"/v1/draws/{created['id']}/entropy",
        {"entropy": "witness dice: 6 6 2 1"},
        headers=tokens.officer(LEAD),
        expect=200,
    )
    assert objects["status"] == "executed"
    sizes = objects["summary"]["sizes"]
    assert {c: (s["population"], s["sample"]) for c, s in sizes.items()} == {
        "A": (5, 1),
        "B": (4, 2),
        "C": (3, 2),
        "D": (3, 2),
        "U": (1, 1),
    }
    assert eventually(lambda: task_state(w, task["id"]) == "objects_drawn")

    again = http.post(
        f"{urls['sampling']}/v1/draws",
        json={"task_id": task["id"], "kind": "objects", "entropy_source": "dice"},
        headers=tokens.officer(LEAD),
    )
    assert again.status_code == 409 and again.json()["code"] in ("draw_exists", "task_state")

    bundle = http.get(f"{urls['sampling']}/v1/draws/{objects['id']}/bundle", headers=tokens.auditor)
    assert bundle.status_code == 200
    checked = verify(tmp_path, bundle.content)
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stdout + checked.stderr
    assert (
        http.get(f"{urls['sampling']}/v1/draws/{objects['id']}/bundle", headers=tokens.officer(LEAD)).status_code == 403
    )
    assert (
        http.get(f"{urls['sampling']}/v1/draws/{objects['id']}/result", headers=tokens.officer("XFJY")).status_code
        == 200
    )
    outsider = http.get(f"{urls['sampling']}/v1/draws/{objects['id']}/result", headers=tokens.officer("GAJ"))
    assert outsider.status_code == 403 and outsider.json()["code"] == "result_not_allowed"

    teams = w.draw(task["id"], kind="teams")
    assert teams["status"] == "executed"
    result = w.get("sampling", f"/v1/draws/{teams['id']}/result")
    selected = {s["id"] for s in w.get("sampling", f"/v1/draws/{objects['id']}/result")["selected"]}
    assert {t["entity"] for t in result["teams"]} | {u["entity"] for u in result["unassigned"]} == selected
    for t in result["teams"]:
        assert len(t["inspectors"]) == 3
        assert not (t["entity"] == recused_entity and recused_inspector in t["inspectors"])
    teams_bundle = http.get(f"{urls['sampling']}/v1/draws/{teams['id']}/bundle", headers=tokens.admin).content
    assert recused_entity in selected
    assert f"recusal\t{recused_inspector}\t{recused_entity}\n" in json.loads(teams_bundle)["inputs"]["constraints"]
    checked = verify(tmp_path, teams_bundle)
    assert checked.returncode == 0, checked.stdout
    assert eventually(lambda: task_state(w, task["id"]) == "teams_assigned")
    # the objects draw filed them first (awaiting their teams): wait until the teams draw has reached results
    inspections = eventually(
        lambda: (
            (x := w.get("results", "/v1/inspections", task_id=task["id"])["items"])
            and all(i["state"] == "assigned" for i in x)
            and x
        )
    )
    assert {i["uscc"]: i["inspectors"] for i in inspections} == {t["entity"]: t["inspectors"] for t in result["teams"]}
    # Who was drawn stays with the task's departments and each team (sampling tells results the departments).
    assert all(i["departments"] == task["departments"] for i in inspections)
    assert (
        w.get("results", "/v1/inspections", headers=tokens.officer("YJGL"), task_id=task["id"])["items"] == inspections
    )
    assert w.get("results", "/v1/inspections", headers=tokens.officer("SCJG"), task_id=task["id"])["items"] == []
    member = inspections[0]["inspectors"][0]
    mine = w.get("results", "/v1/inspections", headers=tokens.header("inspector", subject=member), task_id=task["id"])[
        "items"
    ]
    assert mine and all(member in i["inspectors"] for i in mine)

    expert_draw = w.draw(task["id"], kind="experts")
    assert expert_draw["summary"]["sizes"]["危险化学品"]["sample"] == 1
    assert w.get("sampling", f"/v1/draws/{expert_draw['id']}/result")["selected"][0]["id"] in experts
    assert (
        verify(
            tmp_path,
            http.get(f"{urls['sampling']}/v1/draws/{expert_draw['id']}/bundle", headers=tokens.auditor).content,
        ).returncode
        == 0
    )

    blocked = http.post(
        f"{urls['sampling']}/v1/draws/{objects['id']}/void",
        json={"reason": "执法人员名录有误需重抽"},
        headers=tokens.admin,
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "teams_draw_active"


def test_second_draw_refused_until_the_first_is_voided_with_a_reason(http, urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("ABCDU")
    w.inspectors(1)  # approval needs inspectors for every expected entity
    task = w.task(rules=RULES, year=2032, window=("2032-04-01", "2032-09-30"))
    pending = w.draw(task["id"], entropy=None)  # committed, not executed: the task is still approved
    body = {"task_id": task["id"], "kind": "objects", "entropy_source": "x"}
    twin = http.post(f"{urls['sampling']}/v1/draws", json=body, headers=tokens.admin)
    assert twin.status_code == 409 and twin.json()["code"] == "draw_exists" and twin.json()["draw_id"] == pending["id"]
    w.post("sampling", f"/v1/draws/{pending['id']}/void", {"reason": "公告中的随机源说明有误"}, expect=200)
    first = w.draw(task["id"])
    assert eventually(lambda: task_state(w, task["id"]) == "objects_drawn")
    refused = http.post(
        f"{urls['sampling']}/v1/draws",
        json={"task_id": task["id"], "kind": "objects", "entropy_source": "x"},
        headers=tokens.admin,
    )
    assert refused.status_code == 409
    no_reason = http.post(f"{urls['sampling']}/v1/draws/{first['id']}/void", json={"reason": ""}, headers=tokens.admin)
    assert no_reason.status_code == 422
    other_dept = http.post(
        f"{urls['sampling']}/v1/draws/{first['id']}/void",
        json={"reason": "录入错误需重抽"},
        headers=tokens.officer("GAJ"),
    )
    assert other_dept.status_code == 403
    voided = w.post(
        "sampling", f"/v1/draws/{first['id']}/void", {"reason": "名录库数据有误，经联席办批准重新抽取"}, expect=200
    )
    assert voided["status"] == "voided" and voided["void_reason"].startswith("名录库")
    assert eventually(lambda: task_state(w, task["id"]) == "approved")
    second = w.draw(task["id"])
    assert second["status"] == "executed" and second["id"] != first["id"]
    listed = w.get("sampling", "/v1/draws", task_id=task["id"])["items"]
    assert {(d["id"], d["status"]) for d in listed} == {
        (pending["id"], "voided"),
        (first["id"], "voided"),
        (second["id"], "executed"),
    }
    page1 = w.get("sampling", "/v1/draws", task_id=task["id"], limit=2)
    page2 = w.get("sampling", "/v1/draws", task_id=task["id"], limit=2, cursor=page1["next_cursor"])
    assert [d["id"] for d in page1["items"] + page2["items"]] == [d["id"] for d in listed] and page2[
        "next_cursor"
    ] is None
    public = w.get("sampling", "/public/draws", headers={}, task_id=task["id"])
    assert sorted(d["status"] for d in public) == ["executed", "voided", "voided"]


def test_entropy_is_refused_before_the_audit_receipt(stack, http, urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("ABCD")
    w.inspectors(1)
    task = w.task(rules=RULES, year=2033, window=("2033-04-01", "2033-09-30"))
    stack.stop("audit")
    try:
        frozen = w.draw(task["id"], entropy=None)
        assert frozen["status"] == "frozen" and frozen["receipt"] is None and frozen["registration_error"]
        early = http.post(
            f"{urls['sampling']}/v1/draws/{frozen['id']}/entropy",
            json={"entropy": "1 2 3"},
            headers=tokens.officer(LEAD),
        )
        assert early.status_code == 409 and early.json()["code"] == "not_registered"
        assert early.json()["current_state"] == "frozen"
        assert http.get(f"{urls['sampling']}/public/draws/{frozen['id']}").status_code == 404
    finally:
        stack.start("audit")
        stack.wait_ready(["audit"])
    outsider = http.post(f"{urls['sampling']}/v1/draws/{frozen['id']}/register", json={}, headers=tokens.officer("GAJ"))
    assert outsider.status_code == 403 and outsider.json()["code"] == "draw_not_allowed"  # same permission as drawing
    registered = w.post("sampling", f"/v1/draws/{frozen['id']}/register", {}, headers=tokens.officer(LEAD), expect=200)
    assert registered["status"] == "committed" and registered["receipt"]
    executed = w.post(
        "sampling", f"/v1/draws/{frozen['id']}/entropy", {"entropy": "1 2 3"}, headers=tokens.officer(LEAD), expect=200
    )
    assert executed["status"] == "executed"
    twice = http.post(
        f"{urls['sampling']}/v1/draws/{frozen['id']}/entropy", json={"entropy": "4 5 6"}, headers=tokens.officer(LEAD)
    )
    assert twice.status_code == 409 and twice.json()["current_state"] == "executed"


def test_bundle_is_public_only_after_the_inspection_window(http, urls, tokens, tmp_path):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("AABBCCDDU")
    w.inspectors(1)
    open_task = w.task(rules=RULES, year=2034, window=("2034-04-01", "2034-09-30"))
    draw = w.draw(open_task["id"])
    public = http.get(f"{urls['sampling']}/public/draws/{draw['id']}")
    assert public.status_code == 200
    body = public.json()
    assert body["announcement"] == draw["announcement"] and body["registered_at"] and body["entropy"]
    assert body["bundle_available"] is False and "secret" not in body and body["public_from"] == "2034-10-01"
    hidden = http.get(f"{urls['sampling']}/public/draws/{draw['id']}/bundle")
    assert hidden.status_code == 403 and hidden.json()["code"] == "bundle_not_public_yet"

    w2 = World(http, urls, tokens)
    w2.entities("ABCD")
    w2.inspectors(1)
    closed_task = w2.task(rules=RULES, year=2025, window=PAST)
    closed = w2.draw(closed_task["id"])
    assert http.get(f"{urls['sampling']}/public/draws/{closed['id']}").json()["bundle_available"] is True
    bundle = http.get(f"{urls['sampling']}/public/draws/{closed['id']}/bundle")
    assert bundle.status_code == 200
    assert verify(tmp_path, bundle.content).returncode == 0


def test_recently_inspected_entities_are_excluded(http, urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    population = w.entities("AAAA")
    w.inspectors(2)
    first = w.task(
        rules={c: {"ratio": "1"} for c in "ABCDU"},
        year=2035,
        window=("2035-04-01", "2035-09-30"),
        team_rules={"team_size": 3, "max_load": 4},
    )
    w.draw(first["id"])
    eventually(lambda: task_state(w, first["id"]) == "objects_drawn")
    teams = w.draw(first["id"], kind="teams")
    inspections = eventually(
        lambda: w.get("results", "/v1/inspections", task_id=first["id"], state="assigned")["items"]
    )
    visited = inspections[0]
    eventually(lambda: task_state(w, first["id"]) == "teams_assigned")
    w.post("results", f"/v1/inspections/{visited['id']}/visit", {"inspected_on": "2026-11-20"}, expect=200)
    # the first visit moves the task in_progress in planning (results → planning, issue 11 item 7)
    eventually(lambda: task_state(w, first["id"]) == "in_progress")
    # inspections have started: planning would refuse to move the task back, so sampling refuses the void
    late = http.post(
        f"{urls['sampling']}/v1/draws/{teams['id']}/void",
        json={"reason": "检查组人员有误需重新选派"},
        headers=tokens.officer(LEAD),
    )
    assert late.status_code == 409 and late.json()["code"] == "task_started"
    assert late.json()["current_state"] == "in_progress"

    second = w.task(rules={c: {"ratio": "1"} for c in "ABCDU"}, year=2036, window=("2036-04-01", "2036-09-30"))
    draw = w.draw(second["id"])
    ann = json.loads(draw["announcement"])
    assert ann["exclusion"]["count"] == 1 and ann["frame_size"] == len(population) - 1
    selected = {s["id"] for s in w.get("sampling", f"/v1/draws/{draw['id']}/result")["selected"]}
    assert visited["uscc"] not in selected and len(selected) == len(population) - 1


def test_who_may_draw_and_what_is_refused(http, urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("ABC")
    w.inspectors(1)
    draft = w.task(rules=RULES, year=2037, window=("2037-04-01", "2037-09-30"), approve=False)
    body = {"task_id": draft["id"], "kind": "objects", "entropy_source": "witness dice"}
    not_approved = http.post(f"{urls['sampling']}/v1/draws", json=body, headers=tokens.officer(LEAD))
    assert not_approved.status_code == 409 and not_approved.json()["current_state"] == "draft"
    w.post(
        "planning",
        f"/v1/tasks/{draft['id']}/transitions",
        {"to": "approved", "reason": "同意"},
        headers=tokens.officer(LEAD),
        expect=200,
    )
    cooperating = http.post(f"{urls['sampling']}/v1/draws", json=body, headers=tokens.officer("YJGL"))
    assert cooperating.status_code == 403 and cooperating.json()["code"] == "draw_not_allowed"
    auditor = http.post(f"{urls['sampling']}/v1/draws", json=body, headers=tokens.auditor)
    assert auditor.status_code == 403
    internal = http.post(f"{urls['sampling']}/v1/draws", json=body | {"entropy_source": "none"}, headers=tokens.admin)
    assert internal.status_code == 422 and internal.json()["code"] == "entropy_required"
    teams_first = http.post(f"{urls['sampling']}/v1/draws", json=body | {"kind": "teams"}, headers=tokens.admin)
    assert teams_first.status_code == 409
    experts = http.post(f"{urls['sampling']}/v1/draws", json=body | {"kind": "experts"}, headers=tokens.admin)
    assert experts.status_code == 409  # the task is not at objects_drawn yet
    missing = http.post(
        f"{urls['sampling']}/v1/draws",
        json=body | {"task_id": "00000000-0000-0000-0000-000000000000"},
        headers=tokens.admin,
    )
    assert missing.status_code == 404 and missing.json()["code"] == "task_not_found"
