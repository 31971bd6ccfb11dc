"""``X-Forwarded-Prefix`` → the ASGI ``root_path``.

The gateway (``deploy/nginx``) serves each service at ``/<service>/…`` and strips the prefix
before proxying, saying which prefix it stripped in ``X-Forwarded-Prefix``. This middleware
appends that prefix to ``scope["root_path"]`` — the standard ASGI place for "where this app is
mounted", which FastAPI's docs pages and OpenAPI ``servers`` read — and leaves ``path`` as
the service sees it, so routing, body limits, idempotency keys and logs are the same whether
a request came through the gateway or straight from another service.

Only a plain path of safe segments is accepted (``/registry``, ``/a/b``), at most 200
characters: the value ends up in HTML and JSON, so anything else is ignored, never echoed.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

FORWARDED_PREFIX_HEADER = b"x-forwarded-prefix"
_SAFE_PREFIX = re.compile(r"^(?:/[A-Za-z0-9._~-]+)+$")
MAX_PREFIX = 200


def forwarded_prefix(headers: list[tuple[bytes, bytes]] | tuple) -> str | None:
    """The sane ``X-Forwarded-Prefix`` of a request (its first occurrence), or None."""
    for name, value in headers:
        if name == FORWARDED_PREFIX_HEADER:
            text = value.decode("latin-1").rstrip("/")
            if len(text) <= MAX_PREFIX and _SAFE_PREFIX.match(text):
                return text
            return None
    return None


class ForwardedPrefixMiddleware:
    """Pure ASGI middleware: ``root_path += X-Forwarded-Prefix`` (HTTP requests only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            prefix = forwarded_prefix(scope.get("headers", ()))
            if prefix:
                scope = {**scope, "root_path": scope.get("root_path", "").rstrip("/") + prefix}
        await self.app(scope, receive, send)
