"""Results' year summary: results within 20 working days, publication status, follow-up cases and the
inspection burden — the audit service's oversight report reads it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import (
    MAX_LISTED,
    BurdenRow,
    DepartmentBurden,
    DepartmentFollowups,
    DepartmentPublications,
    DepartmentResults,
    FollowupCounts,
    InspectionBurden,
    JointVisitSize,
    NamedFollowup,
    NamedInspection,
    PublicationCounts,
    ResultsCounts,
    ResultsYearSummary,
)
from results.deadlines import today_in_china
from results.publications.models import STATUSES
from results.reports import repository

TIMELINESS = ("on_time", "late", "overdue", "open", "due_unknown")


def results_counts(by_class: dict[str, int]) -> dict[str, int]:
    counts = {cls: by_class.get(cls, 0) for cls in TIMELINESS}
    return {"inspections": sum(counts.values()), **counts}


def publication_counts(by_status: dict[str, int]) -> dict[str, int]:
    counts = {status: by_status.get(status, 0) for status in STATUSES}
    return {"total": sum(counts.values()), **counts}


def inspection_burden(
    distribution: Iterable[tuple[int, int]],
    sizes: Iterable[tuple[int, int]],
    by_department: Iterable[tuple[str, int, int]],
) -> InspectionBurden:
    """One joint visit with k departments stands for k separate department visits, so it saves k − 1."""
    by_size = [JointVisitSize(departments=k, visits=n, visits_saved=n * (k - 1)) for k, n in sizes]
    rows = [BurdenRow(inspections=n, entities=m) for n, m in distribution]
    return InspectionBurden(
        entities=sum(r.entities for r in rows),
        visits=sum(s.visits for s in by_size),
        department_visits=sum(s.visits * s.departments for s in by_size),
        visits_saved=sum(s.visits_saved for s in by_size),
        distribution=rows,
        by_size=by_size,
        by_department=[DepartmentBurden(department=d, visits=n, joint_visits=j) for d, n, j in by_department],
    )


async def year_summary(session: AsyncSession, *, year: int, department: str | None) -> ResultsYearSummary:
    today = today_in_china()
    county, per_department = await repository.timeliness(session, year=year, today=today, department=department)
    late = await repository.late_inspections(session, year=year, today=today, department=department, limit=MAX_LISTED)
    published, published_per_department = await repository.publications(session, year=year, department=department)
    cases = await repository.followups(session, year=year, today=today, department=department)
    overdue_cases = await repository.overdue_followups(
        session, year=year, today=today, department=department, limit=MAX_LISTED
    )
    followups = [DepartmentFollowups(department=d, open=o, closed=c, overdue=od) for d, o, c, od in cases]
    distribution, sizes, visits_per_department = await repository.burden(session, year=year, department=department)
    return ResultsYearSummary(
        year=year,
        department=department,
        today=today,
        results=ResultsCounts(**results_counts(county)),
        results_by_department=[
            DepartmentResults(department=d, **results_counts(c)) for d, c in sorted(per_department.items())
        ],
        late_inspections=[
            NamedInspection(
                id=r.id,
                task_id=r.task_id,
                uscc=r.uscc,
                lead_department=r.lead_department,
                departments=list(r.departments),
                state=r.state,
                due_on=r.due_on,
                approved_on=r.approved_on,
                timeliness=r.timeliness,
                days_past_due=((r.approved_on or today) - r.due_on).days,
            )
            for r in late
        ],
        late_inspections_total=county.get("late", 0) + county.get("overdue", 0),
        publications=PublicationCounts(**publication_counts(published)),
        publications_by_department=[
            DepartmentPublications(department=d, **publication_counts(c))
            for d, c in sorted(published_per_department.items())
        ],
        followups=FollowupCounts(
            open=sum(f.open for f in followups),
            closed=sum(f.closed for f in followups),
            overdue=sum(f.overdue for f in followups),
        ),
        followups_by_department=followups,
        overdue_followups=[
            NamedFollowup(
                id=r.id,
                task_id=r.task_id,
                uscc=r.uscc,
                item_name=r.item_name,
                department=r.department,
                rectify_by=r.rectify_by,
                opened_at=r.opened_at,
            )
            for r in overdue_cases
        ],
        overdue_followups_total=sum(f.overdue for f in followups),
        burden=inspection_burden(distribution, sizes, visits_per_department),
        unknown_due_years=await repository.unknown_due_years(session, year=year),
    )
