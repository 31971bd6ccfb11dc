"""Generic reads and writes of versioned records (entities, inspectors, experts, recusals)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def visible_at(model: Any, version: int, *, include_deleted: bool = False) -> ColumnElement[bool]:
    """Rows that were the state of their record at registry version ``version``."""
    cond = and_(model.valid_from <= version, or_(model.valid_to.is_(None), model.valid_to > version))
    return cond if include_deleted else and_(cond, model.deleted.is_(False))


def is_current(model: Any, *, include_deleted: bool = False) -> ColumnElement[bool]:
    cond = model.valid_to.is_(None)
    return cond if include_deleted else and_(cond, model.deleted.is_(False))


async def get_state(
    session: AsyncSession,
    model: type[T],
    key_col: Any,
    key: Any,
    *,
    version: int | None = None,
    include_deleted: bool = False,
) -> T | None:
    cond = (
        is_current(model, include_deleted=include_deleted)
        if version is None
        else visible_at(model, version, include_deleted=include_deleted)
    )
    return (await session.execute(select(model).where(key_col == key, cond))).scalar_one_or_none()


async def write_version(
    session: AsyncSession,
    model: type[T],
    key_col: Any,
    key: Any,
    values: dict[str, Any],
    *,
    version: int,
    actor: str | None,
    reason: str,
    deleted: bool = False,
) -> T:
    """Close the current row of ``key`` (if any) at ``version`` and insert the new state."""
    await session.execute(
        update(model).where(key_col == key, model.valid_to.is_(None)).values(valid_to=version)  # type: ignore[attr-defined]
    )
    row = model(**values, valid_from=version, valid_to=None, deleted=deleted, changed_by=actor, change_reason=reason)
    session.add(row)
    await session.flush()
    return row


async def history(session: AsyncSession, model: type[T], key_col: Any, key: Any) -> list[T]:
    return list((await session.execute(select(model).where(key_col == key).order_by(model.valid_from))).scalars())  # type: ignore[attr-defined]
