"""Wiring of the sampling service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from jointcheck.app import create_service_app
from sampling import API_VERSION, MIGRATIONS
from sampling.config import Settings, get_settings
from sampling.draws.router import public_router as public_draws_router
from sampling.draws.router import router as draws_router
from sampling.reports.router import router as reports_router

DESCRIPTION = (
    "draw-v1 verifiable draws of entities, inspection teams and experts, with commit-reveal and public bundles; "
    "each year's draws (the voided with their reasons) for the audit service's oversight report.\n\n"
    "按 draw-v1 规范进行可验证的随机抽取（检查对象、执法人员、专家），先承诺后揭示；年度抽取情况（含作废原因）供审计服务督查报告使用。"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the sampling service app (``uvicorn --factory sampling.main:create_app``)."""
    settings = settings or get_settings()
    return create_service_app(
        settings,
        migrations_location=MIGRATIONS,
        version=API_VERSION,
        title="随机抽取服务 / Sampling",
        description=DESCRIPTION,
        routers=[draws_router, reports_router, public_draws_router],
        event_handlers={},
        depends_on=["registry", "planning", "results", "audit"],
    )
