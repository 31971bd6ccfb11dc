"""Every query of planning's year summary (the oversight report's filings and completions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from planning.checklists.models import Checklist, ChecklistVersion
from planning.common import CHINA_TZ
from planning.items.models import CheckItem, CheckItemVersion
from planning.plans.models import Plan
from planning.tasks.models import Task, TaskTransition

#: A task is completed from the first time it reaches one of these (every inspection approved).
DONE_STATES = ("completed", "results_published", "closed")


def china_midnight(day: date) -> datetime:
    """The instant a Beijing calendar day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)


async def plans(session: AsyncSession, *, year: int, department: str | None) -> list[Plan]:
    stmt = select(Plan).where(Plan.year == year)
    if department:
        stmt = stmt.where(Plan.lead_department == department)
    return list((await session.execute(stmt.order_by(Plan.lead_department, Plan.id))).scalars())


def _list_entries(*, year_start: datetime, year_end: datetime, department: str | None) -> Any:
    """Every item and checklist on the year's lists: created before the year ends, and (items) not
    cancelled before it began. Columns: kind, id, department, code, name, created_at."""
    items = (
        select(
            literal("item").label("kind"),
            CheckItem.id,
            CheckItem.department.label("department"),
            CheckItem.code.label("code"),
            CheckItemVersion.name.label("name"),
            CheckItem.created_at.label("created_at"),
        )
        .join(
            CheckItemVersion,
            and_(CheckItemVersion.item_id == CheckItem.id, CheckItemVersion.version == CheckItem.current_version),
        )
        .where(
            CheckItem.created_at < year_end,
            or_(CheckItem.cancelled_at.is_(None), CheckItem.cancelled_at >= year_start),
        )
    )
    checklists = (
        select(
            literal("checklist").label("kind"),
            Checklist.id,
            ChecklistVersion.lead_department.label("department"),
            literal("").label("code"),
            ChecklistVersion.name.label("name"),
            Checklist.created_at.label("created_at"),
        )
        .join(
            ChecklistVersion,
            and_(ChecklistVersion.checklist_id == Checklist.id, ChecklistVersion.version == Checklist.current_version),
        )
        .where(Checklist.created_at < year_end)
    )
    if department:
        items = items.where(CheckItem.department == department)
        checklists = checklists.where(ChecklistVersion.lead_department == department)
    return union_all(items, checklists).subquery("entries")


async def list_counts(
    session: AsyncSession, *, year_start: datetime, deadline_end: datetime, year_end: datetime, department: str | None
) -> list[tuple[str, str, int, int]]:
    """(department, kind, on the list, of which added after the deadline) per department and kind."""
    e = _list_entries(year_start=year_start, year_end=year_end, department=department)
    rows = await session.execute(
        select(e.c.department, e.c.kind, func.count(), func.count().filter(e.c.created_at >= deadline_end))
        .group_by(e.c.department, e.c.kind)
        .order_by(e.c.department, e.c.kind)
    )
    return [(d, k, int(n), int(late)) for d, k, n, late in rows.all()]


async def late_entries(
    session: AsyncSession,
    *,
    year_start: datetime,
    deadline_end: datetime,
    year_end: datetime,
    department: str | None,
    limit: int,
) -> list[Any]:
    e = _list_entries(year_start=year_start, year_end=year_end, department=department)
    rows = await session.execute(
        select(e).where(e.c.created_at >= deadline_end).order_by(e.c.department, e.c.created_at, e.c.id).limit(limit)
    )
    return list(rows.all())


async def tasks(
    session: AsyncSession, *, year: int, department: str | None, limit: int
) -> tuple[list[tuple[Task, datetime | None]], int]:
    """The tasks of the year's plans, each with when it first reached a completed state; and how many."""
    done = (
        select(TaskTransition.task_id, func.min(TaskTransition.at).label("completed_at"))
        .where(TaskTransition.to_state.in_(DONE_STATES))
        .group_by(TaskTransition.task_id)
        .subquery()
    )
    where = [Task.plan_id.in_(select(Plan.id).where(Plan.year == year))]
    if department:
        where.append(Task.departments.contains([department]))
    total = await session.scalar(select(func.count()).select_from(Task).where(*where))
    rows = await session.execute(
        select(Task, done.c.completed_at)
        .outerjoin(done, done.c.task_id == Task.id)
        .where(*where)
        .order_by(Task.lead_department, Task.inspection_end, Task.id)
        .limit(limit)
    )
    return [(t, at) for t, at in rows.all()], int(total or 0)
