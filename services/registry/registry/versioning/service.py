"""Taking new versions and resolving ``as_of`` (a version or a timestamp)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import UnprocessableEntity


async def next_version(
    session: AsyncSession, *, actor: Principal | None, reason: str, details: dict[str, Any] | None = None
) -> int:
    """Take the next registry version; holds the version lock until the transaction ends."""
    version = (
        await session.execute(
            text(
                "INSERT INTO registry_state (id, version) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE SET version = registry_state.version + 1 RETURNING version"
            )
        )
    ).scalar_one()
    await session.execute(
        text("INSERT INTO registry_versions (version, actor, reason, details) VALUES (:v, :a, :r, CAST(:d AS jsonb))"),
        {"v": version, "a": actor.subject if actor else None, "r": reason, "d": _json(details or {})},
    )
    return version


#: The registry's current version (SQL).
CURRENT_VERSION = "SELECT coalesce(max(version), 0) FROM registry_state"
_VERSION_AT = "SELECT coalesce(max(version), 0) FROM registry_versions WHERE created_at <= {ts}"


async def current_version(session: AsyncSession) -> int:
    return (await session.execute(text(CURRENT_VERSION))).scalar_one()


def parse_as_of(raw: str | None) -> int | datetime | None:
    """``as_of`` is a registry version (an integer) or an RFC 3339 timestamp."""
    if raw is None or raw == "":
        return None
    if raw.isdigit():
        return int(raw)
    try:
        ts = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise UnprocessableEntity(
            f"as_of must be a registry version or an RFC 3339 timestamp, not {raw!r}",
            detail_zh="as_of 须为名录库版本号或 RFC 3339 时间",
            code="invalid_as_of",
        ) from None
    if ts.tzinfo is None:
        raise UnprocessableEntity(
            "as_of timestamps need a time zone (e.g. Z or +08:00)", detail_zh="as_of 时间须带时区", code="invalid_as_of"
        )
    return ts


async def _resolve(
    raw: str | None, current: Callable[[], Awaitable[int]], at: Callable[[datetime], Awaitable[int]]
) -> int:
    value = parse_as_of(raw)
    now = await current()
    if value is None:
        return now
    if isinstance(value, int):
        if value > now:
            raise UnprocessableEntity(
                f"registry version {value} does not exist yet (current: {now})",
                detail_zh=f"名录库版本 {value} 尚不存在（当前 {now}）",
                code="as_of_in_future",
            )
        return value
    if value > datetime.now(UTC):
        raise UnprocessableEntity("as_of is in the future", detail_zh="as_of 不能晚于当前时间", code="as_of_in_future")
    return int(await at(value))


async def resolve_as_of(session: AsyncSession, raw: str | None) -> int:
    """The registry version a read should see. Future versions and times are refused:
    their answer could still change, and a past read must never change."""

    async def at(ts: datetime) -> int:
        return (await session.execute(text(_VERSION_AT.format(ts=":ts")), {"ts": ts})).scalar_one()

    return await _resolve(raw, lambda: current_version(session), at)


async def resolve_as_of_on(conn: asyncpg.Connection, raw: str | None) -> int:
    """:func:`resolve_as_of` on a read connection (``jointcheck.db.Database.read_connection``)."""
    return await _resolve(
        raw, lambda: conn.fetchval(CURRENT_VERSION), lambda ts: conn.fetchval(_VERSION_AT.format(ts="$1"), ts)
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
