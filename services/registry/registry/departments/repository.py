"""Every query on departments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.departments.models import Department


async def get(session: AsyncSession, code: str) -> Department | None:
    return await session.get(Department, code)


async def list_all(session: AsyncSession, *, include_inactive: bool = True) -> list[Department]:
    stmt = select(Department).order_by(Department.code)
    if not include_inactive:
        stmt = stmt.where(Department.active.is_(True))
    return list((await session.execute(stmt)).scalars())


async def by_name(session: AsyncSession, name: str) -> Department | None:
    return (await session.execute(select(Department).where(Department.name == name))).scalar_one_or_none()


async def existing_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    codes = list(set(codes))
    if not codes:
        return set()
    return set((await session.execute(select(Department.code).where(Department.code.in_(codes)))).scalars())


async def name_to_code(session: AsyncSession) -> dict[str, str]:
    rows = (await session.execute(select(Department.code, Department.name, Department.short_name))).all()
    out: dict[str, str] = {}
    for code, name, short in rows:
        out[name] = code
        out[short] = code
        out[code] = code
    return out
