"""Cursor pagination: ``limit`` + opaque ``cursor`` → ``items`` + ``next_cursor``."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from jointcheck.errors import BadRequest

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
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
        raise BadRequest("the cursor is not valid; start again without one", detail_zh="分页游标无效", code="invalid_cursor") from None


def cursor_field(cursor: str | None, key: str) -> Any:
    """The ``key`` of an opaque cursor, or None without a cursor; a foreign cursor is a 400."""
    if not cursor:
        return None
    data = decode_cursor(cursor)
    if key not in data:
        raise BadRequest("the cursor does not belong to this list; start again without one",
                         detail_zh="分页游标无效", code="invalid_cursor")
    return data[key]


def page_of(rows: Sequence[Any], limit: int, *, read: Callable[[Any], T], cursor_of: Callable[[T], dict[str, Any]]) -> Page[T]:
    """A page from ``limit + 1`` fetched rows: the extra row only tells that more follow."""
    items = [read(r) for r in rows[:limit]]
    return Page[T](items=items, next_cursor=encode_cursor(cursor_of(items[-1])) if len(rows) > limit else None)


Limit = Annotated[int, Query(ge=1, le=1000, description="page size / 每页条数")]
Cursor = Annotated[str | None, Query(description="opaque cursor from `next_cursor` / 分页游标")]
