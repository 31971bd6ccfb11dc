"""What every request must satisfy before any route sees it: a bounded body, no NUL.

:class:`RequestGuardMiddleware` (pure ASGI, in every service) counts body bytes as they
stream in — whether announced by ``Content-Length`` or chunked — and answers 413
``payload_too_large`` once a request passes its limit: ``max_body_bytes`` (1 MiB) unless
``ServiceSettings.body_limit_for(path)`` grants more (``body_limit_overrides`` in the
settings, or a service overriding the method — the registry's imports do). Bodies are
never held in memory here except JSON, which is read whole (it is ≤ its limit) to be
checked.

PostgreSQL cannot store U+0000 in text, so a NUL anywhere — path, query parameter,
header, JSON string or key — is refused up front with 422 naming where it was, instead
of failing deep in a query.

Integer parameters bound for a column use :data:`Int32` / :data:`BigInt` (or their
``INT32_MAX`` / ``BIGINT_MAX`` limits in ``Query(le=...)``), so a value beyond the
column's range is a 422 naming the field; :func:`jointcheck.errors.install_error_handlers`
maps any such value that slips through (asyncpg's out-of-range or NUL ``DataError``) to
a 422 as well, never a 500.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointcheck.errors import payload_too_large_response, prefers_chinese, problem_response

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1

#: An ``integer`` column's value (PostgreSQL ``int4``).
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
#: A ``bigint`` column's value (PostgreSQL ``int8``).
BigInt = Annotated[int, Field(ge=BIGINT_MIN, le=BIGINT_MAX)]

# ``\u0000`` in JSON text, not preceded by an escaping backslash (``\\u0000`` is six characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _BodyTooLarge(StarletteHTTPException):
    """Raised into the app when a streamed body passes its limit (rendered as 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"the request body exceeds {limit} bytes")
        self.limit = limit


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _shown(name: str) -> str:
    """A field name fit to print back: NUL spelled out, at most 100 characters."""
    return name.replace("\x00", "\\u0000")[:100]


def _nul_paths(value: Any, path: str) -> list[str]:
    """Where in a parsed JSON document a NUL occurs (keys included), as ``body.a.0.b``."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{_shown(key)}"
            if "\x00" in key:
                found.append(child)
            found.extend(_nul_paths(item, child))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_nul_paths(item, f"{path}.{i}"))
    return found


def _nul_problem(scope: Scope, fields: list[str]) -> Any:
    request = Request(scope)
    zh = prefers_chinese(request)
    message = "不得包含 NUL 字符 (U+0000)" if zh else "must not contain the NUL character (U+0000)"
    names = ", ".join(fields)
    return problem_response(
        request,
        status=422,
        code="request_validation_failed",
        title="请求数据校验未通过" if zh else "Request validation failed",
        detail=f"以下字段有误：{names}" if zh else f"Invalid fields: {names}",
        extra={"errors": [{"field": f, "message": message, "type": "nul_character"} for f in fields]},
    )


class RequestGuardMiddleware:
    """Body size limits and NUL refusal for every request (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Any) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or ()
        query = scope.get("query_string", b"")
        # One pass over the headers: NUL anywhere (rare: then the full search names the fields),
        # the declared length, the content type.
        declared = content_type = None
        nul = "\x00" in scope["path"] or b"%00" in query or b"\x00" in query
        for key, value in headers:
            if b"\x00" in value or b"\x00" in key:
                nul = True
            key = key.lower()
            if key == b"content-length":
                declared = value
            elif key == b"content-type":
                content_type = value
        if nul:
            nul_fields = self._nul_in_url_and_headers(scope)
            if nul_fields:
                await _nul_problem(scope, nul_fields)(scope, receive, send)
                return
        limit = self.settings.body_limit_for(scope["path"])
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await payload_too_large_response(Request(scope), limit)(scope, receive, send)
            return
        if content_type is not None and scope["method"] in _BODY_METHODS and _is_json(content_type.decode("latin-1")):
            await self._json(scope, receive, send, limit)
            return
        await self._streamed(scope, receive, send, limit)

    @staticmethod
    def _nul_in_url_and_headers(scope: Scope) -> list[str]:
        fields = []
        if "\x00" in scope["path"]:
            fields.append("path")
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            for key, value in parse_qsl(
                query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"
            ):
                if "\x00" in key or "\x00" in value:
                    fields.append(f"query.{_shown(key)}")
        for key, value in scope.get("headers") or []:
            if b"\x00" in value or b"\x00" in key:
                fields.append(f"header.{_shown(key.decode('latin-1'))}")
        return fields

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read a JSON body whole (it is small by its limit), check it, replay it."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await payload_too_large_response(Request(scope), limit)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _JSON_NUL.search(body):
            try:
                fields = _nul_paths(json.loads(body), "body")
            except ValueError:
                fields = []  # not JSON after all: the route's own 422 says so
            if fields:
                await _nul_problem(scope, fields)(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass other bodies through as they stream, counting; past the limit, 413."""
        size = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await payload_too_large_response(Request(scope), limit)(scope, receive, send)


__all__ = [
    "BIGINT_MAX",
    "BIGINT_MIN",
    "INT32_MAX",
    "INT32_MIN",
    "BigInt",
    "Int32",
    "RequestGuardMiddleware",
]
