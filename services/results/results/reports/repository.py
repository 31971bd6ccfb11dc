"""Every query of results' year summary. A task's year is its plan's year (``result_tasks.plan_year``,
from planning's approval); the inspection burden counts visits by the day they were made."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Beijing calendar date of a timestamptz (China keeps no daylight saving: a fixed offset is exact).
_CHINA_DATE = "(({col} AT TIME ZONE 'UTC') + interval '8 hours')::date"

_CLASSIFIED = """
WITH y AS (
    SELECT i.id, i.task_id, i.uscc, i.lead_department, i.departments, i.state, i.due_on,
           {approved_on} AS approved_on
    FROM inspections i JOIN result_tasks t ON t.task_id = i.task_id
    WHERE t.plan_year = :year {department}
), c AS (
    SELECT y.*, CASE
        WHEN y.due_on IS NULL THEN 'due_unknown'
        WHEN y.approved_on IS NOT NULL AND y.approved_on <= y.due_on THEN 'on_time'
        WHEN y.approved_on IS NOT NULL THEN 'late'
        WHEN y.due_on < :today THEN 'overdue'
        ELSE 'open'
    END AS timeliness
    FROM y
)
"""


def _classified(department: str | None) -> str:
    return _CLASSIFIED.format(
        approved_on=_CHINA_DATE.format(col="i.approved_at"),
        department="AND CAST(:department AS varchar) = ANY(i.departments)" if department else "",
    )


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


async def timeliness(
    session: AsyncSession, *, year: int, today: date, department: str | None
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Inspections of the year's tasks by timeliness: for the county (or the department's part of it),
    and per department of the inspections' tasks."""
    params = _params(year=year, today=today, department=department)
    cte = _classified(department)
    county = await session.execute(text(cte + "SELECT timeliness, count(*) FROM c GROUP BY timeliness"), params)
    only = "WHERE d = CAST(:department AS varchar)" if department else ""
    per = await session.execute(
        text(cte + f"SELECT d, timeliness, count(*) FROM c, unnest(c.departments) d {only} GROUP BY d, timeliness"),
        params,
    )
    by_department: dict[str, dict[str, int]] = {}
    for d, cls, n in per.all():
        by_department.setdefault(d, {})[cls] = int(n)
    return {cls: int(n) for cls, n in county.all()}, by_department


async def late_inspections(
    session: AsyncSession, *, year: int, today: date, department: str | None, limit: int
) -> list[Any]:
    rows = await session.execute(
        text(
            _classified(department)
            + "SELECT id, task_id, uscc, lead_department, departments, state, due_on, approved_on, timeliness "
            "FROM c WHERE timeliness IN ('late', 'overdue') ORDER BY due_on, uscc, id LIMIT :limit"
        ),
        _params(year=year, today=today, department=department, limit=limit),
    )
    return list(rows.all())


_PUBLICATIONS = """
FROM publications p JOIN result_tasks t ON t.task_id = p.task_id
WHERE t.plan_year = :year {department}
"""


async def publications(
    session: AsyncSession, *, year: int, department: str | None
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Publication records of the year's tasks by status: in all, and per inspecting department."""
    where = _PUBLICATIONS.format(
        department="AND p.departments @> jsonb_build_array(CAST(:department AS text))" if department else ""
    )
    params = _params(year=year, department=department)
    county = await session.execute(text(f"SELECT p.status, count(*) {where} GROUP BY p.status"), params)
    only = "AND d = CAST(:department AS text)" if department else ""
    per = await session.execute(
        text(
            "SELECT d, p.status, count(*) FROM publications p JOIN result_tasks t ON t.task_id = p.task_id, "
            f"jsonb_array_elements_text(p.departments) d WHERE t.plan_year = :year {only} GROUP BY d, p.status"
        ),
        params,
    )
    by_department: dict[str, dict[str, int]] = {}
    for d, status, n in per.all():
        by_department.setdefault(d, {})[status] = int(n)
    return {status: int(n) for status, n in county.all()}, by_department


_FOLLOWUPS = """
FROM followup_cases f JOIN result_tasks t ON t.task_id = f.task_id
WHERE t.plan_year = :year {department}
"""


def _followups_where(department: str | None) -> str:
    return _FOLLOWUPS.format(department="AND f.department = CAST(:department AS varchar)" if department else "")


async def followups(session: AsyncSession, *, year: int, today: date, department: str | None) -> list[Any]:
    """Per department the case is with: open, closed, open past its rectification deadline."""
    rows = await session.execute(
        text(
            "SELECT f.department, count(*) FILTER (WHERE f.state = 'open'), "
            "count(*) FILTER (WHERE f.state = 'closed'), "
            "count(*) FILTER (WHERE f.state = 'open' AND f.rectify_by < :today) "
            f"{_followups_where(department)} GROUP BY f.department ORDER BY f.department"
        ),
        _params(year=year, today=today, department=department),
    )
    return list(rows.all())


async def overdue_followups(
    session: AsyncSession, *, year: int, today: date, department: str | None, limit: int
) -> list[Any]:
    rows = await session.execute(
        text(
            "SELECT f.id, f.task_id, f.uscc, f.item_name, f.department, f.rectify_by, f.opened_at "
            f"{_followups_where(department)} AND f.state = 'open' AND f.rectify_by < :today "
            "ORDER BY f.rectify_by, f.id LIMIT :limit"
        ),
        _params(year=year, today=today, department=department, limit=limit),
    )
    return list(rows.all())


# A visit's departments: those its team came from (each would otherwise have come alone); an inspection
# filed before its team arrived falls back to the task's departments. Each counted once.
_VISITS = """
WITH v AS (
    SELECT i.uscc,
           ARRAY(SELECT DISTINCT d FROM unnest(
               CASE WHEN cardinality(i.team_departments) > 0 THEN i.team_departments ELSE i.departments END
           ) d) AS depts
    FROM inspections i
    WHERE i.inspected_on >= :start AND i.inspected_on < :end
), visits AS (
    SELECT uscc, depts, GREATEST(cardinality(depts), 1) AS k FROM v {department}
)
"""


def _visits(department: str | None) -> str:
    return _VISITS.format(department="WHERE CAST(:department AS varchar) = ANY(depts)" if department else "")


async def burden(
    session: AsyncSession, *, year: int, department: str | None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[str, int, int]]]:
    """Visits made in the calendar year: (inspections per entity, entities), (k departments, visits),
    (department, visits, of which joint)."""
    cte = _visits(department)
    params = _params(start=date(year, 1, 1), end=date(year + 1, 1, 1), department=department)
    distribution = await session.execute(
        text(
            cte + "SELECT n, count(*) FROM (SELECT uscc, count(*) AS n FROM visits GROUP BY uscc) s "
            "GROUP BY n ORDER BY n"
        ),
        params,
    )
    sizes = await session.execute(text(cte + "SELECT k, count(*) FROM visits GROUP BY k ORDER BY k"), params)
    only = "WHERE d = CAST(:department AS varchar)" if department else ""
    per = await session.execute(
        text(
            cte + "SELECT d, count(*), count(*) FILTER (WHERE k > 1) FROM visits, unnest(visits.depts) d "
            f"{only} GROUP BY d ORDER BY d"
        ),
        params,
    )
    return (
        [(int(n), int(m)) for n, m in distribution.all()],
        [(int(k), int(m)) for k, m in sizes.all()],
        [(d, int(n), int(j)) for d, n, j in per.all()],
    )


async def unknown_due_years(session: AsyncSession, *, year: int) -> list[int]:
    rows = await session.execute(
        text("SELECT DISTINCT due_problem FROM result_tasks WHERE plan_year = :year AND due_on IS NULL"),
        {"year": year},
    )
    return sorted({int(y) for y in rows.scalars() if y and y.isdigit()})
