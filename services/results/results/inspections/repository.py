"""Every query on inspections."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, delete, false, literal, or_, select, text, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.visibility import Scope
from results.inspections.models import Inspection


async def upsert_teams(
    session: AsyncSession,
    *,
    task_id: str,
    draw_id: str,
    teams: list[tuple[str, list[str]]],
    departments: list[str],
    team_departments: list[str],
) -> int:
    if not teams:
        return 0
    stmt = insert(Inspection).values(
        [
            {
                "id": uuid.uuid4(),
                "task_id": task_id,
                "draw_id": draw_id,
                "uscc": uscc,
                "inspectors": inspectors,
                "departments": departments,
                "team_departments": team_departments,
            }
            for uscc, inspectors in teams
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["task_id", "uscc"],
        set_={
            "draw_id": stmt.excluded.draw_id,
            "inspectors": stmt.excluded.inspectors,
            "departments": stmt.excluded.departments,
            "team_departments": stmt.excluded.team_departments,
        },
        where=Inspection.state == "assigned",
    )
    return (await session.execute(stmt)).rowcount


async def delete_assigned_of_draw(session: AsyncSession, *, task_id: str, draw_id: str) -> int:
    return (
        await session.execute(
            delete(Inspection).where(
                Inspection.task_id == task_id, Inspection.draw_id == draw_id, Inspection.state == "assigned"
            )
        )
    ).rowcount


async def get(session: AsyncSession, inspection_id: uuid.UUID) -> Inspection | None:
    return await session.get(Inspection, inspection_id)


def _visible(scope: Scope) -> ColumnElement[bool]:
    """``Scope.admits`` in SQL (jointcheck.visibility): the one rule, applied to a list."""
    if scope.everything:
        return true()
    conditions = []
    if scope.department is not None:
        conditions.append(Inspection.departments.any_() == scope.department)
    if scope.inspector is not None:
        conditions.append(Inspection.inspectors.any_() == scope.inspector)
    return or_(*conditions) if conditions else false()


async def list_visible(
    session: AsyncSession, *, scope: Scope, task_id: str | None, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[Inspection]:
    """By entity, then id (an entity recurs across tasks), from after the cursor's row."""
    stmt = select(Inspection).where(_visible(scope))
    if task_id:
        stmt = stmt.where(Inspection.task_id == task_id)
    if after:
        stmt = stmt.where(tuple_(Inspection.uscc, Inspection.id) > tuple_(literal(after[0]), literal(after[1])))
    return list((await session.execute(stmt.order_by(Inspection.uscc, Inspection.id).limit(limit))).scalars())


async def inspected_since(session: AsyncSession, since: date) -> list[str]:
    rows = await session.execute(
        select(Inspection.uscc).where(Inspection.inspected_on >= since).distinct().order_by(Inspection.uscc)
    )
    return list(rows.scalars())


async def last_inspectors(session: AsyncSession, usccs: list[str]) -> dict[str, list[str]]:
    rows = await session.execute(
        text(
            "SELECT DISTINCT ON (uscc) uscc, inspectors FROM inspections "
            "WHERE uscc = ANY(:u) AND inspected_on IS NOT NULL ORDER BY uscc, inspected_on DESC, created_at DESC"
        ),
        {"u": usccs},
    )
    return {u: list(i) for u, i in rows.all()}
