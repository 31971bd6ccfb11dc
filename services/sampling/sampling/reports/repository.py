"""Every query of sampling's year summary. A draw belongs to the year its task's inspection window begins
in, as its announcement records it (``context.inspection_window``; planning keeps a task's window inside
its plan's year and warns otherwise)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sampling.draws.models import Draw


def _of_year(year: int, department: str | None) -> ColumnElement[bool]:
    window_start = Draw.context["inspection_window"][0].astext
    condition = and_(window_start >= f"{year:04d}-01-01", window_start < f"{year + 1:04d}-01-01")
    if department:
        condition = and_(condition, Draw.context["departments"].contains([department]))
    return condition


async def counts(session: AsyncSession, *, year: int, department: str | None) -> list[tuple[str, str, int]]:
    rows = await session.execute(
        select(Draw.kind, Draw.status, func.count())
        .where(_of_year(year, department))
        .group_by(Draw.kind, Draw.status)
        .order_by(Draw.kind, Draw.status)
    )
    return [(k, s, int(n)) for k, s, n in rows.all()]


async def draws(session: AsyncSession, *, year: int, department: str | None, limit: int) -> list[Any]:
    """The year's draws, oldest first, without their files (never the secret)."""
    rows = await session.execute(
        select(
            Draw.id,
            Draw.task_id,
            Draw.kind,
            Draw.round,
            Draw.status,
            Draw.context["lead_department"].astext.label("lead_department"),
            Draw.context["departments"].label("departments"),
            Draw.created_at,
            Draw.executed_at,
            Draw.voided_at,
            Draw.voided_by,
            Draw.void_reason,
        )
        .where(_of_year(year, department))
        .order_by(Draw.created_at, Draw.id)
        .limit(limit)
    )
    return list(rows.all())
