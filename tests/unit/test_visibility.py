"""The visibility rule (jointcheck.visibility), case by case."""

from __future__ import annotations

import pytest

from jointcheck import visibility
from jointcheck.auth import Principal
from jointcheck.errors import Forbidden

TASK = ["SWJ", "YJGL"]
TEAM = ["SWJ-1", "YJGL-1"]


def who(*roles: str, dept: str | None = None, subject: str = "u") -> Principal:
    return Principal(subject=subject, roles=frozenset(roles), dept=dept)


@pytest.mark.parametrize(
    "user, drawn, inspection, visit",
    [
        (who("admin"), True, True, True),
        (who("auditor"), True, True, False),
        (who("service"), True, True, False),
        (who("officer", dept="SWJ"), True, True, True),
        (who("officer", dept="YJGL"), True, True, True),
        (who("officer", dept="XFJY"), True, True, False),  # in the task, not in the team
        (who("officer", dept="SCJG"), False, False, False),
        (who("inspector", subject="SWJ-1"), False, True, True),
        (who("inspector", subject="SWJ-2"), False, False, False),
        (who("officer", subject="SWJ-1", dept="SCJG"), False, False, False),  # membership needs the inspector role
        (who("officer", "inspector", subject="SWJ-1", dept="SCJG"), False, True, True),
    ],
    ids=[
        "admin",
        "auditor",
        "service",
        "lead",
        "cooperating",
        "task-not-team",
        "outsider",
        "team-member",
        "other-inspector",
        "officer-named-like-member",
        "officer-and-member",
    ],
)
def test_who_sees_and_who_visits(user, drawn, inspection, visit):
    departments = TASK + ["XFJY"]
    assert visibility.can_see_drawn(user, departments=departments) is drawn
    assert visibility.can_see_inspection(user, departments=departments, team=TEAM) is inspection
    assert visibility.can_record_visit(user, team=TEAM, team_departments=TASK) is visit
    assert visibility.inspection_scope(user).admits(departments=departments, team=TEAM) is inspection


def test_refusals_are_403_with_stable_codes():
    outsider = who("officer", dept="SCJG")
    with pytest.raises(Forbidden) as drawn:
        visibility.ensure_can_see_drawn(outsider, departments=TASK)
    with pytest.raises(Forbidden) as seen:
        visibility.ensure_can_see_inspection(outsider, departments=TASK, team=TEAM)
    with pytest.raises(Forbidden) as visit:
        visibility.ensure_can_record_visit(outsider, team=TEAM, team_departments=TASK)
    assert (drawn.value.code, seen.value.code, visit.value.code) == (
        "result_not_allowed",
        "inspection_not_visible",
        "not_in_team",
    )
    assert all(e.value.detail_zh for e in (drawn, seen, visit))


def test_a_principal_without_a_view_sees_nothing():
    assert visibility.inspection_scope(who("inspector", subject="x")).nothing is False
    assert visibility.Scope().nothing is True
    assert visibility.Scope().admits(departments=TASK, team=TEAM) is False
