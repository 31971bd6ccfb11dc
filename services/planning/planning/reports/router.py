"""HTTP route of planning's year summary, read by the audit service's oversight report."""

from __future__ import annotations

from jointcheck.contracts import PlanningYearSummary
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.reportparams import ReportDepartment, ReportYear, SummaryReaders
from jointcheck.routing import APIRouter
from planning.reports import service

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/{year}/summary",
    response_model=PlanningYearSummary,
    summary="年度督查：计划报备与任务完成 / The year's filings and completions (for the oversight report)",
    description="Every plan of the year and whether it was filed by 31 January (Beijing date; unfiled past it: "
    "`unfiled_overdue`); each department's item list and the industry checklists it leads, with the items and "
    "checklists added after 31 January named; every task of the year's plans and whether it was completed "
    "(first reached `completed`) by 31 October. `department` keeps what that department leads or takes part "
    "in. The audit service assembles the report from it. "
    "年度计划是否于1月31日前报备、事项清单逾期新增情况、任务是否于10月31日前完成。",
    responses=problem_responses(401, 403, 422),
)
async def year_summary(
    session: Session,
    _user: SummaryReaders,
    year: ReportYear,
    department: ReportDepartment = None,
) -> PlanningYearSummary:
    return await service.year_summary(session, year=year, department=department)
