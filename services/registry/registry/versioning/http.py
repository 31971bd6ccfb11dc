"""HTTP pieces every versioned registry resource shares.

Each resource's router keeps its own paths, parameters, schemas and rules; the shape of
its reads (as of a version, with ``ETag``/``X-Registry-Version``), of its keyset pages and
of what create and delete answer is written once here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import Query, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.etag import etag as etag_of
from jointcheck.etag import set_etag
from jointcheck.jsonrows import page_json
from jointcheck.pagination import Page, cursor_field, encode_cursor, page_of
from registry.versioning.service import resolve_as_of, resolve_as_of_on

S = TypeVar("S", bound=BaseModel)

AsOfQuery = Annotated[str | None, Query(description="registry version or RFC 3339 timestamp / 历史版本或时间")]
Reason = Annotated[str, Query(min_length=2, max_length=500, description="why / 原因")]


def version_headers(response: Response, row: Any) -> None:
    """``ETag`` (for If-Match) and ``X-Registry-Version`` of a versioned record's state."""
    set_etag(response, row.valid_from)
    response.headers["X-Registry-Version"] = str(row.valid_from)


async def as_of_version(session: AsyncSession, as_of: str | None) -> int | None:
    """The version a single read asks for; ``None`` (the current state) without ``as_of``."""
    return await resolve_as_of(session, as_of) if as_of is not None else None


async def as_of_version_on(conn: asyncpg.Connection, as_of: str | None) -> int | None:
    """:func:`as_of_version` on a read connection."""
    return await resolve_as_of_on(conn, as_of) if as_of is not None else None


def json_one(valid_from: int, body: bytes, *, etag: bool = True) -> Response:
    """A record's state rendered by PostgreSQL (:mod:`registry.versioning.reads`), with the
    version headers of :func:`read_one`."""
    headers = {"ETag": etag_of(valid_from)} if etag else {}
    headers["X-Registry-Version"] = str(valid_from)
    return Response(body, media_type="application/json", headers=headers)


def json_page(rows: list[tuple[str, bytes]], limit: int, version: int, cursor_key: str) -> Response:
    """A keyset page of rendered records from ``limit + 1`` rows ``(key value, json)``, with
    ``X-Registry-Version``: the bytes :func:`list_page` would send."""
    items = [j for _, j in rows[:limit]]
    next_cursor = encode_cursor({cursor_key: rows[limit - 1][0]}) if len(rows) > limit else None
    return Response(
        page_json(items, next_cursor), media_type="application/json", headers={"X-Registry-Version": str(version)}
    )


def read_one(response: Response, row: Any, schema: type[S], *, etag: bool = True) -> S:
    """A record's state as ``schema``, with its version headers (``etag=False``: only ``X-Registry-Version``)."""
    if etag:
        version_headers(response, row)
    else:
        response.headers["X-Registry-Version"] = str(row.valid_from)
    return schema.model_validate(row)


def created(response: Response, row: Any, schema: type[S], location: str, *, etag: bool = True) -> S:
    """A new record (201): :func:`read_one` plus its ``Location``."""
    response.headers["Location"] = location
    return read_one(response, row, schema, etag=etag)


def read_all(rows: Iterable[Any], schema: type[S]) -> list[S]:
    """Every version of a record, as ``schema``."""
    return [schema.model_validate(r) for r in rows]


async def list_page(
    session: AsyncSession,
    response: Response,
    rows_after: Callable[..., Awaitable[list[Any]]],
    *,
    f: Any,
    as_of: str | None,
    cursor: str | None,
    limit: int,
    schema: type[S],
    key: str,
) -> Page[S]:
    """One page of a resource's records as of a version (``X-Registry-Version``), keyset on ``key``."""
    version = await resolve_as_of(session, as_of)
    rows = await rows_after(session, f=f, version=version, after=cursor_field(cursor, "after"), limit=limit + 1)
    page = page_of(rows, limit, read=schema.model_validate, cursor_of=lambda i: {"after": getattr(i, key)})
    response.headers["X-Registry-Version"] = str(version)
    return page


def deleted(version: int) -> Response:
    """The 204 of a soft delete, naming the version that deleted."""
    return Response(status_code=204, headers={"X-Registry-Version": str(version)})
