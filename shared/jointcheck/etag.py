"""ETags and ``If-Match``: updates of shared records name the version they were based on.

A record's ETag is its version in quotes. Reads set it (:func:`set_etag`); updates take
the ``If-Match`` header (:data:`IfMatch`) and call :func:`check_if_match`: 428 without it,
412 ``etag_mismatch`` (with ``current_etag``) when the record changed since. ``*`` and weak
tags (``W/"3"``) match as RFC 9110 says for ``If-Match`` on our strong versions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from jointcheck.errors import PreconditionFailed, PreconditionRequired

IfMatch = Annotated[str | None, Header(description="the ETag last read / 最近读取的 ETag")]


def etag(version: int | str) -> str:
    """The ETag of a record at ``version``."""
    return f'"{version}"'


def set_etag(response: Response, version: int | str) -> None:
    response.headers["ETag"] = etag(version)


def check_if_match(if_match: str | None, *, current: int | str, what: str, what_zh: str | None = None) -> None:
    """Refuse an update not based on the current version (no lost updates)."""
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you last read", detail_zh="请在 If-Match 中提供最近读取的 ETag"
        )
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and etag(current) not in tags:
        raise PreconditionFailed(
            f"{what} changed since (now at version {current})",
            detail_zh=f"{what_zh or what} 已被修改（当前版本 {current}）",
            code="etag_mismatch",
            extra={"current_etag": etag(current)},
        )
