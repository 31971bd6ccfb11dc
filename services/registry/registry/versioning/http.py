"""HTTP pieces every versioned registry resource shares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from registry.versioning.store import etag_of

AsOfQuery = Annotated[str | None, Query(description="registry version or RFC 3339 timestamp / 历史版本或时间")]


def version_headers(response: Response, row: Any) -> None:
    """``ETag`` (for If-Match) and ``X-Registry-Version`` of a versioned record's state."""
    response.headers["ETag"] = etag_of(row)
    response.headers["X-Registry-Version"] = str(row.valid_from)
