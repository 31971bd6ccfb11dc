"""Planning's year summary: were the item lists and plans filed by 31 January, were the tasks finished
by 31 October — the first two sections of the audit service's oversight report."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import (
    MAX_LISTED,
    CompletionState,
    FilingState,
    ItemListFiling,
    LateListEntry,
    PlanFiling,
    PlanningYearSummary,
    TaskCompletion,
    completion_deadline,
    filing_deadline,
)
from planning.common import china_date, now_utc
from planning.plans.models import Plan
from planning.reports import repository
from planning.reports.repository import china_midnight
from planning.tasks.models import Task


def plan_filing(plan: Plan, *, today: date) -> PlanFiling:
    """On time when filed (Beijing date) by 31 January of the plan year; unfiled past it is overdue."""
    deadline = filing_deadline(plan.year)
    filed_on = china_date(plan.filed_at) if plan.filed_at else None
    if filed_on is not None:
        filing = FilingState.on_time if filed_on <= deadline else FilingState.late
    else:
        filing = FilingState.unfiled_overdue if today > deadline else FilingState.unfiled
    return PlanFiling(
        id=plan.id,
        lead_department=plan.lead_department,
        name=plan.name,
        state=plan.state,
        filed_at=plan.filed_at,
        published_at=plan.published_at,
        filing=filing,
        days_late=max(0, ((filed_on or today) - deadline).days),
    )


def task_completion(task: Task, completed_on: date | None, *, year: int, today: date) -> CompletionState:
    """On time when first completed (Beijing date) by 31 October of the plan year."""
    deadline = completion_deadline(year)
    if completed_on is not None:
        return CompletionState.on_time if completed_on <= deadline else CompletionState.late
    if task.state == "cancelled":
        return CompletionState.cancelled
    return CompletionState.overdue if today > deadline else CompletionState.open


async def year_summary(session: AsyncSession, *, year: int, department: str | None) -> PlanningYearSummary:
    today = china_date(now_utc())
    year_start = china_midnight(date(year, 1, 1))
    deadline_end = china_midnight(filing_deadline(year) + timedelta(days=1))
    year_end = china_midnight(date(year + 1, 1, 1))
    window = {"year_start": year_start, "deadline_end": deadline_end, "year_end": year_end, "department": department}

    lists: dict[str, dict[str, int]] = {}
    for dept, kind, n, late in await repository.list_counts(session, **window):
        row = lists.setdefault(dept, {"items": 0, "items_late": 0, "checklists": 0, "checklists_late": 0})
        row[f"{kind}s"], row[f"{kind}s_late"] = n, late
    late_total = sum(r["items_late"] + r["checklists_late"] for r in lists.values())
    late = await repository.late_entries(session, **window, limit=MAX_LISTED)

    task_rows, tasks_total = await repository.tasks(session, year=year, department=department, limit=MAX_LISTED)
    completion_end = completion_deadline(year)
    tasks = []
    for task, completed_at in task_rows:
        completed_on = china_date(completed_at) if completed_at else None
        state = task_completion(task, completed_on, year=year, today=today)
        overdue_until = completed_on if state is CompletionState.late else today
        tasks.append(
            TaskCompletion(
                id=task.id,
                plan_id=task.plan_id,
                name=task.name,
                lead_department=task.lead_department,
                departments=list(task.departments),
                state=task.state,
                inspection_start=task.inspection_start,
                inspection_end=task.inspection_end,
                completed_at=completed_at,
                completion=state,
                days_late=(
                    (overdue_until - completion_end).days
                    if state in (CompletionState.late, CompletionState.overdue)
                    else 0
                ),
            )
        )
    return PlanningYearSummary(
        year=year,
        department=department,
        today=today,
        filing_deadline=filing_deadline(year),
        completion_deadline=completion_end,
        plans=[plan_filing(p, today=today) for p in await repository.plans(session, year=year, department=department)],
        item_lists=[ItemListFiling(department=d, **counts) for d, counts in sorted(lists.items())],
        late_entries=[
            LateListEntry(
                kind=r.kind, id=r.id, department=r.department, code=r.code, name=r.name, created_at=r.created_at
            )
            for r in late
        ],
        late_entries_total=late_total,
        tasks=tasks,
        tasks_total=tasks_total,
    )
