"""Every query on inspectors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.repository import division_prefix
from registry.inspectors.models import Inspector
from registry.inspectors.schemas import InspectorFilter, InspectorStatus
from registry.versioning.repository import VersionedRecords
from registry.versioning.store import is_current, visible_at


def filter_conditions(f: InspectorFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.departments:
        conds.append(Inspector.department.in_([d.strip().upper() for d in f.departments]))
    if f.statuses:
        conds.append(Inspector.status.in_([s.value for s in f.statuses]))
    if f.specialties:
        conds.append(Inspector.specialties.overlap([s.strip() for s in f.specialties]))
    if f.region_prefixes:
        conds.append(
            or_(*(Inspector.region.startswith(division_prefix(p), autoescape=True) for p in f.region_prefixes))
        )
    return conds


#: get / as-of / 404, history, merge, next version, write, audit, delete of inspectors.
records: VersionedRecords[Inspector] = VersionedRecords(
    Inspector,
    key="inspector_id",
    kind="inspector",
    label="inspector",
    label_zh="执法人员",
    attributes=("name", "department", "certificate_no", "specialties", "region", "status"),
)


async def holder_of_certificate(session: AsyncSession, certificate_no: str) -> Inspector | None:
    """The current, non-deleted inspector holding ``certificate_no``."""
    stmt = select(Inspector).where(Inspector.certificate_no == certificate_no, is_current(Inspector))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession, *, f: InspectorFilter, version: int, after: str | None, limit: int
) -> list[Inspector]:
    stmt = select(Inspector).where(visible_at(Inspector, version), *filter_conditions(f))
    if after:
        stmt = stmt.where(Inspector.inspector_id > after)
    return list((await session.execute(stmt.order_by(Inspector.inspector_id).limit(limit))).scalars())


def pool_query(*, departments: list[str], version: int) -> Any:
    """``inspector_id, department`` of the active inspectors as of a version, in bytewise order
    (both columns collate "C"; ids hold no byte below TAB, so field order is line order)."""
    stmt = select(Inspector.inspector_id, Inspector.department).where(
        visible_at(Inspector, version), Inspector.status == InspectorStatus.active.value
    )
    if departments:
        stmt = stmt.where(Inspector.department.in_(sorted({d.strip().upper() for d in departments})))
    return stmt.order_by(Inspector.inspector_id, Inspector.department)
