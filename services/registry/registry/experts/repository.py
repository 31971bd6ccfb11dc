"""Every query on experts."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.experts.models import Expert
from registry.experts.schemas import ExpertFilter, ExpertStatus
from registry.versioning.repository import VersionedRecords
from registry.versioning.store import visible_at


def _fields(values: list[str]) -> list[str]:
    return sorted({unicodedata.normalize("NFC", v).strip() for v in values})


def filter_conditions(f: ExpertFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.fields:
        conds.append(Expert.field.in_(_fields(f.fields)))
    if f.statuses:
        conds.append(Expert.status.in_([s.value for s in f.statuses]))
    return conds


#: get / as-of / 404, history, merge, next version, write, audit, delete of experts.
records: VersionedRecords[Expert] = VersionedRecords(
    Expert,
    key="expert_id",
    kind="expert",
    label="expert",
    label_zh="专家",
    attributes=("name", "field", "organisation", "title", "status"),
)


async def list_page(
    session: AsyncSession, *, f: ExpertFilter, version: int, after: str | None, limit: int
) -> list[Expert]:
    stmt = select(Expert).where(visible_at(Expert, version), *filter_conditions(f))
    if after:
        stmt = stmt.where(Expert.expert_id > after)
    return list((await session.execute(stmt.order_by(Expert.expert_id).limit(limit))).scalars())


def frame_query(*, fields: list[str], version: int) -> Any:
    """``expert_id, field`` of the active experts as of a version. Both columns collate "C",
    so the order is the UTF-8 byte order draw-v1 needs, Chinese fields included."""
    stmt = select(Expert.expert_id, Expert.field).where(
        visible_at(Expert, version), Expert.status == ExpertStatus.active.value
    )
    if fields:
        stmt = stmt.where(Expert.field.in_(_fields(fields)))
    return stmt.order_by(Expert.expert_id, Expert.field)
