"""The oversight report's pure parts: the visits-saved arithmetic, the order of replay verdicts (a failing
one first), the deadlines in Beijing time, and who may read which section."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from audit.reports.repository import ReplayTally
from audit.reports.router import report_scope
from audit.reports.service import draw_verdicts
from jointcheck.auth import Principal
from jointcheck.contracts import CompletionState, DrawRecord, FilingState, SamplingYearSummary
from jointcheck.errors import Forbidden
from planning.plans.models import Plan
from planning.reports.service import plan_filing, task_completion
from planning.tasks.models import Task
from results.reports.service import inspection_burden

T = datetime(2025, 5, 1, tzinfo=UTC)


def test_a_joint_visit_with_k_departments_saves_k_minus_one():
    burden = inspection_burden(
        distribution=[(1, 4), (2, 1)],
        sizes=[(1, 2), (2, 3), (4, 1)],  # 2 single-department visits, 3 of two, 1 of four
        by_department=[("SWJ", 6, 4)],
    )
    assert burden.visits == 6
    assert burden.department_visits == 1 * 2 + 2 * 3 + 4 * 1 == 12
    assert burden.visits_saved == 0 * 2 + 1 * 3 + 3 * 1 == 6 == burden.department_visits - burden.visits
    assert [s.visits_saved for s in burden.by_size] == [0, 3, 3]
    assert burden.entities == 5 and [(r.inspections, r.entities) for r in burden.distribution] == [(1, 4), (2, 1)]


def _draw(status: str) -> DrawRecord:
    return DrawRecord(
        id=uuid.uuid4(),
        task_id="t",
        kind="objects",
        round=1,
        status=status,
        lead_department="SWJ",
        departments=["SWJ"],
        created_at=T,
        executed_at=T if status != "committed" else None,
        voided_at=None,
        voided_by=None,
        void_reason=None,
    )


def _tally(ok: bool, replays: int = 1, failures: int = 0) -> ReplayTally:
    return ReplayTally(ok, None if ok else "result", None, T, replays, failures)


def test_failing_verdicts_come_first_then_unreplayed_then_once_failed_then_ok():
    ok, never, failed, committed, healed, voided_ok = draws = [
        _draw("executed"),
        _draw("executed"),
        _draw("executed"),
        _draw("committed"),  # never executed: nothing to replay
        _draw("executed"),
        _draw("voided"),  # executed, replayed, later voided: its verdict stays
    ]
    summary = SamplingYearSummary(
        year=2025, department=None, today=date(2025, 12, 1), counts=[], draws=draws, draws_total=len(draws)
    )
    tallies = {
        str(ok.id): _tally(True),
        str(failed.id): _tally(False, 2, 1),
        str(healed.id): _tally(True, 2, 1),
        str(voided_ok.id): _tally(True),
    }
    verdicts = draw_verdicts(summary, tallies)
    assert [v.draw_id for v in verdicts] == [failed.id, never.id, healed.id, ok.id, voided_ok.id]
    assert [v.verdict for v in verdicts] == ["failed", "not_replayed", "ok", "ok", "ok"]
    assert verdicts[0].failed_check == "result" and verdicts[0].failures == 1 and verdicts[1].replays == 0
    assert committed.id not in {v.draw_id for v in verdicts}


def _plan(filed_at: datetime | None) -> Plan:
    return Plan(id=uuid.uuid4(), year=2025, lead_department="SWJ", name="计划", state="filed", filed_at=filed_at)


@pytest.mark.parametrize(
    ("filed_at", "filing", "days_late"),
    [
        (datetime(2025, 1, 31, 15, 59, tzinfo=UTC), FilingState.on_time, 0),  # 23:59 on 31 January in Beijing
        (datetime(2025, 1, 31, 16, 1, tzinfo=UTC), FilingState.late, 1),  # 00:01 on 1 February in Beijing
        (datetime(2025, 3, 2, 2, 0, tzinfo=UTC), FilingState.late, 30),
        (None, FilingState.unfiled_overdue, 9),
    ],
)
def test_plans_are_due_on_31_january_beijing_time(filed_at, filing, days_late):
    got = plan_filing(_plan(filed_at), today=date(2025, 2, 9))
    assert (got.filing, got.days_late) == (filing, days_late)


def test_an_unfiled_plan_is_not_late_before_the_deadline():
    got = plan_filing(_plan(None), today=date(2025, 1, 31))
    assert (got.filing, got.days_late) == (FilingState.unfiled, 0)


@pytest.mark.parametrize(
    ("state", "completed_on", "today", "expected"),
    [
        ("completed", date(2025, 10, 31), date(2026, 1, 1), CompletionState.on_time),
        ("results_published", date(2025, 11, 1), date(2026, 1, 1), CompletionState.late),
        ("in_progress", None, date(2025, 10, 31), CompletionState.open),
        ("in_progress", None, date(2025, 11, 1), CompletionState.overdue),
        ("cancelled", None, date(2025, 11, 1), CompletionState.cancelled),
    ],
)
def test_tasks_are_due_on_31_october(state, completed_on, today, expected):
    assert task_completion(Task(state=state), completed_on, year=2025, today=today) is expected


def test_officers_read_only_their_own_departments_section():
    officer = Principal(subject="o", roles=frozenset({"officer"}), dept="SWJ")
    assert report_scope(officer, None) == "SWJ" and report_scope(officer, "SWJ") == "SWJ"
    with pytest.raises(Forbidden):
        report_scope(officer, "YJGL")
    for role in ("admin", "auditor", "service"):
        reader = Principal(subject="r", roles=frozenset({role}))
        assert report_scope(reader, None) is None and report_scope(reader, "YJGL") == "YJGL"
