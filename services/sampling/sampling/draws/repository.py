"""Every query on draws."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.db import where_given
from jointcheck.pagination import newest_first
from sampling.draws.models import Draw


async def get(session: AsyncSession, draw_id: uuid.UUID, *, for_update: bool = False) -> Draw | None:
    stmt = select(Draw).where(Draw.id == draw_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def inputs_of(session: AsyncSession, draw_id: uuid.UUID) -> bytes:
    """The draw's stored inputs (``inputs_gz`` is deferred: most reads of a draw never need them)."""
    return (await session.execute(select(Draw.inputs_gz).where(Draw.id == draw_id))).scalar_one()


# What the public view shows, without the frozen inputs and the result (megabytes for a large frame).
_PUBLIC_VIEW = """
SELECT id, task_id, kind, status, round, completes_draw_id, announcement, announcement_sha256, commitment,
       entropy_source, input_hashes::text AS input_hashes, registered_at, receipt->>'receipt_id' AS receipt_id,
       entropy, entropy_at, executed_at, void_reason, voided_at, public_from, result_gz IS NOT NULL AS has_result
FROM draws WHERE id = $1
"""


async def public_view(conn: asyncpg.Connection, draw_id: uuid.UUID) -> dict[str, Any] | None:
    """The columns of a draw's public view, on a read connection (``has_result``: a result is stored)."""
    row = await conn.fetchrow(_PUBLIC_VIEW, draw_id)
    if row is None:
        return None
    view = dict(row)
    view["input_hashes"] = json.loads(view["input_hashes"])  # the read connection decodes no JSON
    return view


async def active(session: AsyncSession, task_id: str, kind: str, *, for_update: bool = False) -> Draw | None:
    """The task's active draw of ``kind`` (for teams: of the latest round)."""
    stmt = (
        select(Draw)
        .where(Draw.task_id == task_id, Draw.kind == kind, Draw.status != "voided")
        .order_by(Draw.round.desc())
        .limit(1)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_rounds(session: AsyncSession, task_id: str, kind: str) -> list[Draw]:
    """Every active draw of ``kind`` of the task, by round."""
    stmt = select(Draw).where(Draw.task_id == task_id, Draw.kind == kind, Draw.status != "voided").order_by(Draw.round)
    return list((await session.execute(stmt)).scalars())


async def list_draws(
    session: AsyncSession,
    *,
    task_id: str | None,
    kind: str | None,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Draw]:
    stmt = where_given(select(Draw), (Draw.task_id, task_id), (Draw.kind, kind), (Draw.status, status))
    stmt = newest_first(stmt, Draw.created_at, Draw.id, after=after, limit=limit)
    return list((await session.execute(stmt)).scalars())
