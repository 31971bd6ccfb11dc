"""Wiring of the registry service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from jointcheck.app import create_service_app
from registry import API_VERSION, MIGRATIONS
from registry.config import Settings, get_settings
from registry.departments.router import router as departments_router
from registry.entities.router import router as entities_router
from registry.experts.router import router as experts_router
from registry.frames.router import router as frames_router
from registry.inspectors.router import router as inspectors_router
from registry.platform_sync import schedule as platform_schedule
from registry.platform_sync.metrics import SyncMetrics
from registry.platform_sync.router import router as platform_sync_router
from registry.recusals.router import router as recusals_router

DESCRIPTION = "Directories every draw is taken from: departments, market entities (with full history), inspectors, experts, recusals; canonical draw-v1 frames as of any registry version.\n\n检查对象名录库、执法检查人员名录库、专家库及回避声明；按任意历史版本生成可验证的抽取底册。"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the registry service app (``uvicorn --factory registry.main:create_app``)."""
    settings = settings or get_settings()
    app = create_service_app(
        settings,
        migrations_location=MIGRATIONS,
        version=API_VERSION,
        title="名录库服务 / Registry",
        description=DESCRIPTION,
        routers=[
            departments_router,
            entities_router,
            inspectors_router,
            experts_router,
            recusals_router,
            frames_router,
            platform_sync_router,
        ],
        event_handlers={},
        depends_on=["audit"],
        on_startup=[platform_schedule.start],
        on_shutdown=[platform_schedule.stop],
    )
    app.state.platform_sync_metrics = SyncMetrics(app.state.metrics.registry)
    return app
