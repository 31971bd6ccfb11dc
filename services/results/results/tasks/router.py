"""HTTP routes of tasks as results knows them: the due date of their results."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path, Query, Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import visibility
from jointcheck.auth import Reader, access_rule
from jointcheck.db import Session
from jointcheck.errors import NotFound, problem_responses
from jointcheck.export import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Column, content_disposition, csv_chunks, xlsx_bytes
from jointcheck.routing import APIRouter
from jointcheck.schemas import Schema
from results import deadlines
from results.categories import service as categories
from results.inspections import repository as inspections
from results.inspections.models import Finding, Inspection
from results.problems import UnknownCalendarYearProblem
from results.publications.models import Publication
from results.tasks import service

router = APIRouter(prefix="/v1/tasks", tags=["inspections"])

TASK_DEPTS_RULE = access_rule(
    "officers of the task's departments",
    "仅任务所涉部门的执法人员",
)


class TaskResultsRead(Schema):
    task_id: str
    name: str
    lead_department: str
    departments: list[str]
    inspection_end: date
    due_on: date = Field(description="results due: 20 working days after the window ends / 结果录入期限")
    inspections_by_state: dict[str, int]


@router.get(
    "/{task_id}/results",
    openapi_extra=TASK_DEPTS_RULE,
    response_model=TaskResultsRead,
    summary="任务检查结果进度 / A task's results and their due date",
    description="The due date (20 working days after the inspection window ends, in China's working-day "
    "calendar) and the task's inspections per state. A due date in a year whose holiday calendar is not "
    "loaded is 409 `unknown_calendar_year` naming the year — never a guess. Visible to the task's "
    "departments, admins, auditors and services. 仅任务参与部门、联席办、审计及服务可见。",
    responses=problem_responses(401, 403, 404, 409, problems=(UnknownCalendarYearProblem,)),
)
async def task_results(
    task_id: Annotated[str, Path(min_length=1, max_length=64)], session: Session, user: Reader
) -> TaskResultsRead:
    task = await service.get(session, task_id)
    if task is None:
        raise NotFound(
            f"results has no task {task_id} (not approved yet?)",
            detail_zh=f"结果服务中没有任务 {task_id}（尚未审批？）",
            code="task_not_found",
        )
    visibility.ensure_can_see_drawn(user, departments=task.departments)
    if task.due_on is None:
        raise deadlines.unknown_year_conflict(task.due_problem or task.inspection_end.year)
    return TaskResultsRead(
        task_id=task.task_id,
        name=task.name,
        lead_department=task.lead_department,
        departments=task.departments,
        inspection_end=task.inspection_end,
        due_on=task.due_on,
        inspections_by_state=await inspections.task_states(session, task_id),
    )


# ----------------------------------------------------------------- a task's results as a file

EXPORT_COLUMNS = [
    Column("uscc", "统一社会信用代码", width=22),
    Column("entity_name", "市场主体名称", width=30),
    Column("state", "检查状态", width=10),
    Column("inspected_on", "检查日期", width=12),
    Column("team", "检查组（执法人员/部门）", width=40),
    Column("departments", "检查部门", width=20),
    Column("items", "检查事项及结果", width=60),
    Column("categories", "检查结果类别", width=40),
    Column("follow_up_measure", "后续处置措施", width=30),
    Column("due_on", "结果录入期限", width=12),
    Column("late", "是否逾期办结", width=8),
    Column("approved_at", "审核通过时间", width=20),
    Column("publication", "公示状态", width=10),
]
STATE_ZH = {
    "awaiting_team": "待组队",
    "assigned": "已组队",
    "visited": "已检查",
    "submitted": "待审核",
    "returned": "已退回",
    "approved": "已审核",
    "published": "已公示",
}
OUTCOME_ZH = {"compliant": "符合", "non_compliant": "不符合", "not_applicable": "不适用"}
PUBLICATION_ZH = {
    "pending": "待公示",
    "published": "已公示",
    "rejected": "被拒收",
    "dead": "公示失败",
    "discarded": "已放弃",
}


@router.get(
    "/{task_id}/results/export",
    summary="导出任务检查结果 / Export a task's results (XLSX or CSV)",
    description="One row per inspection with Chinese column headers a county office can file: entity, state, "
    "visit date, team, each item's result, result categories (Chinese labels), follow-up measure, due date, "
    "late, approval and publication status. `format=xlsx` (default) or `csv` (UTF-8 with BOM). Visible to the "
    "task's departments, admins, auditors and services. 导出任务检查结果（Excel 或 CSV）。",
    response_class=Response,
    responses={
        200: {
            "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}, CSV_MEDIA_TYPE: {}},
            "description": "the file / 文件",
        },
        **problem_responses(401, 403, 404, 422),
    },
    openapi_extra=access_rule("officers of the task's departments", "仅任务参与部门的执法人员"),
)
async def export_task_results(
    task_id: Annotated[str, Path(min_length=1, max_length=64)],
    session: Session,
    user: Reader,
    format: Annotated[Literal["xlsx", "csv"], Query(description="xlsx / csv")] = "xlsx",
) -> Response:
    task = await service.get(session, task_id)
    if task is None:
        raise NotFound(
            f"results has no task {task_id} (not approved yet?)",
            detail_zh=f"结果服务中没有任务 {task_id}（尚未审批？）",
            code="task_not_found",
        )
    visibility.ensure_can_see_drawn(user, departments=task.departments)
    labels = {c.code: c.label_zh for c in await categories.all_categories(session)}
    rows = await export_rows(session, task_id, labels)
    name = f"{task.name}-检查结果"
    if format == "csv":
        body = b"".join(csv_chunks(EXPORT_COLUMNS, rows))
        return Response(
            body, media_type=CSV_MEDIA_TYPE, headers={"Content-Disposition": content_disposition(name + ".csv")}
        )
    body = await asyncio.to_thread(xlsx_bytes, EXPORT_COLUMNS, rows, sheet="检查结果")
    return Response(
        body, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": content_disposition(name + ".xlsx")}
    )


async def export_rows(session: AsyncSession, task_id: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(Inspection, Publication)
            .outerjoin(Publication, Publication.inspection_id == Inspection.id)
            .where(Inspection.task_id == task_id)
            .order_by(Inspection.uscc)
        )
    ).all()
    found: dict[Any, list[Finding]] = {}
    for f in (
        await session.execute(
            select(Finding)
            .join(Inspection, Inspection.id == Finding.inspection_id)
            .where(Inspection.task_id == task_id)
            .order_by(Finding.inspection_id, Finding.position)
        )
    ).scalars():
        found.setdefault(f.inspection_id, []).append(f)
    out = []
    for inspection, publication in rows:
        names = {int(i["position"]): i.get("name", "") for i in inspection.items}
        out.append(
            {
                "uscc": inspection.uscc,
                "entity_name": publication.entity_name if publication else "",
                "state": STATE_ZH.get(inspection.state, inspection.state),
                "inspected_on": inspection.inspected_on,
                "team": [f"{m['inspector']}/{m['department']}" for m in inspection.team],
                "departments": inspection.departments,
                "items": [
                    f"{f.position}.{names.get(f.position, '')}（{f.department}）：{OUTCOME_ZH.get(f.outcome, f.outcome)}"
                    for f in found.get(inspection.id, [])
                ],
                "categories": [
                    labels.get(c["code"], c["code"]) + (f"（{c['department']}）" if c.get("department") else "")
                    for c in inspection.categories
                ],
                "follow_up_measure": inspection.follow_up_measure or "",
                "due_on": inspection.due_on,
                "late": "是" if inspection.late else "否",
                "approved_at": inspection.approved_at,
                "publication": PUBLICATION_ZH.get(publication.status, publication.status) if publication else "",
            }
        )
    return out
