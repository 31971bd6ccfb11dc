"""Every query on annual plans."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.pagination import newest_first
from planning.plans.models import Plan, PlanTransition


async def get(session: AsyncSession, plan_id: uuid.UUID, *, for_update: bool = False) -> Plan | None:
    stmt = select(Plan).where(Plan.id == plan_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_year_and_lead(session: AsyncSession, year: int, lead_department: str) -> Plan | None:
    stmt = select(Plan).where(Plan.year == year, Plan.lead_department == lead_department)
    return (await session.execute(stmt)).scalar_one_or_none()


async def transitions(session: AsyncSession, plan_id: uuid.UUID) -> list[PlanTransition]:
    stmt = (
        select(PlanTransition).where(PlanTransition.plan_id == plan_id).order_by(PlanTransition.at, PlanTransition.id)
    )
    return list((await session.execute(stmt)).scalars())


async def list_page(
    session: AsyncSession,
    *,
    year: int | None,
    lead_department: str | None,
    states: list[str] | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Plan]:
    stmt = select(Plan)
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    if lead_department:
        stmt = stmt.where(Plan.lead_department == lead_department)
    if states:
        stmt = stmt.where(Plan.state.in_(states))
    stmt = newest_first(stmt, Plan.created_at, Plan.id, after=after, limit=limit)
    return list((await session.execute(stmt)).scalars())


async def filed_late(session: AsyncSession, *, year: int | None) -> list[Plan]:
    stmt = select(Plan).where(Plan.filed_late.is_(True))
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    return list((await session.execute(stmt.order_by(Plan.year, Plan.lead_department))).scalars())


async def unfiled(session: AsyncSession, *, year: int | None, up_to_year: int) -> list[Plan]:
    """Draft plans of years whose filing deadline may have passed (``year <= up_to_year``)."""
    stmt = select(Plan).where(Plan.state == "draft", Plan.year <= up_to_year)
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    return list((await session.execute(stmt.order_by(Plan.year, Plan.lead_department))).scalars())
