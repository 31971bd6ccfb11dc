"""HTTP route of the oversight report (督查报告): JSON, or an XLSX workbook to file."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request, Response

from audit.reports import service, xlsx
from audit.reports.schemas import OversightReport
from jointcheck.auth import Principal, Role, access_rule, require_roles
from jointcheck.clients import Planning, Registry, Results, Sampling
from jointcheck.contracts import DEPT_PATTERN
from jointcheck.db import Database
from jointcheck.errors import Forbidden, problem_responses
from jointcheck.export import content_disposition
from jointcheck.reportparams import ReportYear
from jointcheck.routing import APIRouter

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Readers = Annotated[Principal, Depends(require_roles(Role.admin, Role.auditor, Role.service, Role.officer))]


SCOPE = "officers: only their own department's section (`department` defaults to theirs; another is 403)"
SCOPE_ZH = "部门执法人员：仅本部门部分（`department` 默认为本部门；其他部门 403）"


def _database(request: Request) -> Database:
    return request.app.state.db


Db = Annotated[Database, Depends(_database)]


def report_scope(user: Principal, department: str | None) -> str | None:
    """Admins, auditors and services read the county's report or any department's section. An officer
    reads only their own department's section (the default for them); another's, or none, is 403."""
    if user.reads_everything:
        return department
    if user.dept and department in (None, user.dept):
        return user.dept
    raise Forbidden(
        f"an officer of {user.dept or 'no department'} may read only their own department's section of the report",
        detail_zh=f"{user.dept or '无部门'} 的执法人员只能查看本部门的督查报告",
        code="department_scope",
    )


@router.get(
    "/{year}",
    response_model=OversightReport,
    summary="年度督查报告 / The year's oversight report (JSON or XLSX)",
    description="The joint-meeting office's year-end review of every member unit, for the county or one "
    "department (`department`), gathered over REST from planning, results and sampling (their year summaries) "
    "and the registry (department names), joined with audit's own replay verdicts. **A failing replay verdict "
    "heads it** (`failing_replays`; the first rows of the XLSX summary). Sections: plans and item lists filed "
    "by 31 January (late ones named); tasks completed by 31 October (late and overdue named); results entered "
    "within 20 working days per department (on time, late, still missing past the due date); publication "
    "records by status (pending, published, rejected, dead); follow-up cases open, closed and overdue per "
    "department; voided draws with their reasons; replay verdicts (failed first); the inspection burden "
    "(entities inspected once, twice, …, and the separate department visits the joint mode saved: a joint "
    "visit with k departments saves k − 1). `?format=xlsx` or `Accept: " + xlsx.XLSX_MEDIA_TYPE + "` gives "
    "a workbook with Chinese headers, one sheet per section after the summary. Years 2000–2100.\n\n"
    "年度督查报告：计划与事项清单报备、任务完成、结果录入、公示、后续处置、作废抽取、抽取复核（未通过的置顶）、"
    "检查负担（联合检查减少的入户次数）。可导出 Excel（中文表头，每部分一张工作表）。",
    openapi_extra=access_rule(SCOPE, SCOPE_ZH),
    responses={
        200: {"content": {xlsx.XLSX_MEDIA_TYPE: {}}, "description": "the report / 督查报告"},
        **problem_responses(401, 403, 422, 502, 503),
    },
)
async def oversight_report(
    db: Db,
    user: Readers,
    planning: Planning,
    results: Results,
    sampling: Sampling,
    registry: Registry,
    year: ReportYear,
    department: Annotated[
        str | None, Query(pattern=DEPT_PATTERN, description="one department's section / 部门")
    ] = None,
    format: Annotated[Literal["json", "xlsx"] | None, Query(description="json or xlsx / 格式")] = None,
    accept: Annotated[str | None, Header(max_length=1000, include_in_schema=False)] = None,
) -> OversightReport | Response:
    scope = report_scope(user, department)
    callees = service.Callees(planning=planning, results=results, sampling=sampling, registry=registry)
    report = service.assemble(await service.gather(db, callees=callees, year=year, department=scope))
    wants_xlsx = format == "xlsx" or (format is None and xlsx.XLSX_MEDIA_TYPE in (accept or ""))
    if not wants_xlsx:
        return report
    content = await asyncio.to_thread(xlsx.report_xlsx, report)
    fallback = f"oversight-report-{year}{'-' + scope if scope else ''}.xlsx"
    return Response(
        content,
        media_type=xlsx.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(xlsx.file_name(report), fallback)},
    )
