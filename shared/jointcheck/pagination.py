"""Cursor pagination: ``limit`` + opaque ``cursor`` → ``items`` + ``next_cursor``.

The one keyset helper for every list: a route fetches ``limit + 1`` rows after
``cursor_field(cursor, "after", parse=...)`` and returns :func:`page_of` (or, when reading
a row needs the database, builds the page itself with :func:`next_page_cursor`). Lists in
creation order, newest first, use :func:`created_keyset` / :func:`parse_created_keyset`
and, in their repository, :func:`newest_first`.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from sqlalchemy import Select, tuple_

from jointcheck.errors import BadRequest
from jointcheck.schemas import Schema

T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list. Pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        pad = "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(
            "the cursor is not valid; start again without one", detail_zh="分页游标无效", code="invalid_cursor"
        ) from None


def _foreign_cursor() -> BadRequest:
    return BadRequest(
        "the cursor does not belong to this list; start again without one",
        detail_zh="分页游标不属于此列表，请不带游标重新开始",
        code="invalid_cursor",
    )


def cursor_field(cursor: str | None, key: str, *, parse: Callable[[Any], Any] | None = None) -> Any:
    """The ``key`` of an opaque cursor (through ``parse``), or None without a cursor.

    A cursor of another list, or one whose value ``parse`` refuses, is a 400 ``invalid_cursor``.
    """
    if not cursor:
        return None
    data = decode_cursor(cursor)
    if key not in data:
        raise _foreign_cursor()
    if parse is None:
        return data[key]
    try:
        return parse(data[key])
    except (KeyError, IndexError, TypeError, ValueError):
        raise _foreign_cursor() from None


def next_page_cursor(rows: Sequence[Any], limit: int, cursor_of: Callable[[Any], dict[str, Any]]) -> str | None:
    """The cursor after the page's last row when ``limit + 1`` rows came back, else None."""
    return encode_cursor(cursor_of(rows[limit - 1])) if len(rows) > limit else None


def page_of(
    rows: Sequence[Any], limit: int, *, read: Callable[[Any], T], cursor_of: Callable[[T], dict[str, Any]]
) -> Page[T]:
    """A page from ``limit + 1`` fetched rows: the extra row only tells that more follow."""
    items = [read(r) for r in rows[:limit]]
    return Page[T](items=items, next_cursor=encode_cursor(cursor_of(items[-1])) if len(rows) > limit else None)


def created_keyset(row: Any) -> dict[str, Any]:
    """Cursor data after ``row`` in a newest-first list ordered by ``(created_at, id)``."""
    return {"after": [row.created_at.isoformat(), str(row.id)]}


def parse_created_keyset(value: Any) -> tuple[datetime, uuid.UUID]:
    """The ``(created_at, id)`` a :func:`created_keyset` cursor resumes after."""
    created_at, row_id = value
    moment = datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        raise ValueError("a cursor time has a zone")
    return moment, uuid.UUID(row_id)


def newest_first(
    stmt: Select, created_at: Any, row_id: Any, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Select:
    """``stmt`` ordered newest first by ``(created_at, id)``, resuming after the cursor's row."""
    if after:
        stmt = stmt.where(tuple_(created_at, row_id) < tuple_(*after))
    return stmt.order_by(created_at.desc(), row_id.desc()).limit(limit)


Limit = Annotated[int, Query(ge=1, le=1000, description="page size / 每页条数")]
Cursor = Annotated[str | None, Query(description="opaque cursor from `next_cursor` / 分页游标")]
