"""HTTP pieces every versioned registry resource shares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from jointcheck.etag import set_etag

AsOfQuery = Annotated[str | None, Query(description="registry version or RFC 3339 timestamp / 历史版本或时间")]


def version_headers(response: Response, row: Any) -> None:
    """``ETag`` (for If-Match) and ``X-Registry-Version`` of a versioned record's state."""
    set_etag(response, row.valid_from)
    response.headers["X-Registry-Version"] = str(row.valid_from)
