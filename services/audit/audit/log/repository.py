"""Every query of the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from audit.log.models import AuditEvent
from jointcheck.db import where_given

_CHAIN_LOCK = 0x41554454  # "AUDT": one advisory lock key for the chain's tail


async def lock_chain(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})


async def last_entry(session: AsyncSession) -> AuditEvent | None:
    return (await session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))).scalar_one_or_none()


async def list_entries(
    session: AsyncSession,
    *,
    after_seq: int | None,
    limit: int,
    source: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_subject: str | None = None,
    related_to: str | None = None,
) -> list[AuditEvent]:
    stmt = select(AuditEvent)
    if after_seq is not None:
        stmt = stmt.where(AuditEvent.seq > after_seq)
    stmt = where_given(
        stmt,
        (AuditEvent.source, source),
        (AuditEvent.action, action),
        (AuditEvent.object_type, object_type),
        (AuditEvent.object_id, object_id),
        (AuditEvent.actor["subject"].astext, actor_subject),
    )
    if related_to:
        stmt = stmt.where(
            or_(
                AuditEvent.object_id == related_to,
                AuditEvent.data["task_id"].astext == related_to,
                AuditEvent.data["draw_id"].astext == related_to,
            )
        )
    return list((await session.execute(stmt.order_by(AuditEvent.seq).limit(limit))).scalars())


async def stream_entries(session: AsyncSession, batch: int = 5000) -> AsyncIterator[AuditEvent]:
    after = 0
    while True:
        rows = list(
            (
                await session.execute(
                    select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
                )
            ).scalars()
        )
        if not rows:
            return
        for r in rows:
            yield r
        after = rows[-1].seq
        session.expunge_all()
