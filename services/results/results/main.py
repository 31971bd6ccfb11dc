"""Wiring of the results service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from jointcheck.app import create_service_app
from jointcheck.contracts import InspectionsCreate, InspectionsVoided, event_handlers
from results import MIGRATIONS
from results.config import Settings, get_settings
from results.inspections.router import router as inspections_router
from results.inspections.service import handle_inspections_create, handle_inspections_voided

DESCRIPTION = (
    "Joint inspections as teams draws create them (one per drawn entity, with its team), visible before "
    "publication only to the task's departments, the team, admins, auditors and services; the on-site visit; "
    "and the queries sampling makes before a draw (entities inspected recently, each entity's last inspectors). "
    "Findings, review, deadlines and publication to GSXT are not built yet.\n\n"
    "联合检查记录（由编组抽取生成，每个被抽取主体一条，含检查组）；公示前仅任务参与部门、检查组成员、联席办、审计及服务可见；"
    "实施检查登记；供随机抽取服务使用的查询（近期已检查主体、上次检查人员）。检查结果、审核、时限及公示尚未实现。"
)


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
