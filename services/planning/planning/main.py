"""Wiring of the planning service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from jointcheck.app import create_service_app
from planning import API_VERSION, MIGRATIONS
from planning.checklists.router import router as checklists_router
from planning.config import Settings, get_settings
from planning.items.router import router as items_router
from planning.plans.router import router as plans_router
from planning.public.router import router as public_router
from planning.reports.router import router as reports_router
from planning.tasks.events import EVENT_HANDLERS
from planning.tasks.router import router as tasks_router

DESCRIPTION = (
    "Check items per department, industry checklists (行业统一检查单), annual plans and joint inspection tasks; "
    "each year's filings and completions for the audit service's oversight report.\n\n"
    "各部门抽查事项清单、行业统一检查单、年度抽查计划与联合抽查任务；年度报备与完成情况供审计服务督查报告使用。"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the planning service app (``uvicorn --factory planning.main:create_app``)."""
    settings = settings or get_settings()
    return create_service_app(
        settings,
        migrations_location=MIGRATIONS,
        version=API_VERSION,
        title="抽查计划服务 / Planning",
        description=DESCRIPTION,
        routers=[items_router, checklists_router, plans_router, tasks_router, reports_router, public_router],
        event_handlers=dict(EVENT_HANDLERS),
        depends_on=["registry", "audit"],
    )
