"""GSXT emulator app (国家企业信用信息公示系统 模拟器). NOT the real system."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from pydantic import ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from gsxt_emulator import feed as feed_generator
from jointcheck.apidocs import install_api_docs
from jointcheck.auth import Role, TokenVerifier, access_rule, require_roles
from jointcheck.contracts import PlatformPage
from jointcheck.errors import (
    NotFound,
    UnhandledErrorMiddleware,
    UpstreamUnavailable,
    install_error_handlers,
    problem_responses,
)
from jointcheck.observability import Metrics, RequestContextMiddleware, configure_logging
from jointcheck.openapi import install_openapi, operation_id
from jointcheck.requestguard import RequestGuardMiddleware
from jointcheck.schemas import Schema
from jointcheck.settings import ServiceSettings


class EmulatorSettings(ServiceSettings):
    """The emulator reads ``GSXT_X`` (then ``JC_X``): it verifies tokens like every service."""

    model_config = SettingsConfigDict(env_prefix="GSXT_", extra="ignore")

    service_name: str = "gsxt-emulator"


class PublicationCreate(Schema):
    """A result record sent for publication; ``record_id`` makes resubmission idempotent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"record_id": "results:finding:42", "uscc": "91411523MA00000019", "payload": {"result": "未发现问题"}}
            ]
        }
    )

    record_id: str = Field(min_length=1, max_length=128, description="sender's id of the record / 发送方记录编号")
    uscc: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    payload: dict[str, Any] = Field(default_factory=dict)


class PublicationRead(PublicationCreate):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "record_id": "results:finding:42",
                    "uscc": "91411523MA00000019",
                    "payload": {"result": "未发现问题"},
                    "publication_id": "9c1f0e2d3b4a59687766554433221100",
                    "received_at": "2027-05-20T10:00:00+08:00",
                }
            ]
        }
    )

    publication_id: str
    received_at: datetime


class Faults(Schema):
    """Fault injection: fail the next N calls (after letting ``pass_next`` through), fail a
    fraction, or add latency (a long ``delay_ms`` is a hang to a caller with a shorter timeout)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"fail_next": 2, "fail_status": 503}]})

    pass_next: int = Field(0, ge=0, description="calls answered normally before fail_next applies")
    fail_next: int = Field(0, ge=0)
    fail_rate: float = Field(0.0, ge=0, le=1)
    fail_status: int = Field(503, ge=400, le=599)
    delay_ms: int = Field(0, ge=0, le=60_000)


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
        description="**Emulator, not the real 国家企业信用信息公示系统.** Stores publications in memory; "
        "`PUT /emulator/faults` makes it fail or slow down for retry tests.",
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
    store: dict[str, PublicationRead] = {}
    faults = Faults()
    feed: dict[str, Any] = {"config": FeedConfig(), "events": []}

    async def _maybe_fail() -> None:
        if faults.pass_next > 0:  # answered at once, whatever else is set
            faults.pass_next -= 1
            return
        if faults.delay_ms:
            await asyncio.sleep(faults.delay_ms / 1000)
        if faults.fail_next > 0:
            faults.fail_next -= 1
            raise UpstreamUnavailable(
                "emulated failure (fail_next)",
                detail_zh="模拟故障（fail_next）",
                status=faults.fail_status,
                code="emulated_failure",
            )
        if faults.fail_rate and random.random() < faults.fail_rate:
            raise UpstreamUnavailable(
                "emulated failure (fail_rate)",
                detail_zh="模拟故障（fail_rate）",
                status=faults.fail_status,
                code="emulated_failure",
            )

    @app.get("/healthz", tags=TAGS, summary="存活检查 / Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gsxt-emulator"}

    @app.post(
        "/api/publications",
        response_model=PublicationRead,
        status_code=201,
        summary="公示 / Publish a record",
        tags=TAGS,
        openapi_extra=access_rule("stands in for GSXT's own intake", "模拟公示系统的数据接收"),
    )
    async def publish(body: PublicationCreate) -> PublicationRead:
        await _maybe_fail()
        existing = store.get(body.record_id)
        if existing:
            return existing
        pub = PublicationRead(**body.model_dump(), publication_id=uuid.uuid4().hex, received_at=datetime.now(UTC))
        store[body.record_id] = pub
        return pub

    @app.get(
        "/api/publications",
        response_model=list[PublicationRead],
        summary="已公示记录 / List publications",
        tags=TAGS,
        openapi_extra=PUBLIC_PAGES,
    )
    async def list_publications(uscc: Annotated[str | None, Query()] = None) -> list[PublicationRead]:
        return [p for p in store.values() if uscc is None or p.uscc == uscc]

    @app.get(
        "/api/publications/{record_id}",
        response_model=PublicationRead,
        summary="公示记录 / One publication",
        tags=TAGS,
        openapi_extra=PUBLIC_PAGES,
        responses=problem_responses(404),
    )
    async def get_publication(record_id: str) -> PublicationRead:
        if record_id not in store:
            raise NotFound(f"no publication for record {record_id}", detail_zh=f"记录 {record_id} 未公示")
        return store[record_id]

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
        await _maybe_fail()
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
        response_model=Faults,
        summary="故障注入 / Set fault injection",
        tags=TAGS,
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def set_faults(body: Faults) -> Faults:
        nonlocal faults
        faults = body
        return faults

    @app.delete(
        "/emulator/publications",
        status_code=204,
        summary="清空 / Forget every publication",
        tags=TAGS,
        dependencies=control,
        responses=problem_responses(401, 403),
    )
    async def reset() -> None:
        store.clear()

    return app
