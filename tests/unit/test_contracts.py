"""The published contracts: one class per topic, ordering keys, rules that read back unchanged, the draw table."""

from __future__ import annotations

import uuid

import pytest

from jointcheck import contracts
from jointcheck.contracts import (
    Event,
    InspectionsCreate,
    SamplingRule,
    TaskDrawVoided,
    TaskSpec,
    typed_handler,
)
from jointcheck.errors import UnprocessableEntity
from jointcheck.outbox import IncomingEvent
from sampling.draws.states import TRANSITIONS, DrawStatus, can_move

TASK = uuid.UUID("7f3c1f5e-9a57-4c43-8d1e-3a3c9f0e2b11")


def test_one_class_per_topic():
    classes = [c for c in vars(contracts).values() if isinstance(c, type) and issubclass(c, Event) and c is not Event]
    topics = [c.topic for c in classes]
    assert len(topics) == len(set(topics)) == 11
    assert set(topics) == {
        "task.approved",
        "task.objects_drawn",
        "task.teams_assigned",
        "task.draw_voided",
        "task.inspection_started",
        "task.inspections_completed",
        "task.results_published",
        "inspections.drawn",
        "inspections.create",
        "inspections.voided",
        "audit.record",
    }


def test_ordering_keys_follow_the_aggregate():
    assert TaskDrawVoided(task_id=TASK, kind="teams", draw_id="d-1").ordering_key() == f"task:{TASK}"
    event = InspectionsCreate(task_id=str(TASK), draw_id="d-1", teams=[{"entity": "e", "inspectors": ["i"]}])
    assert event.ordering_key() == f"task:{TASK}"  # by task: a redraw must not overtake the voided draw
    assert event.model_dump(mode="json") == {
        "task_id": str(TASK),
        "draw_id": "d-1",
        "teams": [{"entity": "e", "inspectors": ["i"], "members": []}],
        "lead_department": None,
        "unassigned": [],
        "departments": [],
        "team_departments": [],
    }


def test_a_stored_rule_reads_back_unchanged():
    for raw in ({"ratio": "0.05"}, {"count": 3, "min": 0, "alternates": 1}, {"ratio": "0.6", "max": 50}):
        assert SamplingRule.model_validate(raw).draw_rule() == raw
    assert SamplingRule.model_validate({"ratio": "0.1", "max": None}).draw_rule() == {"ratio": "0.1"}
    with pytest.raises(ValueError):
        SamplingRule.model_validate({"ratio": "0.1", "share": 2})


def test_the_task_spec_ignores_what_sampling_does_not_read():
    spec = TaskSpec.model_validate(
        {
            "id": str(TASK),
            "lead_department": "SWJ",
            "departments": ["SWJ", "YJGL"],
            "scope": {"industry_prefixes": ["52"]},
            "sampling_rules": {c: {"ratio": "0.1"} for c in "ABCDU"},
            "exclusion_days": 365,
            "team_rules": {"required_departments": ["SWJ"], "team_size": 2, "max_load": 10},
            "experts": {},
            "inspection_start": "2031-04-01",
            "inspection_end": "2031-09-30",
            "state": "approved",
            "name": "任务",
        }
    )
    assert spec.scope.industry_prefixes == ["F52"] and spec.state == "approved"
    assert spec.sampling_rules["U"].draw_rule() == {"ratio": "0.1"}


async def test_a_typed_handler_validates_once_and_names_the_fields():
    got = []

    async def fn(session, event):
        got.append(event)

    handler = typed_handler(TaskDrawVoided, fn)
    incoming = IncomingEvent(
        id=uuid.uuid4(),
        source="sampling",
        topic="task.draw_voided",
        payload={"task_id": str(TASK), "kind": "objects", "draw_id": "d-1"},
    )
    await handler(None, incoming)  # type: ignore[arg-type]
    assert got == [TaskDrawVoided(task_id=TASK, kind="objects", draw_id="d-1")]
    with pytest.raises(UnprocessableEntity) as bad:
        await handler(None, incoming.model_copy(update={"payload": {"task_id": "x", "kind": "experts"}}))  # type: ignore[arg-type]
    assert bad.value.code == "invalid_event_payload" and bad.value.status == 422
    fields = {e["field"] for e in bad.value.extra["errors"]}
    assert fields == {"payload.task_id", "payload.kind", "payload.draw_id"}


def test_the_draw_transition_table():
    assert can_move("frozen", DrawStatus.committed) and can_move("committed", DrawStatus.executed)
    assert all(can_move(s, DrawStatus.voided) for s in ("frozen", "committed", "executed"))
    assert not can_move("frozen", DrawStatus.executed)  # no entropy before the receipt
    assert not can_move("executed", DrawStatus.committed) and TRANSITIONS[DrawStatus.voided] == frozenset()


def test_a_teams_round_announces_who_is_left_out_and_reads_old_payloads():
    from jointcheck.contracts import TaskTeamsAssigned, UnassignedEntity

    old = TaskTeamsAssigned.model_validate({"task_id": str(TASK), "draw_id": "t-1"})  # before rounds existed
    assert (old.round, old.completes_draw_id, old.unassigned) == (1, None, [])
    event = TaskTeamsAssigned(
        task_id=TASK,
        draw_id="t-2",
        round=2,
        completes_draw_id="t-1",
        assigned=3,
        unassigned=[UnassignedEntity(entity="e", reason="no eligible inspector from department X")],
    )
    assert event.ordering_key() == f"task:{TASK}"
    assert TaskTeamsAssigned.model_validate(event.model_dump(mode="json")) == event
    with pytest.raises(ValueError):
        TaskTeamsAssigned.model_validate({"task_id": str(TASK), "draw_id": "t", "round": 0})
    assert TaskDrawVoided(task_id=TASK, kind="teams", draw_id="t-2", round=2).round == 2


def test_only_schemas_with_renamed_fields_carry_the_renaming_validator():
    from jointcheck.schemas import Renaming, Schema

    # a contract (validated nested, many times a request) has no Python validator of the base
    assert "_accept_old_names" not in TaskSpec.__pydantic_decorators__.model_validators
    assert "_accept_old_names" in Renaming.__pydantic_decorators__.model_validators

    class Moved(Renaming):
        renamed = {"old": "new"}
        new: int = 0

    assert Moved.model_validate({"old": 3}).new == 3
    with pytest.raises(ValueError, match="not both"):
        Moved.model_validate({"old": 3, "new": 4})
    with pytest.raises(TypeError, match="Renaming"):

        class Forgotten(Schema):
            renamed = {"old": "new"}
            new: int = 0
