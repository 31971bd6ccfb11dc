"""Events from sampling and results: applied once, tolerant of repeats, conflicts dead-letter."""

from __future__ import annotations

import uuid

from .conftest import create_task, move, publish_plan, send_event


async def _approved(clients, tokens, world):
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    assert (await move(clients, tokens.admin, t["id"], "approved")).status_code == 200
    return t["id"]


async def _task(clients, tokens, tid):
    return (await clients.planning.get(f"/v1/tasks/{tid}", headers=tokens.admin)).json()


async def test_an_event_id_is_applied_once(clients, tokens, world):
    tid = await _approved(clients, tokens, world)
    eid = str(uuid.uuid4())
    first = await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"}, event_id=eid)
    assert first.status_code == 200 and first.json()["status"] == "applied"
    again = await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"}, event_id=eid)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    task = await _task(clients, tokens, tid)
    assert task["state"] == "objects_drawn" and task["objects_draw_id"] == "D-1" and len(task["state_history"]) == 3


async def test_a_repeat_with_another_id_changes_nothing(clients, tokens, world):
    tid = await _approved(clients, tokens, world)
    await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"})
    version = (await _task(clients, tokens, tid))["version"]
    r = await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"})
    assert r.status_code == 200 and r.json()["status"] == "applied"
    task = await _task(clients, tokens, tid)
    assert task["version"] == version and len(task["state_history"]) == 3


async def test_an_event_that_does_not_fit_the_state_is_a_conflict(clients, tokens, world):
    t = await create_task(clients, tokens.admin, world["plan"]["id"], world["checklist"]["id"])  # still draft
    eid = str(uuid.uuid4())
    r = await send_event(clients, tokens, "task.objects_drawn", {"task_id": t["id"], "draw_id": "D-1"}, event_id=eid)
    assert r.status_code == 409 and r.json()["current_state"] == "draft"
    r = await send_event(clients, tokens, "task.results_published", {"task_id": t["id"]}, source="results")
    assert r.status_code == 409
    r = await send_event(clients, tokens, "task.teams_assigned", {"task_id": str(uuid.uuid4()), "draw_id": "T"})
    assert r.status_code == 409 and r.json()["code"] == "unknown_task"
    # the conflict rolled back the inbox row too: once the task is approved, a requeued event applies
    await publish_plan(clients, tokens.admin, world["plan"]["id"])
    assert (await move(clients, tokens.admin, t["id"], "approved")).status_code == 200
    r = await send_event(clients, tokens, "task.objects_drawn", {"task_id": t["id"], "draw_id": "D-1"}, event_id=eid)
    assert r.status_code == 200 and r.json()["status"] == "applied"


async def test_voided_draws_move_the_task_back(clients, tokens, world):
    tid = await _approved(clients, tokens, world)
    await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"})
    await send_event(clients, tokens, "task.teams_assigned", {"task_id": tid, "draw_id": "T-1"})
    wrong = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "kind": "objects", "draw_id": "D-1"})
    assert wrong.status_code == 409 and wrong.json()["current_state"] == "teams_assigned"
    r = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "kind": "teams", "draw_id": "T-1"})
    assert r.status_code == 200
    task = await _task(clients, tokens, tid)
    assert task["state"] == "objects_drawn" and task["teams_draw_id"] is None and task["objects_draw_id"] == "D-1"
    stale = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "kind": "objects", "draw_id": "D-0"})
    assert stale.status_code == 409 and stale.json()["code"] == "not_active_draw"
    r = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "kind": "objects", "draw_id": "D-1"})
    assert r.status_code == 200
    again = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "kind": "objects", "draw_id": "D-1"})
    assert again.status_code == 200  # already back: nothing to do
    task = await _task(clients, tokens, tid)
    assert task["state"] == "approved" and task["objects_draw_id"] is None
    assert [h["to"] for h in task["state_history"]] == [
        "draft",
        "approved",
        "objects_drawn",
        "teams_assigned",
        "objects_drawn",
        "approved",
    ]
    redraw = await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-2"})
    assert redraw.status_code == 200 and (await _task(clients, tokens, tid))["objects_draw_id"] == "D-2"


async def test_bad_payloads_and_callers_are_refused(clients, tokens, world):
    tid = await _approved(clients, tokens, world)
    r = await send_event(clients, tokens, "task.objects_drawn", {"draw_id": "D-1"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_event_payload"
    assert r.json()["errors"][0]["field"] == "payload.task_id"
    r = await send_event(clients, tokens, "task.draw_voided", {"task_id": tid, "kind": "experts"})
    assert r.status_code == 422
    r = await send_event(clients, tokens, "task.exploded", {"task_id": tid})
    assert r.status_code == 422 and r.json()["code"] == "unknown_topic"
    body = {"id": str(uuid.uuid4()), "source": "sampling", "topic": "task.objects_drawn", "payload": {"task_id": tid}}
    r = await clients.planning.post("/internal/events", json=body, headers=tokens.admin)
    assert r.status_code == 403
    assert (await _task(clients, tokens, tid))["state"] == "approved"


async def test_approval_tells_results_the_task_with_its_pinned_items(clients, tokens, world):
    """Issue 11: results files inspections under the approved task and copies its pinned checklist."""
    tid = await _approved(clients, tokens, world)
    events = (
        await clients.planning.get("/ops/outbox", params={"status": "pending", "limit": 100}, headers=tokens.admin)
    ).json()["items"]
    sent = [e for e in events if e["destination"] == "results" and e["topic"] == "task.approved"]
    assert len(sent) == 1
    payload = sent[0]["payload"]
    task = await _task(clients, tokens, tid)
    checklist = (
        await clients.planning.get(
            f"/v1/checklists/{task['checklist_id']}",
            params={"version": task["checklist_version"]},
            headers=tokens.admin,
        )
    ).json()
    assert payload["task_id"] == tid and payload["inspection_end"] == task["inspection_end"]
    assert payload["checklist_version"] == task["checklist_version"]
    assert [(i["position"], i["department"], i["code"]) for i in payload["items"]] == [
        (i["position"], i["department"], i["code"]) for i in checklist["items"]
    ]


async def test_results_drive_in_progress_and_completed_tolerantly(clients, tokens, world):
    """Issue 11 item 7: the first visit → in_progress; every inspection approved → completed; repeats and
    late arrivals change nothing; completion while still teams_assigned records both steps."""
    tid = await _approved(clients, tokens, world)
    started = {"task_id": tid, "first_visit_on": "2025-06-03"}
    # Before the teams are complete, a first visit changes nothing (the task waits for its teams).
    await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"})
    r = await send_event(clients, tokens, "task.inspection_started", started, source="results")
    assert r.status_code == 200 and (await _task(clients, tokens, tid))["state"] == "objects_drawn"
    await send_event(clients, tokens, "task.teams_assigned", {"task_id": tid, "draw_id": "T-1"})
    # Completed arriving first: both steps are recorded, by the results service.
    done = {"task_id": tid, "inspections": 3}
    r = await send_event(clients, tokens, "task.inspections_completed", done, source="results")
    assert r.status_code == 200, r.text
    task = await _task(clients, tokens, tid)
    assert task["state"] == "completed"
    assert [(h["from"], h["to"], h["by"]) for h in task["state_history"][-2:]] == [
        ("teams_assigned", "in_progress", "service:results"),
        ("in_progress", "completed", "service:results"),
    ]
    version = task["version"]
    for topic, payload in (("task.inspection_started", started), ("task.inspections_completed", done)):
        assert (await send_event(clients, tokens, topic, payload, source="results")).status_code == 200
    assert (await _task(clients, tokens, tid))["version"] == version
    r = await send_event(clients, tokens, "task.results_published", {"task_id": tid}, source="results")
    assert r.status_code == 200 and (await _task(clients, tokens, tid))["state"] == "results_published"


async def test_a_first_visit_moves_a_staffed_task_in_progress(clients, tokens, world):
    tid = await _approved(clients, tokens, world)
    await send_event(clients, tokens, "task.objects_drawn", {"task_id": tid, "draw_id": "D-1"})
    await send_event(clients, tokens, "task.teams_assigned", {"task_id": tid, "draw_id": "T-1"})
    started = {"task_id": tid, "first_visit_on": "2025-06-03"}
    assert (await send_event(clients, tokens, "task.inspection_started", started, source="results")).status_code == 200
    task = await _task(clients, tokens, tid)
    assert task["state"] == "in_progress" and task["state_history"][-1]["by"] == "service:results"
