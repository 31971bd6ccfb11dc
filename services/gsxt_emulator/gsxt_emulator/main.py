"""GSXT emulator app (国家企业信用信息公示系统 模拟器). NOT the real system."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from pydantic import ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from gsxt_emulator import feed as feed_generator
from gsxt_emulator.publications import Counts, Desk, Faults, FaultsState, PublicationRead
from jointcheck.apidocs import install_api_docs
from jointcheck.auth import Role, TokenVerifier, access_rule, require_roles
from jointcheck.contracts import GsxtPublicationRecord, PlatformPage
from jointcheck.errors import NotFound, UnhandledErrorMiddleware, install_error_handlers, problem_responses
from jointcheck.observability import Metrics, RequestContextMiddleware, configure_logging
from jointcheck.openapi import install_openapi, operation_id
from jointcheck.requestguard import RequestGuardMiddleware
from jointcheck.schemas import Schema
from jointcheck.settings import ServiceSettings


class EmulatorSettings(ServiceSettings):
    """The emulator reads ``GSXT_X`` (then ``JC_X``): it verifies tokens like every service."""

    model_config = SettingsConfigDict(env_prefix="GSXT_", extra="ignore")

    service_name: str = "gsxt-emulator"


class FeedConfig(Schema):
    """The emulated change feed of one division (deterministic for its seed; see :mod:`gsxt_emulator.feed`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"division": "411523", "seed": 2024, "base": 100, "changes": 20, "bad_fraction": 0.05}]
        }
    )

    division: str = Field("411523", pattern=r"^[0-9]{2,6}$", description="GB/T 2260 division the feed covers")
    seed: int = Field(2024, ge=0, le=2**31 - 1)
    base: int = Field(0, ge=0, le=50_000, description="existing entities registered first (new events)")
    changes: int = Field(0, ge=0, le=150_000, description="change events after them")
    bad_fraction: float = Field(0.0, ge=0, le=1, description="share of change events with a bad check character")


class FeedState(FeedConfig):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "division": "411523",
                    "seed": 2024,
                    "base": 100,
                    "changes": 20,
                    "bad_fraction": 0.05,
                    "newest_seq": 120,
                }
            ]
        }
    )

    newest_seq: int


TAGS = ["emulator"]
PUBLIC_PAGES = access_rule("stands in for GSXT's public pages", "模拟公示系统的公开页面")


def create_app(settings: EmulatorSettings | None = None) -> FastAPI:
    """The emulator app. Its control routes (faults, reset) need a service or admin token."""
    settings = settings or EmulatorSettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    app = FastAPI(
        title="GSXT 公示系统模拟器 / Publicity-system EMULATOR",
        description="**Emulator, not the real 国家企业信用信息公示系统.** Validates and stores publications in "
        "memory, idempotent per record id; `PUT /emulator/faults` makes it fail, hang or slow down for a number of "
        "calls or a while; `GET /emulator/counts` tells what it received, so tests can prove exactly-once. "
        "Also serves the collaborative platform's change feed (`/api/platform/changes`).",
        generate_unique_id_function=operation_id,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    install_error_handlers(app)
    install_openapi(app)
    install_api_docs(app)
    app.add_middleware(RequestGuardMiddleware, settings=settings)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=Metrics("gsxt-emulator"))
    control = [Depends(require_roles(Role.service, Role.admin))]
    desk = Desk()
    app.state.desk = desk
    feed: dict[str, Any] = {"config": FeedConfig(), "events": []}

    @app.get("/healthz", tags=TAGS, summary="存活检查 / Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gsxt-emulator"}

    @app.post(
        "/api/publications",
        response_model=PublicationRead,
        status_code=201,
        summary="公示 / Publish a record",
        tags=TAGS,
        description="One inspection result record (`GsxtPublicationRecord`). Idempotent per `record_id`, sent "
        "as `Idempotency-Key`: the same record again is answered 200 with the same receipt "
        "(`Idempotent-Replayed: true`) and never published twice; the same id with another content is 409 "
        "`record_conflict`. A bad record is refused with 422 naming why: `invalid_record` (missing or malformed "
        "fields, listed), `invalid_uscc`, `invalid_result_categories`, `dates_out_of_order`, "
        "`publishing_department_not_inspecting`, `item_department_not_inspecting`, `idempotency_key_mismatch`; "
        "a body that is not JSON is 400 `invalid_json`. Fault controls apply. "
        "同一记录编号幂等：重复提交返回同一回执，不会重复公示；内容不同为 409；无效记录 422 并说明原因。",
        responses=problem_responses(400, 409, 413, 422, 503),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GsxtPublicationRecord"}}},
            },
            **access_rule("stands in for GSXT's own intake", "模拟公示系统的数据接收"),
        },
    )
    async def publish(
        request: Request,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> PublicationRead:
        publication, replayed = await desk.publish(await request.body(), idempotency_key)
        if replayed:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        return publication

    @app.get(
        "/api/publications",
        response_model=list[PublicationRead],
        summary="已公示记录 / List publications",
        tags=TAGS,
        openapi_extra=PUBLIC_PAGES,
        responses=problem_responses(422),
    )
    async def list_publications(
        uscc: Annotated[str | None, Query(max_length=18)] = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    ) -> list[PublicationRead]:
        return desk.publications(uscc, limit)

    @app.get(
        "/api/publications/{record_id}",
        response_model=PublicationRead,
        summary="公示记录 / One publication",
        tags=TAGS,
        openapi_extra=PUBLIC_PAGES,
        responses=problem_responses(404),
    )
    async def get_publication(record_id: str) -> PublicationRead:
        if record_id not in desk.store:
            shown = record_id[:128]
            raise NotFound(f"no publication for record {shown}", detail_zh=f"记录 {shown} 未公示")
        return desk.store[record_id]

    @app.get(
        "/api/platform/changes",
        response_model=PlatformPage,
        summary="协同监管平台变更 / Platform change feed of a division",
        tags=TAGS,
        openapi_extra=access_rule(
            "stands in for the collaborative platform's change feed (docs/platform-feed.md)",
            "模拟协同监管平台的变更订阅",
        ),
        description="Registration events and credit-class assessments with sequence numbers after `after`, "
        "oldest first. The contract: docs/platform-feed.md. Fault controls apply.",
    )
    async def platform_changes(
        division: Annotated[str, Query(pattern=r"^[0-9]{2,6}$")],
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> PlatformPage:
        await desk.apply_faults()
        config: FeedConfig = feed["config"]
        events: list[dict[str, Any]] = feed["events"] if config.division == division else []
        # seq n is events[n - 1]
        page = events[after : after + limit]
        return PlatformPage.model_validate(
            {
                "division": division,
                "after": after,
                "events": page,
                "next_cursor": page[-1]["seq"] if page else after,
                "newest_seq": len(events),
                "has_more": after + len(page) < len(events),
            }
        )

    @app.put(
        "/emulator/feed",
        response_model=FeedState,
        summary="变更订阅数据 / Set the emulated change feed",
        tags=TAGS,
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def set_feed(body: FeedConfig) -> FeedState:
        events = await asyncio.to_thread(
            feed_generator.generate,
            division=body.division,
            seed=body.seed,
            base=body.base,
            changes=body.changes,
            bad_fraction=body.bad_fraction,
        )
        feed["config"], feed["events"] = body, events
        return FeedState(**body.model_dump(), newest_seq=len(events))

    @app.put(
        "/emulator/faults",
        response_model=FaultsState,
        summary="故障注入 / Set fault injection",
        tags=TAGS,
        description="Replaces the faults; time windows start now. `{}` turns every fault off.",
        dependencies=control,
        responses=problem_responses(401, 403, 422),
    )
    async def set_faults(body: Faults) -> FaultsState:
        return desk.set_faults(body)

    @app.get(
        "/emulator/faults",
        response_model=FaultsState,
        summary="当前故障 / Faults now",
        tags=TAGS,
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def get_faults() -> FaultsState:
        return desk.faults_state()

    @app.get(
        "/emulator/counts",
        response_model=Counts,
        summary="收件统计 / What the emulator received",
        tags=TAGS,
        description="Publication calls received, records accepted, duplicates, conflicts, rejections and emulated "
        "failures since the last reset, in total and per record id: a record published exactly once has "
        "`accepted` 1, whatever its `requests` and `duplicates`.",
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def get_counts() -> Counts:
        return desk.counts

    @app.delete(
        "/emulator/publications",
        status_code=204,
        summary="清空 / Forget every publication and count",
        tags=TAGS,
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def forget() -> None:
        desk.forget()

    @app.post(
        "/emulator/reset",
        status_code=204,
        summary="重置 / Forget publications and counts, turn faults off",
        tags=TAGS,
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def reset() -> None:
        desk.forget()
        desk.set_faults(Faults())

    def openapi_with_record() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base_openapi()
        defs = GsxtPublicationRecord.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in {**defs.pop("$defs", {}), "GsxtPublicationRecord": defs}.items():
            components.setdefault(name, definition)
        app.openapi_schema = schema
        return schema

    base_openapi = app.openapi
    app.openapi = openapi_with_record  # type: ignore[method-assign]
    return app
