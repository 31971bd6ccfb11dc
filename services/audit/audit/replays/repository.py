"""Every query of replays, chain verifications and scheduler leases."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from audit.announcements.models import Announcement
from audit.log.models import AuditEvent
from audit.replays.checks import Registration
from audit.replays.models import ChainVerification, Replay


async def registrations(session: AsyncSession, draw_id: str) -> tuple[Registration, ...]:
    """Every announcement audit registered for ``draw_id``, with its chain entry."""
    rows = await session.execute(
        select(Announcement, AuditEvent.data["announcement_sha256"].astext, AuditEvent.recorded_at)
        .outerjoin(AuditEvent, AuditEvent.seq == Announcement.chain_seq)
        .where(Announcement.draw_id == draw_id)
        .order_by(Announcement.registered_at)
    )
    return tuple(
        Registration(
            announcement=a.announcement,
            announcement_sha256=a.announcement_sha256,
            registered_at=a.registered_at,
            chain_sha256=sha,
            chain_recorded_at=recorded,
        )
        for a, sha, recorded in rows.all()
    )


async def get(session: AsyncSession, replay_id: uuid.UUID) -> Replay | None:
    return await session.get(Replay, replay_id)


async def list_replays(
    session: AsyncSession,
    *,
    draw_id: str | None,
    task_id: str | None,
    ok: bool | None,
    failed_check: str | None,
    trigger: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Replay]:
    stmt = select(Replay)
    if draw_id is not None:
        stmt = stmt.where(Replay.draw_id == draw_id)
    if task_id is not None:
        stmt = stmt.where(Replay.task_id == task_id)
    if ok is not None:
        stmt = stmt.where(Replay.ok == ok)
    if failed_check is not None:
        stmt = stmt.where(Replay.failed_check == failed_check)
    if trigger is not None:
        stmt = stmt.where(Replay.trigger == trigger)
    if after is not None:
        stmt = stmt.where(tuple_(Replay.finished_at, Replay.id) < tuple_(*after))
    stmt = stmt.order_by(Replay.finished_at.desc(), Replay.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def last_replayed(session: AsyncSession, draw_ids: list[str]) -> dict[str, datetime]:
    """When each of ``draw_ids`` was last replayed (absent: never)."""
    if not draw_ids:
        return {}
    rows = await session.execute(
        select(Replay.draw_id, func.max(Replay.finished_at))
        .where(Replay.draw_id.in_(draw_ids))
        .group_by(Replay.draw_id)
    )
    return {d: t for d, t in rows.all()}


async def announcements_of_task(session: AsyncSession, task_id: str, limit: int) -> list[Announcement]:
    """Announcements whose canonical JSON names ``task_id`` at the top level."""
    needle = '"task_id":' + json.dumps(task_id, ensure_ascii=False)
    stmt = (
        select(Announcement)
        .where(Announcement.announcement.contains(needle, autoescape=True))
        .order_by(Announcement.registered_at, Announcement.receipt_id)
        .limit(limit)
    )
    out = []
    for row in (await session.execute(stmt)).scalars():
        try:
            parsed = json.loads(row.announcement)
        except ValueError:
            continue
        if isinstance(parsed, dict) and parsed.get("task_id") == task_id:
            out.append(row)
    return out


async def list_chain_verifications(
    session: AsyncSession, *, ok: bool | None, before_id: int | None, limit: int
) -> list[ChainVerification]:
    stmt = select(ChainVerification)
    if ok is not None:
        stmt = stmt.where(ChainVerification.ok == ok)
    if before_id is not None:
        stmt = stmt.where(ChainVerification.id < before_id)
    return list((await session.execute(stmt.order_by(ChainVerification.id.desc()).limit(limit))).scalars())


async def take_lease(session: AsyncSession, name: str, holder: str, seconds: float) -> bool:
    """Hold job ``name`` if it is due (its lease expired) or already ours."""
    row = await session.execute(
        text(
            "INSERT INTO scheduler_leases (name, holder, expires_at) VALUES (:n, :h, now() + make_interval(secs => :s)) "
            "ON CONFLICT (name) DO UPDATE SET holder = :h, expires_at = now() + make_interval(secs => :s) "
            "WHERE scheduler_leases.expires_at <= now() RETURNING holder"
        ),
        {"n": name, "h": holder, "s": seconds},
    )
    return row.scalar_one_or_none() == holder


async def next_due(session: AsyncSession, name: str, holder: str, seconds: float) -> None:
    """The job is done: it is next due in ``seconds`` (whoever holds it then)."""
    await session.execute(
        text(
            "UPDATE scheduler_leases SET expires_at = now() + make_interval(secs => :s) WHERE name = :n AND holder = :h"
        ),
        {"n": name, "h": holder, "s": seconds},
    )
