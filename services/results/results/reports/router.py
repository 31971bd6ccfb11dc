"""HTTP route of results' year summary, read by the audit service's oversight report."""

from __future__ import annotations

from jointcheck.contracts import ResultsYearSummary
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.reportparams import ReportDepartment, ReportYear, SummaryReaders
from jointcheck.routing import APIRouter
from results.reports import service

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/{year}/summary",
    response_model=ResultsYearSummary,
    summary="年度督查：结果录入、公示、后续处置与检查负担 / The year's results, publications, follow-up and burden",
    description="For the inspections of the year's tasks (their plan's year): results approved by the due date "
    "(20 working days after the task's window) — on time, late, still missing past the due date (`overdue`), not "
    "yet due — per department of the task, the late and overdue named; publication records by status (pending, "
    "published, rejected, dead) per inspecting department; follow-up cases open, closed and overdue (open past "
    "their rectification deadline) per department the case is with, the overdue named. And the inspection burden "
    "of the calendar year (by the day of the visit): entities inspected once, twice, …, and the separate "
    "department visits the joint mode saved (a joint visit with k departments saves k − 1). `department` keeps "
    "what that department takes part in. The audit service assembles the report from it. "
    "结果按期录入、公示状态、后续处置及检查负担（联合检查减少的入户次数）。",
    responses=problem_responses(401, 403, 422),
)
async def year_summary(
    session: Session,
    _user: SummaryReaders,
    year: ReportYear,
    department: ReportDepartment = None,
) -> ResultsYearSummary:
    return await service.year_summary(session, year=year, department=department)
