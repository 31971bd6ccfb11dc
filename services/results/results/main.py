"""Wiring of the results service: the only place its parts are put together."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from jointcheck.app import create_service_app
from jointcheck.clients.gsxt import GsxtTransport
from jointcheck.contracts import InspectionsCreate, InspectionsDrawn, InspectionsVoided, TaskApproved, event_handlers
from results import API_VERSION, MIGRATIONS, metrics
from results.calendars.router import router as calendars_router
from results.calendars.service import load_calendar_files
from results.categories.router import router as categories_router
from results.config import Settings, get_settings
from results.followups.router import router as followups_router
from results.inspections.router import router as inspections_router
from results.inspections.service import (
    handle_inspections_create,
    handle_inspections_drawn,
    handle_inspections_voided,
)
from results.publications import service as publications
from results.publications.router import public_router as public_results_router
from results.publications.router import router as publications_router
from results.reports.router import router as reports_router
from results.tasks.router import router as tasks_router
from results.tasks.service import handle_task_approved

log = logging.getLogger("results")

DESCRIPTION = (
    "One joint visit per drawn entity, closing the loop 'objects drawn once, personnel dispatched once, inspection "
    "completed once, results published once': each inspection carries its team (from the teams draw) and the "
    "task's pinned checklist items (from planning); each department's team members record their own items' "
    "findings (谁检查、谁录入); the team submits with the overall result categories; the lead department reviews "
    "(approve, or return with a reason); results are due 20 working days after the task's window; an approved "
    "inspection is published to GSXT exactly once through the outbox; non-compliant findings open follow-up "
    "cases for the competent department (谁主管、谁监管). Before publication inspections are visible only to the "
    "task's departments, the team, admins, auditors and services; the public reads published records only. Each "
    "year's summary (results on time, publication status, follow-up, inspection burden) feeds the audit service's "
    "oversight report.\n\n"
    "联合检查结果：每个被抽取主体一次联合检查，含检查组与任务检查单事项；各部门录入本部门事项结果；检查组提交；牵头部门审核；"
    "任务结束后20个工作日内录入；审核通过的结果经发件箱向国家企业信用信息公示系统公示且仅一次；不符合项转主管部门后续处置；"
    "年度汇总（结果按期录入、公示状态、后续处置、检查负担）供审计服务督查报告使用。"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the results service app (``uvicorn --factory results.main:create_app``)."""
    settings = settings or get_settings()
    app = create_service_app(
        settings,
        migrations_location=MIGRATIONS,
        version=API_VERSION,
        title="检查结果服务 / Results",
        description=DESCRIPTION,
        routers=[
            inspections_router,
            tasks_router,
            categories_router,
            publications_router,
            followups_router,
            reports_router,
            public_results_router,
            calendars_router,
        ],
        event_handlers=event_handlers(
            (TaskApproved, handle_task_approved),
            (InspectionsDrawn, handle_inspections_drawn),
            (InspectionsCreate, handle_inspections_create),
            (InspectionsVoided, handle_inspections_voided),
        ),
        depends_on=["registry", "planning", "audit"],
        outbox_transports={publications.DESTINATION: GsxtTransport(settings, on_outcome=publications.on_outcome)},
        on_startup=[_load_calendar_files(settings)] if settings.calendar_files else [],
    )
    metrics.install(app.state.metrics)
    return app


def _load_calendar_files(settings: Settings) -> Callable[[FastAPI], Awaitable[None]]:
    """Startup: the configured holiday files into the calendar table. A bad file stops the
    service (a configuration error); a database not reachable yet is logged and tried at the
    next start (``/readyz`` says what is wrong meanwhile)."""

    async def load(app: FastAPI) -> None:
        paths = settings.calendar_files
        try:
            changed = await load_calendar_files(app.state.db, paths)
        except ValueError:  # a bad file: the service does not start
            raise
        except Exception:  # the database: tried again at the next start
            log.exception("calendar files %s not loaded", [str(p) for p in paths])
            return
        log.info("calendar files loaded: years %s stored or replaced", changed)

    return load
