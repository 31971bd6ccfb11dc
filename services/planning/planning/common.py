"""Small helpers every planning domain uses: codes, ETags, actors, time, pages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from jointcheck.auth import Principal
from jointcheck.errors import BadRequest, PreconditionFailed, PreconditionRequired
from jointcheck.pagination import decode_cursor, encode_cursor


#: China Standard Time: deadlines (31 January, 31 October) are calendar days in Beijing.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

T = TypeVar("T")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def china_date(moment: datetime) -> date:
    """The calendar date in Beijing of an aware timestamp."""
    return moment.astimezone(CHINA_TZ).date()


def actor_name(user: Principal) -> str:
    """How a person or service is recorded in histories (subject, plus department)."""
    return f"{user.subject}@{user.dept}" if user.dept else user.subject


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, *, current_version: int, what: str) -> None:
    """Updates of shared records need the ETag the caller last read (no lost updates)."""
    if if_match is None:
        raise PreconditionRequired("send If-Match with the ETag you last read", detail_zh="请在 If-Match 中提供最近读取的 ETag")
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and etag(current_version) not in tags:
        raise PreconditionFailed(
            f"{what} changed since (now at version {current_version})",
            detail_zh=f"{what} 已被修改（当前版本 {current_version}）",
            code="etag_mismatch",
            extra={"current_etag": etag(current_version)},
        )


def page_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """Decode a (created_at, id) keyset cursor."""
    if not cursor:
        return None
    data = decode_cursor(cursor)
    try:
        return datetime.fromisoformat(data["t"]), uuid.UUID(data["id"])
    except (KeyError, TypeError, ValueError):
        raise BadRequest("the cursor is not valid; start again without one", detail_zh="分页游标无效",
                         code="invalid_cursor") from None


def next_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """Cursor after the last row of a page fetched with ``limit + 1`` rows."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor({"t": last.created_at.isoformat(), "id": str(last.id)})


def dedupe(values: Sequence[T]) -> list[T]:
    """Keep the first occurrence of each value, in order."""
    seen: set[Any] = set()
    out: list[T] = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out
