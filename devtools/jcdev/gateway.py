"""The development gateway: one origin for the public portal and every service.

``make run`` starts it on ``GATEWAY_DEFAULT_PORT`` (offset by ``JC_PORT_BASE``); the e2e suite
and the browser tests go through it too. It follows the one layout of
:mod:`jcdev.services`, which the deployment's nginx follows as well:

* ``/portal/…`` — the portal's static pages (:data:`jcportal.STATIC_DIR`); ``/`` and ``/portal``
  redirect to ``/portal/``;
* ``/public/plans``, ``/public/draws``, ``/public/announcements``, ``/public/results`` (and
  below) — the service that owns them, path unchanged (``GATEWAY_PUBLIC_ROUTES``);
* ``/<service>/…`` — that service with the prefix stripped (``GATEWAY_SERVICE_PREFIXES``):
  ``/planning/v1/plans`` is planning's ``/v1/plans``;
* anything else — 404 problem+json.

Requests and responses are streamed (a million-entity bundle is not held in memory); the
``X-Request-ID`` a caller sends is passed to the service unchanged (one is made when there is
none) and the service's comes back. Upstreams: ``GATEWAY_<SERVICE>_URL`` (the stack launcher
sets them), else the development ports on 127.0.0.1. The gateway's own errors are problem+json
with a stable code: 404 ``route_not_found``, 502 ``upstream_unreachable``, 504 ``upstream_timeout``.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

import jcportal
from jcdev.services import (
    DEFAULT_PORTS,
    GATEWAY_PORTAL_PREFIX,
    GATEWAY_PUBLIC_ROUTES,
    GATEWAY_SERVICE_PREFIXES,
    SERVICE_NAMES,
)
from jointcheck.errors import DomainError, NotFound, domain_error_response
from jointcheck.observability import _SANE_ID, new_request_id, reset_request_id, set_request_id

#: Headers that belong to one connection, never forwarded (RFC 9110 7.6.1), and Host.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: The portal's pages load only their own scripts and styles and call only their own origin.
PORTAL_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class UpstreamUnreachable(DomainError):
    status, code, title_en, title_zh = 502, "upstream_unreachable", "The service is unreachable", "服务无法连接"


class UpstreamTimeout(DomainError):
    status, code, title_en, title_zh = 504, "upstream_timeout", "The service did not answer in time", "服务响应超时"


def route(path: str) -> tuple[str, str] | None:
    """Which service a path reaches, and the path the service sees; None when no route matches.

    ``/public/<x>`` routes keep their path; ``/<service>/…`` loses its prefix. A public prefix
    matches itself and what lies below it (``/public/plans``, ``/public/plans/…``), never
    ``/public/plansX``."""
    for prefix, service in GATEWAY_PUBLIC_ROUTES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return service, path
    for prefix, service in GATEWAY_SERVICE_PREFIXES.items():
        if path.startswith(prefix):
            return service, path[len(prefix) - 1 :]
    return None


def default_upstreams(environ: dict[str, str] | None = None) -> dict[str, str]:
    """``GATEWAY_<SERVICE>_URL`` for each service, else its development port (``JC_PORT_BASE``)."""
    env = os.environ if environ is None else environ
    base = env.get("JC_PORT_BASE")
    out = {}
    for service in SERVICE_NAMES:
        port = DEFAULT_PORTS[service] if not base else int(base) + DEFAULT_PORTS[service] % 100
        out[service] = env.get(f"GATEWAY_{service.upper()}_URL") or f"http://127.0.0.1:{port}"
    return out


class _PortalFiles:
    """The static pages, with the portal's security headers and the request id."""

    def __init__(self, directory: Path) -> None:
        self.files = StaticFiles(directory=directory, html=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = [(k.lower().encode(), v.encode()) for k, v in PORTAL_HEADERS.items()]
        rid = _request_id(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *extra, (b"x-request-id", rid.encode("latin-1"))],
                }
            await send(message)

        await self.files(scope, receive, send_with_headers)


def _request_id(scope: Scope) -> str:
    for k, v in scope.get("headers", ()):
        if k == b"x-request-id":
            return v.decode("latin-1")
    return scope.setdefault("state", {}).setdefault("request_id", new_request_id())


def _problem(request: Request, error: DomainError, rid: str) -> Response:
    token = set_request_id(rid if _SANE_ID.match(rid) else None)
    try:
        response = domain_error_response(request, error)
    finally:
        reset_request_id(token)
    response.headers["X-Request-ID"] = rid
    return response


def create_app(
    upstreams: dict[str, str] | None = None, *, static_dir: Path | None = None, timeout: float = 600.0
) -> Starlette:
    """The gateway app (``uvicorn --factory jcdev.gateway:create_app``)."""
    targets = {s: u.rstrip("/") for s, u in (upstreams or default_upstreams()).items()}
    state: dict[str, Any] = {}

    async def proxy(request: Request) -> Response:
        rid = _request_id(request.scope)
        path = request.scope["path"]
        found = route(path)
        if found is None or found[0] not in targets:
            return _problem(
                request,
                NotFound(
                    f"the gateway has no route {path[:200]}",
                    detail_zh=f"网关上没有该路径：{path[:200]}",
                    code="route_not_found",
                ),
                rid,
            )
        service, upstream_path = found
        raw = request.scope.get("raw_path") or path.encode()
        stripped = len(path) - len(upstream_path)
        if stripped and raw.startswith(path[:stripped].encode()):
            raw = raw[stripped:]
        elif stripped:  # an escaped prefix (/%70lanning/…): the decoded path, escaped again
            raw = httpx.URL(upstream_path).raw_path
        query = request.scope.get("query_string", b"")
        url = httpx.URL(targets[service]).copy_with(raw_path=raw + (b"?" + query if query else b""))
        headers = [(k, v) for k, v in request.headers.raw if k.decode("latin-1").lower() not in HOP_BY_HOP]
        headers = [(k, v) for k, v in headers if k.lower() != b"x-request-id"]
        client_host = request.client.host if request.client else ""
        forwarded_for = request.headers.get("x-forwarded-for")
        headers += [
            (b"x-request-id", rid.encode("latin-1")),
            (b"x-forwarded-for", f"{forwarded_for}, {client_host}" if forwarded_for else client_host),
            (b"x-forwarded-proto", request.url.scheme.encode()),
            (b"x-forwarded-host", request.headers.get("host", "").encode("latin-1")),
        ]
        if stripped:
            headers.append((b"x-forwarded-prefix", path[:stripped].encode()))
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        client: httpx.AsyncClient = state["client"]
        upstream = client.build_request(
            request.method, url, headers=headers, content=request.stream() if has_body else None
        )
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.TimeoutException:
            return _problem(
                request,
                UpstreamTimeout(
                    f"{service} did not answer within {timeout:.0f} s",
                    detail_zh=f"{service} 服务在 {timeout:.0f} 秒内未响应",
                ),
                rid,
            )
        except httpx.HTTPError as exc:
            return _problem(
                request,
                UpstreamUnreachable(
                    f"{service} is unreachable ({type(exc).__name__})",
                    detail_zh=f"无法连接 {service} 服务（{type(exc).__name__}）",
                ),
                rid,
            )
        out_headers = [(k, v) for k, v in answer.headers.raw if k.decode("latin-1").lower() not in HOP_BY_HOP]
        if not any(k.lower() == b"x-request-id" for k, _ in out_headers):
            out_headers.append((b"x-request-id", rid.encode("latin-1")))
        response = StreamingResponse(
            answer.aiter_raw(), status_code=answer.status_code, background=BackgroundTask(answer.aclose)
        )
        response.raw_headers = out_headers
        return response

    async def to_portal(_: Request) -> Response:
        return RedirectResponse(GATEWAY_PORTAL_PREFIX, status_code=307)

    @asynccontextmanager
    async def lifespan(_: Starlette):
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        timeouts = httpx.Timeout(timeout, connect=5.0)
        async with httpx.AsyncClient(timeout=timeouts, limits=limits, follow_redirects=False) as client:
            state["client"] = client
            yield

    portal_mount = GATEWAY_PORTAL_PREFIX.rstrip("/")
    return Starlette(
        routes=[
            Route("/", to_portal),
            Route(portal_mount, to_portal),
            Mount(portal_mount, app=_PortalFiles(static_dir or jcportal.STATIC_DIR)),
            Route("/{path:path}", proxy, methods=METHODS),
        ],
        lifespan=lifespan,
    )
