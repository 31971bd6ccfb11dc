"""Wiring of the audit service: the only place its parts are put together."""

from __future__ import annotations

from fastapi import FastAPI

from audit import API_VERSION, MIGRATIONS
from audit.announcements.router import public_router as public_announcements_router
from audit.announcements.router import router as announcements_router
from audit.config import Settings, get_settings
from audit.log.router import router as log_router
from audit.log.service import handle_audit_record
from audit.replays.router import announcements_router as task_announcements_router
from audit.replays.router import chain_router
from audit.replays.router import router as replays_router
from audit.replays.scheduler import start_scheduler, stop_scheduler
from audit.replays.service import witness_metrics
from audit.reports.router import router as reports_router
from jointcheck.app import create_service_app
from jointcheck.contracts import AuditRecord, event_handlers

DESCRIPTION = (
    "The announcement register (sampling registers each draw's commitment here and gets a timestamped receipt "
    "before any entropy; anyone may look a registration up) and the hash-chained audit log every service "
    "appends to through its outbox, with a verification of the whole chain, scheduled and kept. The independent "
    "witness: every executed draw is replayed from sampling's bundle against audit's own register, the registry's "
    "frame as of the recorded version and results' inspections, on request and on a schedule, with a verdict "
    "naming the first failed check. The year's oversight report (JSON or an XLSX workbook with Chinese headers), "
    "per department and for the county, gathered from planning, results and sampling over REST: plans and item "
    "lists filed by 31 January, tasks completed by 31 October, results within 20 working days, publication "
    "status, follow-up cases, voided draws with their reasons, replay verdicts (a failing one heads it) and the "
    "inspection burden with the visits the joint mode saved.\n\n"
    "抽取公告登记（抽取承诺在提供随机值之前登记并取得带时间的回执，任何人可查询）及各服务经发件箱写入的哈希链审计日志"
    "（可校验整条链，定期校验并留存结论）。独立复核：每次已执行的抽取均依据本服务登记的公告、名录库指定版本的名录及"
    "检查结果记录重新核验，可手动或定时进行，结论指出首个未通过的检查。年度督查报告（JSON 或中文表头的 Excel），"
    "分部门及全县：计划与事项清单报备、任务完成、结果录入、公示、后续处置、作废抽取、复核结论（未通过的置顶）及检查负担。"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the audit service app (``uvicorn --factory audit.main:create_app``)."""
    settings = settings or get_settings()
    app = create_service_app(
        settings,
        migrations_location=MIGRATIONS,
        version=API_VERSION,
        title="审计监督服务 / Audit",
        description=DESCRIPTION,
        routers=[
            log_router,
            chain_router,
            task_announcements_router,
            announcements_router,
            public_announcements_router,
            replays_router,
            reports_router,
        ],
        event_handlers=event_handlers((AuditRecord, handle_audit_record, True)),
        depends_on=["registry", "planning", "sampling", "results"],
        on_startup=[start_scheduler],
        on_shutdown=[stop_scheduler],
    )
    witness_metrics(app)  # the witness's counters exist (at zero) from the start
    return app
