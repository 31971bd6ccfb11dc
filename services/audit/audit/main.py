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
from jointcheck.app import create_service_app
from jointcheck.contracts import AuditRecord, event_handlers

DESCRIPTION = (
    "The announcement register (sampling registers each draw's commitment here and gets a timestamped receipt "
    "before any entropy; anyone may look a registration up) and the hash-chained audit log every service "
    "appends to through its outbox, with a verification of the whole chain, scheduled and kept. The independent "
    "witness: every executed draw is replayed from sampling's bundle against audit's own register, the registry's "
    "frame as of the recorded version and results' inspections, on request and on a schedule, with a verdict "
    "naming the first failed check. Oversight reports are not built yet.\n\n"
    "抽取公告登记（抽取承诺在提供随机值之前登记并取得带时间的回执，任何人可查询）及各服务经发件箱写入的哈希链审计日志"
    "（可校验整条链，定期校验并留存结论）。独立复核：每次已执行的抽取均依据本服务登记的公告、名录库指定版本的名录及"
    "检查结果记录重新核验，可手动或定时进行，结论指出首个未通过的检查。督查报告尚未实现。"
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
        ],
        event_handlers=event_handlers((AuditRecord, handle_audit_record, True)),
        depends_on=["registry", "sampling", "results"],
        on_startup=[start_scheduler],
        on_shutdown=[stop_scheduler],
    )
    witness_metrics(app)  # the witness's counters exist (at zero) from the start
    return app
