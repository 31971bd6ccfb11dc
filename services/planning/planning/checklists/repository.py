"""Every query on industry checklists."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.pagination import newest_first
from planning.checklists.models import Checklist, ChecklistEntry, ChecklistVersion


async def get(session: AsyncSession, checklist_id: uuid.UUID, *, for_update: bool = False) -> Checklist | None:
    stmt = select(Checklist).where(Checklist.id == checklist_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_version(session: AsyncSession, checklist_id: uuid.UUID, version: int) -> ChecklistVersion | None:
    return await session.get(ChecklistVersion, (checklist_id, version))


async def versions(session: AsyncSession, checklist_id: uuid.UUID) -> list[ChecklistVersion]:
    stmt = (
        select(ChecklistVersion).where(ChecklistVersion.checklist_id == checklist_id).order_by(ChecklistVersion.version)
    )
    return list((await session.execute(stmt)).scalars())


async def entries(session: AsyncSession, checklist_id: uuid.UUID, version: int) -> list[ChecklistEntry]:
    stmt = (
        select(ChecklistEntry)
        .where(ChecklistEntry.checklist_id == checklist_id, ChecklistEntry.checklist_version == version)
        .order_by(ChecklistEntry.position)
    )
    return list((await session.execute(stmt)).scalars())


async def list_page(
    session: AsyncSession,
    *,
    lead_department: str | None,
    department: str | None,
    industry: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[Checklist, ChecklistVersion]]:
    """Current versions, newest checklist first, keyset-paginated on (created_at, id)."""
    stmt = select(Checklist, ChecklistVersion).join(
        ChecklistVersion,
        and_(ChecklistVersion.checklist_id == Checklist.id, ChecklistVersion.version == Checklist.current_version),
    )
    if lead_department:
        stmt = stmt.where(ChecklistVersion.lead_department == lead_department)
    if department:
        stmt = stmt.where(
            (ChecklistVersion.lead_department == department)
            | ChecklistVersion.cooperating_departments.contains([department])
        )
    if industry:
        stmt = stmt.where(ChecklistVersion.industry_codes.contains([industry]))
    stmt = newest_first(stmt, Checklist.created_at, Checklist.id, after=after, limit=limit)
    return [(c, v) for c, v in (await session.execute(stmt)).all()]
