"""Every query on calendar years."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from results.calendars.models import CalendarYear


async def list_all(session: AsyncSession) -> list[CalendarYear]:
    return list((await session.execute(select(CalendarYear).order_by(CalendarYear.year))).scalars())


async def get(session: AsyncSession, year: int, *, for_update: bool = False) -> CalendarYear | None:
    stmt = select(CalendarYear).where(CalendarYear.year == year)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_new(
    session: AsyncSession,
    *,
    year: int,
    days_off: list[date],
    makeup_workdays: list[date],
    source: str,
    origin: str,
    loaded_by: str,
) -> CalendarYear | None:
    """The new row, or None if the year is there already (a concurrent load included)."""
    stmt = (
        insert(CalendarYear)
        .values(
            year=year,
            days_off=days_off,
            makeup_workdays=makeup_workdays,
            source=source,
            origin=origin,
            loaded_by=loaded_by,
        )
        .on_conflict_do_nothing(index_elements=[CalendarYear.year])
        .returning(CalendarYear)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
