"""Wiring of the results service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from results.inspections.router import router as inspections_router
from results.inspections.service import handle_inspections_create, handle_inspections_voided
from results.config import Settings, get_settings
from jointcheck.app import create_service_app
from jointcheck.contracts import InspectionsCreate, InspectionsVoided, event_handlers
from results import MIGRATIONS

DESCRIPTION = "Joint inspections, findings per department, review, 20-working-day deadlines and publication to the publicity system (GSXT).\n\n联合检查记录、各部门检查结果、审核、20个工作日时限及向国家企业信用信息公示系统公示。"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the results service app (``uvicorn --factory results.main:create_app``)."""
    settings = settings or get_settings()
    return create_service_app(
        settings,
        migrations_location=MIGRATIONS,
        title="检查结果服务 / Results",
        description=DESCRIPTION,
        routers=[inspections_router],
        event_handlers=event_handlers(
            (InspectionsCreate, handle_inspections_create),
            (InspectionsVoided, handle_inspections_voided),
        ),
        depends_on=["registry", "planning", "audit"],
    )
