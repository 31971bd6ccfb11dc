"""The one place a service's FastAPI app is assembled from platform parts.

Each service's ``create_app()`` calls :func:`create_service_app` with its settings,
its routers and its event handlers; everything cross-cutting (errors, auth, request
ids, logs, metrics, health, readiness, outbox dispatcher, inbox, ops routes, the
shared HTTP client) is wired here once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import time

from fastapi import Depends

from jointcheck.auth import Role, TokenVerifier, require_roles
from jointcheck.db import Database
from jointcheck.errors import PROBLEM_JSON, DomainError, UnhandledErrorMiddleware, install_error_handlers, problem_response, problem_responses
from jointcheck.http import ServiceClient, close_shared_http_client
from jointcheck.idempotency import IdempotencyMiddleware
from jointcheck.migrations import current_revision, head_revision
from jointcheck.observability import Metrics, RequestContextMiddleware, configure_logging
from jointcheck.outbox import EventHandler, EventHandlers, OutboxDispatcher, internal_router, ops_router
from jointcheck.settings import ServiceSettings

Hook = Callable[[FastAPI], Awaitable[None]]


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    status: str
    service: str
    database: str
    migration: str | None
    head: str | None


class DependencyStatus(BaseModel):
    service: str
    url: str
    ok: bool
    status: int | None = None
    latency_ms: float | None = None
    error: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine `code`."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


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
    openapi_tags: list[dict[str, str]] | None = None,
    depends_on: Sequence[str] = (),
) -> FastAPI:
    """Assemble a service app. The database engine is lazy: nothing connects until used.

    ``migrations_location`` is the service's own Alembic tree (``/readyz`` compares the
    database with its head).
    """
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    db = Database(settings.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo)
    metrics = Metrics(settings.service_name)
    head = head_revision(migrations_location)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher = None
        if settings.outbox_enabled:
            dispatcher = OutboxDispatcher(settings=settings, db=db, metrics=metrics)
            app.state.outbox_dispatcher = dispatcher
            dispatcher.start()
        for hook in on_startup:
            await hook(app)
        try:
            yield
        finally:
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
        openapi_tags=openapi_tags,
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )
    app.state.settings = settings
    app.state.db = db
    app.state.metrics = metrics
    app.state.token_verifier = TokenVerifier(settings)
    app.state.event_handlers = EventHandlers(dict(event_handlers or {}))
    app.state.outbox_dispatcher = None
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware, get_db=lambda: app.state.db)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)

    @app.get("/healthz", response_model=Health, tags=["ops / 运维"], summary="存活检查 / Liveness")
    async def healthz() -> Health:
        return Health(status="ok", service=settings.service_name)

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["ops / 运维"],
        summary="就绪检查 / Readiness: database reachable, migrations at head",
        responses={503: {"description": "Not ready / 未就绪", "content": {PROBLEM_JSON: {}}}},
    )
    async def readyz(request: Request) -> Any:
        try:
            current = await asyncio.wait_for(current_revision(db.engine), timeout=5)
        except Exception as exc:  # any failure to reach the database means not ready
            return problem_response(
                request, status=503, code="database_unreachable", title="Not ready",
                detail=f"database unreachable: {type(exc).__name__}",
            )
        if current != head:
            return problem_response(
                request, status=503, code="migrations_pending", title="Not ready",
                detail=f"database at {current}, code expects {head}",
                extra={"migration": current, "head": head},
            )
        return Readiness(status="ready", service=settings.service_name, database="ok", migration=current, head=head)

    @app.get("/metrics", tags=["ops / 运维"], summary="Prometheus 指标 / Metrics", response_class=Response)
    async def metrics_route() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    @app.get(
        "/ops/dependencies",
        response_model=list[DependencyStatus],
        tags=["ops / 运维"],
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
                service=name, url=client.base_url, ok=True, status=resp.status_code,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
            )

        return list(await asyncio.gather(*(probe(n) for n in depends_on)))

    app.include_router(internal_router)
    app.include_router(ops_router)
    for router in routers:
        app.include_router(router)

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description,
            routes=app.routes, tags=app.openapi_tags,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


__all__ = ["create_service_app", "JSONResponse"]
