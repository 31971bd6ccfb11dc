"""Every query of the platform sync: the feed's cursor, runs, and the entities a page touches."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.pagination import newest_first
from registry.entities.models import Entity
from registry.entities.repository import raw_connection
from registry.platform_sync.models import PlatformSyncRun, PlatformSyncState

#: Columns a sync writes into ``entities`` (COPY), in order.
ENTITY_COLUMNS = (
    "uscc",
    "name",
    "entity_type",
    "industry_code",
    "division_code",
    "address",
    "status",
    "registered_on",
    "credit_class",
    "classified_at",
    "departments",
    "tags",
    "legacy_code",
    "source",
    "valid_from",
    "deleted",
    "changed_by",
    "change_reason",
)


async def state(session: AsyncSession, feed: str, *, lock: bool = False) -> PlatformSyncState:
    """The feed's row (created at cursor 0 the first time); ``lock``: held until commit,
    so replicas apply pages one at a time."""
    await session.execute(
        text("INSERT INTO platform_sync_state (feed) VALUES (:f) ON CONFLICT (feed) DO NOTHING"), {"f": feed}
    )
    stmt = select(PlatformSyncState).where(PlatformSyncState.feed == feed).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one()


async def find_state(session: AsyncSession, feed: str) -> PlatformSyncState | None:
    return await session.get(PlatformSyncState, feed)


async def move_cursor(session: AsyncSession, feed: str, *, cursor: int, newest_seq: int) -> None:
    await session.execute(
        update(PlatformSyncState)
        .where(PlatformSyncState.feed == feed)
        .values(cursor=cursor, newest_seq=newest_seq, updated_at=text("clock_timestamp()"))
    )


async def start_run(
    session: AsyncSession, *, feed: str, trigger: str, actor: str | None, cursor: int, newest_seq: int
) -> PlatformSyncRun:
    run = PlatformSyncRun(
        id=uuid.uuid4(),
        feed=feed,
        trigger=trigger,
        actor=actor,
        status="running",
        cursor_from=cursor,
        cursor_to=cursor,
        newest_seq=newest_seq,
    )
    session.add(run)
    await session.flush()
    return run


async def abandon_stale_runs(session: AsyncSession, feed: str, *, older_than_s: float) -> None:
    """Runs left ``running`` by a process that died (no page for a long while)."""
    await session.execute(
        text(
            "UPDATE platform_sync_runs SET status = 'abandoned', finished_at = clock_timestamp() "
            "WHERE feed = :f AND status = 'running' AND updated_at < clock_timestamp() - make_interval(secs => :s)"
        ),
        {"f": feed, "s": older_than_s},
    )


async def add_page_to_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    counts: dict[str, int],
    cursor: int,
    newest_seq: int,
    version: int | None,
    rejects: list[dict[str, Any]],
    max_listed: int,
) -> None:
    """Add a page's counts to its run (in the page's transaction: the report never drifts from the data)."""
    sets = ", ".join(f"{k} = {k} + :{k}" for k in counts)
    await session.execute(
        text(
            f"UPDATE platform_sync_runs SET pages = pages + 1, {sets}, cursor_to = :cursor, newest_seq = :newest, "
            "updated_at = clock_timestamp(), "
            "versions = CASE WHEN CAST(:version AS bigint) IS NULL THEN versions "
            "ELSE versions || to_jsonb(CAST(:version AS bigint)) END, "
            "rejects = CASE WHEN jsonb_array_length(rejects) >= :max THEN rejects "
            "ELSE rejects || CAST(:rejects AS jsonb) END WHERE id = :id"
        ),
        {
            **counts,
            "cursor": cursor,
            "newest": newest_seq,
            "version": version,
            "max": max_listed,
            "id": run_id,
            "rejects": json.dumps(rejects[:max_listed], ensure_ascii=False),
        },
    )


async def finish_run(
    session: AsyncSession, run_id: uuid.UUID, *, status: str, error: str | None, cursor: int, newest_seq: int
) -> PlatformSyncRun:
    await session.execute(
        update(PlatformSyncRun)
        .where(PlatformSyncRun.id == run_id)
        .values(
            status=status, error=error, cursor_to=cursor, newest_seq=newest_seq, finished_at=text("clock_timestamp()")
        )
    )
    return (
        await session.execute(
            select(PlatformSyncRun).where(PlatformSyncRun.id == run_id).execution_options(populate_existing=True)
        )
    ).scalar_one()


async def list_runs(session: AsyncSession, *, after: tuple[Any, uuid.UUID] | None, limit: int) -> list[PlatformSyncRun]:
    """Newest first; ``limit + 1`` rows (the extra one says more follow)."""
    stmt = newest_first(
        select(PlatformSyncRun), PlatformSyncRun.created_at, PlatformSyncRun.id, after=after, limit=limit + 1
    )
    return list((await session.execute(stmt)).scalars())


async def current_entities(session: AsyncSession, usccs: list[str]) -> dict[str, Entity]:
    """The current row (deleted or not) of each code."""
    rows = (await session.execute(select(Entity).where(Entity.uscc.in_(usccs), Entity.valid_to.is_(None)))).scalars()
    return {e.uscc: e for e in rows}


async def write_entities(session: AsyncSession, *, close_row_ids: list[int], rows: list[tuple[Any, ...]]) -> None:
    """Close the replaced rows, COPY the new states (``ENTITY_COLUMNS`` order) in."""
    if close_row_ids:
        await session.execute(
            text("UPDATE entities SET valid_to = :v WHERE row_id = ANY(:ids)"),
            {"v": rows[0][ENTITY_COLUMNS.index("valid_from")], "ids": close_row_ids},
        )
    if rows:
        conn = await raw_connection(session)
        await conn.copy_records_to_table("entities", records=rows, columns=list(ENTITY_COLUMNS))
