"""Every query on recusals."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.codes import normalize_uscc
from registry.recusals.models import Recusal
from registry.recusals.schemas import RecusalFilter
from registry.versioning.repository import VersionedRecords
from registry.versioning.store import visible_at

FRAME_REASON = "recusal"


def in_force_on(day: date) -> ColumnElement[bool]:
    return (Recusal.effective_from <= day) & or_(Recusal.effective_until.is_(None), Recusal.effective_until >= day)


def _conditions(*, inspector_ids: list[str], usccs: list[str], valid_on: date | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if inspector_ids:
        conds.append(Recusal.inspector_id.in_(sorted({i.strip() for i in inspector_ids})))
    if usccs:
        conds.append(Recusal.uscc.in_(sorted({normalize_uscc(u) for u in usccs})))
    if valid_on is not None:
        conds.append(in_force_on(valid_on))
    return conds


#: get / as-of / 404, history, next version, write, audit, withdrawal of recusals.
records: VersionedRecords[Recusal] = VersionedRecords(
    Recusal,
    key="recusal_id",
    kind="recusal",
    label="recusal",
    label_zh="回避声明",
    attributes=(
        "inspector_id",
        "uscc",
        "reason",
        "declared_by",
        "effective_from",
        "effective_until",
        "withdrawal_reason",
    ),
)


async def list_page(
    session: AsyncSession, *, f: RecusalFilter, version: int, after: str | None, limit: int
) -> list[Recusal]:
    stmt = select(Recusal).where(
        visible_at(Recusal, version), *_conditions(inspector_ids=f.inspector_ids, usccs=f.usccs, valid_on=f.valid_on)
    )
    if after:
        stmt = stmt.where(Recusal.recusal_id > after)
    return list((await session.execute(stmt.order_by(Recusal.recusal_id).limit(limit))).scalars())


def pairs_query(*, on: date, inspector_ids: list[str], usccs: list[str], version: int) -> Any:
    """``recusal, inspector_id, uscc`` lines (draw-v1 constraints) of the recusals in force on
    ``on`` as of a version: one line per pair however many recusals bar it, bytewise order."""
    return (
        select(literal(FRAME_REASON, String), Recusal.inspector_id, Recusal.uscc)
        .where(visible_at(Recusal, version), *_conditions(inspector_ids=inspector_ids, usccs=usccs, valid_on=on))
        .distinct()
        .order_by(Recusal.inspector_id, Recusal.uscc)
    )
