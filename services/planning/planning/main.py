"""Wiring of the planning service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from planning.config import Settings, get_settings
from jointcheck.app import create_service_app

DESCRIPTION = "Check items per department, industry checklists (行业统一检查单), annual plans and joint inspection tasks.\n\n各部门抽查事项清单、行业统一检查单、年度抽查计划与联合抽查任务。"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the planning service app (``uvicorn --factory planning.main:create_app``)."""
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="抽查计划服务 / Planning",
        description=DESCRIPTION,
        routers=[],
        event_handlers={},
        depends_on=["registry", "audit"],
    )
