"""HTTP route of sampling's year summary, read by the audit service's oversight report."""

from __future__ import annotations

from jointcheck.contracts import SamplingYearSummary
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.reportparams import ReportDepartment, ReportYear, SummaryReaders
from jointcheck.routing import APIRouter
from sampling.reports import service

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/{year}/summary",
    response_model=SamplingYearSummary,
    summary="年度督查：抽取情况 / The year's draws (for the oversight report)",
    description="Every draw of the year — a draw belongs to the year its task's inspection window begins in, as "
    "its announcement records it — by kind and status, each named with its task, round and departments; a voided "
    "draw with when, by whom and why (作废原因). Never a secret or an input file. `department` keeps the draws of "
    "the tasks that department takes part in. The audit service assembles the report from it and "
    "joins its replay verdicts. 年度抽取情况，作废抽取及其原因。",
    responses=problem_responses(401, 403, 422),
)
async def year_summary(
    session: Session,
    _user: SummaryReaders,
    year: ReportYear,
    department: ReportDepartment = None,
) -> SamplingYearSummary:
    return await service.year_summary(session, year=year, department=department)
