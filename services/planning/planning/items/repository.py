"""Every query on check items."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.pagination import newest_first
from planning.items.models import CheckItem, CheckItemVersion


async def get(session: AsyncSession, item_id: uuid.UUID, *, for_update: bool = False) -> CheckItem | None:
    stmt = select(CheckItem).where(CheckItem.id == item_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def drawn_tasks_using(session: AsyncSession, item_id: uuid.UUID) -> list[uuid.UUID]:
    """Tasks already drawn whose pinned checklist version lists the item."""
    from planning.checklists.models import ChecklistEntry
    from planning.tasks.models import Task

    stmt = (
        select(Task.id)
        .join(
            ChecklistEntry,
            and_(
                ChecklistEntry.checklist_id == Task.checklist_id,
                ChecklistEntry.checklist_version == Task.checklist_version,
            ),
        )
        .where(ChecklistEntry.item_id == item_id, Task.objects_draw_id.is_not(None), Task.state != "cancelled")
        .order_by(Task.id)
    )
    return list((await session.execute(stmt)).scalars())


async def by_code(session: AsyncSession, department: str, code: str) -> CheckItem | None:
    stmt = select(CheckItem).where(CheckItem.department == department, CheckItem.code == code)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_version(session: AsyncSession, item_id: uuid.UUID, version: int) -> CheckItemVersion | None:
    return await session.get(CheckItemVersion, (item_id, version))


async def versions(session: AsyncSession, item_id: uuid.UUID) -> list[CheckItemVersion]:
    stmt = select(CheckItemVersion).where(CheckItemVersion.item_id == item_id).order_by(CheckItemVersion.version)
    return list((await session.execute(stmt)).scalars())


async def get_many_versions(
    session: AsyncSession, keys: Iterable[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], tuple[CheckItem, CheckItemVersion]]:
    """Items and the given versions of them, keyed by (item_id, version)."""
    keys = list(set(keys))
    if not keys:
        return {}
    stmt = (
        select(CheckItem, CheckItemVersion)
        .join(CheckItemVersion, CheckItemVersion.item_id == CheckItem.id)
        .where(tuple_(CheckItemVersion.item_id, CheckItemVersion.version).in_(keys))
    )
    return {(v.item_id, v.version): (i, v) for i, v in (await session.execute(stmt)).all()}


async def get_many(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CheckItem]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {i.id: i for i in (await session.execute(select(CheckItem).where(CheckItem.id.in_(ids)))).scalars()}


async def list_page(
    session: AsyncSession,
    *,
    department: str | None,
    category: str | None,
    q: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[CheckItem, CheckItemVersion]]:
    """Current versions, newest item first, keyset-paginated on (created_at, id)."""
    stmt = select(CheckItem, CheckItemVersion).join(
        CheckItemVersion,
        and_(CheckItemVersion.item_id == CheckItem.id, CheckItemVersion.version == CheckItem.current_version),
    )
    if department:
        stmt = stmt.where(CheckItem.department == department)
    if category:
        stmt = stmt.where(CheckItemVersion.category == category)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(CheckItemVersion.name.ilike(like, escape="\\"), CheckItem.code.ilike(like, escape="\\")))
    stmt = newest_first(stmt, CheckItem.created_at, CheckItem.id, after=after, limit=limit)
    return [(i, v) for i, v in (await session.execute(stmt)).all()]


def add(session: AsyncSession, *objs: object) -> None:
    session.add_all(objs)
