"""The one place a service's FastAPI app is assembled from platform parts.

Each service's ``create_app()`` calls :func:`create_service_app` with its settings,
its routers and its event handlers; everything cross-cutting (errors, auth, request
ids, logs, metrics, health, readiness, outbox dispatcher, inbox, ops routes, the
shared HTTP client) is wired here once.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from jointcheck.apidocs import install_api_docs
from jointcheck.auth import Role, TokenVerifier, access_rule, require_roles
from jointcheck.db import Database
from jointcheck.errors import (
    DomainError,
    MigrationsPendingProblem,
    NotFound,
    Problem,
    UnhandledErrorMiddleware,
    UpstreamUnavailable,
    install_error_handlers,
    problem_responses,
)
from jointcheck.forwarded import ForwardedPrefixMiddleware
from jointcheck.http import ServiceClient, close_shared_http_client
from jointcheck.idempotency import IdempotencyMiddleware
from jointcheck.migrations import current_revision, head_revision
from jointcheck.observability import Metrics, RequestContextMiddleware, configure_logging
from jointcheck.openapi import install_openapi, operation_id
from jointcheck.outbox import (
    EventHandler,
    EventHandlers,
    OutboxDispatcher,
    OutboxTransport,
    internal_router,
    ops_router,
)
from jointcheck.requestguard import RequestGuardMiddleware
from jointcheck.routing import APIRouter
from jointcheck.schemas import Schema
from jointcheck.settings import ServiceSettings

Hook = Callable[[FastAPI], Awaitable[None]]


class Health(Schema):
    status: str
    service: str


class Readiness(Schema):
    status: str
    service: str
    database: str
    migration: str | None
    head: str | None


class DependencyStatus(Schema):
    service: str
    url: str
    ok: bool
    status: int | None = None
    latency_ms: float | None = None
    error: str | None = None


def _client_allowed(request: Request, networks: Sequence[str]) -> bool:
    host = request.client.host if request.client else None
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def platform_ops_router(
    settings: ServiceSettings, *, db: Database, metrics: Metrics, head: str | None, depends_on: Sequence[str] = ()
) -> APIRouter:
    """Liveness, readiness, metrics and dependency health: the routes every service has."""
    router = APIRouter(tags=["ops"])

    @router.get("/healthz", response_model=Health, summary="存活检查 / Liveness")
    async def healthz() -> Health:
        return Health(status="ok", service=settings.service_name)

    @router.get(
        "/readyz",
        response_model=Readiness,
        summary="就绪检查 / Readiness: database reachable, migrations at head",
        responses=problem_responses(503, problems=(MigrationsPendingProblem,)),
    )
    async def readyz() -> Readiness:
        try:
            current = await asyncio.wait_for(current_revision(db.engine), timeout=5)
        except Exception as exc:  # any failure to reach the database means not ready
            raise UpstreamUnavailable(
                f"database unreachable: {type(exc).__name__}",
                detail_zh=f"数据库不可达：{type(exc).__name__}",
                code="database_unreachable",
            ) from None
        if current != head:
            raise UpstreamUnavailable(
                f"database at {current}, code expects {head}",
                detail_zh=f"数据库迁移版本为 {current}，代码需要 {head}",
                code="migrations_pending",
                extra={"migration": current, "head": head},
            )
        return Readiness(status="ready", service=settings.service_name, database="ok", migration=current, head=head)

    @router.get(
        "/metrics",
        summary="Prometheus 指标 / Metrics",
        response_class=Response,
        description="Restricted by `metrics_token` (bearer) and/or `metrics_allow_from` (client networks) "
        "when configured; refused callers get 404. 可通过配置限制访问。",
        openapi_extra=access_rule(
            "open unless `metrics_token` or `metrics_allow_from` is configured",
            "配置 metrics_token 或 metrics_allow_from 后仅限其允许的调用方",
        ),
    )
    async def metrics_route(request: Request) -> Response:
        if settings.metrics_allow_from and not _client_allowed(request, settings.metrics_allow_from):
            raise NotFound("no such route", detail_zh="请求的路径不存在")
        if settings.metrics_token:
            presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(presented.encode(), settings.metrics_token.encode()):
                raise NotFound("no such route", detail_zh="请求的路径不存在")
        # A service may keep gauges of its own state (e.g. results' overdue inspections): read at scrape time.
        for refresh in metrics.refreshers:
            try:
                await refresh(db, metrics)
            except Exception:  # a failing gauge must not hide the other metrics
                logging.getLogger("jointcheck.metrics").exception("metrics refresh failed")
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    @router.get(
        "/ops/dependencies",
        response_model=list[DependencyStatus],
        summary="依赖服务状态 / Health of the services this one calls",
        description="Calls each dependency's `/readyz` with this request's `X-Request-ID`.",
        dependencies=[Depends(require_roles(Role.admin, Role.auditor))],
        responses=problem_responses(401, 403),
    )
    async def ops_dependencies() -> list[DependencyStatus]:
        async def probe(name: str) -> DependencyStatus:
            client = ServiceClient(settings, service=name)
            started = time.perf_counter()
            try:
                resp = await client.request("GET", "/readyz", timeout=5.0)
            except DomainError as exc:
                return DependencyStatus(service=name, url=client.base_url, ok=False, error=exc.detail)
            return DependencyStatus(
                service=name,
                url=client.base_url,
                ok=True,
                status=resp.status_code,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
            )

        return list(await asyncio.gather(*(probe(n) for n in depends_on)))

    return router


#: Request headers browsers may send cross-origin, and response headers they may read.
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Accept-Language", "If-Match", "Idempotency-Key", "X-Request-ID"]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "X-Request-ID",
    "X-Registry-Version",
    "X-Frame-Lines",
    "X-Frame-SHA256",
    "Idempotent-Replayed",
]


def skip_unless_under_prefix(router: APIRouter) -> None:
    """Let ``router`` answer "no match" at once for a path outside the literal prefix all its routes
    share (``/v1/tasks`` of ``/v1/tasks``, ``/v1/tasks/{task_id}``, …).

    FastAPI finds a request's route by trying every route in order, each a regular expression and
    some bookkeeping, and does so twice for the router that has it: a read of a service's tenth
    router paid for every route of the nine before. A path that does not start with a router's
    prefix cannot match any of its routes (their patterns are anchored), so skipping the router
    changes no answer, 404 and 405 included. Requests whose path is under a ``root_path`` take the
    full search."""
    if getattr(router, "_jc_literal_prefix", None) is not None:
        return  # already done (the same router in several apps)
    paths = [route.path for route in router.routes if isinstance(route, APIRoute)]
    if not paths or len(paths) != len(router.routes):
        return
    # character by character on purpose: /v1/tasks is the prefix of /v1/tasks and /v1/tasks/{task_id}
    prefix = os.path.commonprefix(paths).split("{", 1)[0]  # noqa: RUF071
    if len(prefix) < 2:
        return
    router._jc_literal_prefix = prefix  # type: ignore[attr-defined]
    match_all = router.matches

    def matches(scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        root_path = scope.get("root_path")
        if path.startswith(prefix) or (root_path and path.startswith(root_path)):
            return match_all(scope)
        return Match.NONE, {}

    router.matches = matches  # type: ignore[method-assign]


def create_service_app(
    settings: ServiceSettings,
    *,
    migrations_location: str | os.PathLike[str],
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    event_handlers: dict[str, EventHandler] | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    version: str = "0.1.0",
    depends_on: Sequence[str] = (),
    outbox_transports: Mapping[str, OutboxTransport] | None = None,
) -> FastAPI:
    """Assemble a service app. The database engine is lazy: nothing connects until used.

    ``migrations_location`` is the service's own Alembic tree (``/readyz`` compares the
    database with its head). ``outbox_transports`` delivers the outbox events of destinations
    that are not our services (``{"gsxt": GsxtTransport(...)}``; :mod:`jointcheck.outbox.transport`).
    ``version`` is the version of the service's API contract
    (``docs/api/<service>.json``; a breaking change bumps it, see ``CHANGELOG.md``).
    """
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    db = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        read_pool_size=settings.db_read_pool_size,
        overflow=settings.db_pool_overflow,
        echo=settings.db_echo,
    )
    metrics = Metrics(settings.service_name)
    metrics.watch_database(db)
    head = head_revision(migrations_location)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher = None
        if settings.outbox_enabled:
            dispatcher = OutboxDispatcher(
                settings=settings, db=db, metrics=metrics, transports=app.state.outbox_transports
            )
            app.state.outbox_dispatcher = dispatcher
            dispatcher.start()
        for hook in on_startup:
            await hook(app)
        # What is built by now (routes, schemas, models, the middleware stack) lives as long as the
        # process. Frozen, it is left out of every later collection: a full collection would
        # otherwise walk its ~150,000 objects (about 100 ms) while every request in flight waits,
        # which is the worst of a loaded service's tail latency.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # a process that starts apps again (tests) can collect this one's garbage
            for hook in on_shutdown:
                await hook(app)
            if dispatcher:
                await dispatcher.stop()
            await close_shared_http_client()
            await db.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # jointcheck.openapi: ASCII tags from its TAGS, `<tag>-<action>` operation ids, who may call
        # each route, the problem types; jointcheck.apidocs: the pages, served without internet.
        generate_unique_id_function=operation_id,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # The platform's metrics, logs and request ids are its own (jointcheck.observability);
        # FastAPI's native OpenTelemetry bridge would otherwise ask, on every request, whether
        # global OpenTelemetry providers have been configured (none are).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.db = db
    app.state.metrics = metrics
    app.state.token_verifier = TokenVerifier(settings)
    app.state.event_handlers = EventHandlers(dict(event_handlers or {}))
    app.state.outbox_dispatcher = None
    app.state.outbox_transports = dict(outbox_transports or {})
    install_error_handlers(app)
    # Outermost last: forwarded prefix → CORS → request id → 500 guard → body/NUL guard → idempotency → routes.
    app.add_middleware(
        IdempotencyMiddleware, get_db=lambda: app.state.db, get_verifier=lambda: app.state.token_verifier
    )
    app.add_middleware(RequestGuardMiddleware, settings=settings)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=CORS_EXPOSE_HEADERS,
            max_age=600,
        )
    if settings.trust_forwarded_prefix:
        # outermost: every layer below sees the root_path the gateway mounted the service at
        app.add_middleware(ForwardedPrefixMiddleware)

    # The service's own routes first: FastAPI tries the routers in order on every request, and
    # the service's reads are what is called most (no path of one set shadows the other's).
    for router in routers:
        skip_unless_under_prefix(router)
        app.include_router(router)
    app.include_router(platform_ops_router(settings, db=db, metrics=metrics, head=head, depends_on=depends_on))
    app.include_router(internal_router)
    app.include_router(ops_router)
    install_openapi(app)
    install_api_docs(app)
    return app


__all__ = ["Problem", "create_service_app", "platform_ops_router"]
