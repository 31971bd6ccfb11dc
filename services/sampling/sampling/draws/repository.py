"""Every query on draws."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.errors import BadRequest
from sampling.draws.models import Draw


async def get(session: AsyncSession, draw_id: uuid.UUID, *, for_update: bool = False) -> Draw | None:
    stmt = select(Draw).where(Draw.id == draw_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def active(session: AsyncSession, task_id: str, kind: str, *, for_update: bool = False) -> Draw | None:
    stmt = select(Draw).where(Draw.task_id == task_id, Draw.kind == kind, Draw.status != "voided")
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_draws(session: AsyncSession, *, task_id: str | None, kind: str | None, status: str | None,
                     before: tuple[str, str] | None, limit: int) -> list[Draw]:
    stmt = select(Draw)
    if task_id:
        stmt = stmt.where(Draw.task_id == task_id)
    if kind:
        stmt = stmt.where(Draw.kind == kind)
    if status:
        stmt = stmt.where(Draw.status == status)
    if before:
        try:
            after_key = (datetime.fromisoformat(before[0]), uuid.UUID(before[1]))
        except (TypeError, ValueError):
            raise BadRequest("the cursor is not valid; start again without one", detail_zh="分页游标无效",
                             code="invalid_cursor") from None
        stmt = stmt.where(tuple_(Draw.created_at, Draw.id) < after_key)
    return list((await session.execute(stmt.order_by(Draw.created_at.desc(), Draw.id.desc()).limit(limit))).scalars())
