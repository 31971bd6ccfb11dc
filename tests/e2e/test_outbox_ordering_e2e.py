"""Events about one task reach a service in the order written, whatever fails in between.

Issue 9 item 10: with results down, a teams draw executed then voided once delivered
``inspections.voided`` before ``inspections.create`` (each event backed off on its own
clock), leaving live inspections for a voided draw.
"""

from __future__ import annotations

import time

from .conftest import eventually
from .world import LEAD, World

RULES = {c: {"ratio": "1"} for c in "ABCDU"}
WINDOW = ("2038-04-01", "2038-09-30")
TEAMS = {"team_size": 3, "max_load": 4}


def _task_state(w: World, task_id: str) -> str:
    return w.get("planning", f"/v1/tasks/{task_id}")["state"]


def _execute(w: World, draw_id: str) -> dict:
    return w.post(
        "sampling",
        f"/v1/draws/{draw_id}/entropy",
        {"entropy": "witness dice: 2 7 1 8"},
        headers=w.tokens.officer(LEAD),
        expect=200,
    )


def _pending_to_results(w: World) -> list[dict]:
    items = w.get("sampling", "/ops/outbox", status="pending", limit=500)["items"]
    return [i for i in items if i["destination"] == "results"]


def _drained_to_results(w: World, task_ids: list[str]) -> bool:
    """Nothing left for results; a create that went dead while results was down (a slow
    machine) is re-queued, as an operator would — the order it keeps is what is tested."""
    for dead in w.get("sampling", "/ops/outbox", status="dead", limit=500)["items"]:
        if dead["destination"] == "results" and dead["payload"].get("task_id") in task_ids:
            w.post("sampling", f"/ops/outbox/{dead['id']}/requeue", {}, expect=200)
    return not _pending_to_results(w)


def test_a_draw_voided_while_results_is_down_leaves_no_live_inspections(stack, http, urls, tokens):
    worlds, tasks, teams_draws = [], [], []
    for _ in range(3):
        w = World(http, urls, tokens)
        w.departments()
        w.entities("AAAB")
        w.inspectors(2)
        task = w.task(rules=RULES, year=2038, window=WINDOW, team_rules=TEAMS)
        w.draw(task["id"])
        eventually(lambda: _task_state(w, task["id"]) == "objects_drawn")
        # Freezing a teams draw asks results for previous teams; executing and voiding it does not.
        teams_draws.append(w.draw(task["id"], kind="teams", entropy=None))
        worlds.append(w)
        tasks.append(task)

    stack.stop("results")
    try:
        for w, task, draw in zip(worlds, tasks, teams_draws):
            assert _execute(w, draw["id"])["status"] == "executed"
            eventually(lambda: _task_state(w, task["id"]) == "teams_assigned")
            w.post("sampling", f"/v1/draws/{draw['id']}/void", {"reason": "执法人员名录有误需重抽"}, expect=200)
            eventually(lambda: _task_state(w, task["id"]) == "objects_drawn")

        # The void waits, visibly, for the create it must follow.
        listed = (
            _pending_to_results(worlds[0]) + worlds[0].get("sampling", "/ops/outbox", status="dead", limit=500)["items"]
        )
        pending = {(i["topic"], i["payload"].get("draw_id")): i for i in listed}
        for task, draw in zip(tasks, teams_draws):
            create, voided = pending[("inspections.create", draw["id"])], pending[("inspections.voided", draw["id"])]
            assert voided["blocked_by"] == create["id"] and voided["attempts"] == 0
            assert create["ordering_key"] == voided["ordering_key"] == f"task:{task['id']}"
        time.sleep(1.5)  # let the retries spread over the backoff window, as in production
    finally:
        stack.start("results")
        stack.wait_ready(["results"])

    # A new teams draw for the first task at once: its create must not overtake the earlier draw's.
    w0 = worlds[0]
    redraw = _execute(w0, w0.draw(tasks[0]["id"], kind="teams", entropy=None)["id"])
    result = w0.get("sampling", f"/v1/draws/{redraw['id']}/result")

    eventually(lambda: _drained_to_results(w0, [t["id"] for t in tasks]), timeout=60)
    for w, task in zip(worlds[1:], tasks[1:]):
        # the objects draw's entities stay filed, awaiting a team again; none keeps the voided team
        filed = w.get("results", "/v1/inspections", task_id=task["id"])["items"]
        assert filed and {(i["state"], i["draw_id"]) for i in filed} == {("awaiting_team", None)}
    live = [
        i for i in w0.get("results", "/v1/inspections", task_id=tasks[0]["id"])["items"] if i["state"] == "assigned"
    ]
    assert {i["draw_id"] for i in live} == {redraw["id"]}
    assert {i["uscc"]: i["inspectors"] for i in live} == {t["entity"]: t["inspectors"] for t in result["teams"]}


def test_a_dead_event_holds_the_task_until_requeued_then_all_apply_in_order(stack, http, urls, tokens):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("AAB")
    w.inspectors(2)
    task = w.task(rules=RULES, year=2038, window=WINDOW, team_rules=TEAMS)
    w.draw(task["id"])
    eventually(lambda: _task_state(w, task["id"]) == "objects_drawn")
    first = w.draw(task["id"], kind="teams", entropy=None)

    def dead_create() -> dict | None:
        dead = w.get("sampling", "/ops/outbox", status="dead", limit=500)["items"]
        return next((i for i in dead if i["payload"].get("draw_id") == first["id"]), None)

    stack.stop("results")
    try:
        _execute(w, first["id"])
        w.post("sampling", f"/v1/draws/{first['id']}/void", {"reason": "执法人员名录有误需重抽"}, expect=200)
        create = eventually(dead_create, timeout=60)  # outbox_max_attempts failures
        assert create["topic"] == "inspections.create" and create["holds"] == 1
    finally:
        stack.start("results")
        stack.wait_ready(["results"])

    eventually(lambda: _task_state(w, task["id"]) == "objects_drawn")
    second = _execute(w, w.draw(task["id"], kind="teams", entropy=None)["id"])
    blocked = w.get("sampling", "/ops/outbox", status="blocked", limit=500)["items"]
    held = {
        (i["topic"], i["payload"]["draw_id"]): i["blocked_by"]
        for i in blocked
        if i["payload"].get("task_id") == task["id"]
    }
    assert held == {
        ("inspections.voided", first["id"]): create["id"],
        ("inspections.create", second["id"]): create["id"],
    }
    time.sleep(1.0)
    # nothing overtakes the dead event: the objects draw's entities still await their teams
    waiting = w.get("results", "/v1/inspections", task_id=task["id"])["items"]
    assert waiting and {i["state"] for i in waiting} == {"awaiting_team"}

    w.post("sampling", f"/ops/outbox/{create['id']}/requeue", {}, expect=200)
    eventually(lambda: not _pending_to_results(w), timeout=60)
    live = [i for i in w.get("results", "/v1/inspections", task_id=task["id"])["items"] if i["state"] == "assigned"]
    result = w.get("sampling", f"/v1/draws/{second['id']}/result")
    assert {i["draw_id"] for i in live} == {second["id"]}
    assert {i["uscc"]: i["inspectors"] for i in live} == {t["entity"]: t["inspectors"] for t in result["teams"]}
