"""HTTP routes of calendars: the holiday schedules deadlines are counted on, and a due date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query, Response

from jointcheck.auth import Admin, Reader
from jointcheck.db import Session
from jointcheck.errors import NotFound, problem_responses
from jointcheck.routing import APIRouter
from jointcheck.settings import Settings
from jointcheck.workdays import package_years
from results.calendars import repository, service
from results.calendars.schemas import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarList,
    CalendarYearCreate,
    CalendarYearRead,
    ResultsDueDate,
)
from results.problems import CalendarYearExistsProblem
from results.tasks import service as tasks_service

router = APIRouter(prefix="/v1/calendars", tags=["calendars"])
Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="公历年份")]


@router.get(
    "",
    response_model=CalendarList,
    summary="节假日安排 / Loaded holiday schedules",
    description="The years operators loaded (through the API or configured files), and the years the "
    "chinesecalendar package covers by itself. 已录入的年份及 chinesecalendar 覆盖的年份。",
    responses=problem_responses(401, 403),
)
async def list_calendars(session: Session, _user: Reader) -> CalendarList:
    covered = package_years()
    return CalendarList(
        package_first_year=covered[0] if covered else None,
        package_last_year=covered[-1] if covered else None,
        items=[CalendarYearRead.model_validate(r) for r in await repository.list_all(session)],
    )


@router.get(
    "/due-date",
    response_model=ResultsDueDate,
    summary="结果录入截止日 / Results due date",
    description="The day results are due for a task whose inspection window ends on `window_end`: "
    "`RESULTS_RESULTS_DUE_WORKING_DAYS` (20) working days later. 409 `unknown_calendar_year`, naming the "
    "year, when the count needs a year nobody has loaded. 检查期限截止后第20个工作日；所需年份未录入时返回409。",
    responses=problem_responses(401, 403, 409, 422, problems=(CalendarYearExistsProblem,)),
)
async def results_due_date(
    session: Session,
    _user: Reader,
    settings: Settings,
    window_end: Annotated[date, Query(ge=date(MIN_YEAR, 1, 1), le=date(MAX_YEAR, 12, 31))],
) -> ResultsDueDate:
    days = getattr(settings, "results_due_working_days", service.DEFAULT_DUE_WORKING_DAYS)
    due = await service.results_due_date(session, window_end, working_days=days)
    return ResultsDueDate(window_end=window_end, working_days=days, due_date=due)


@router.get(
    "/{year}",
    response_model=CalendarYearRead,
    summary="某年节假日安排 / One loaded year",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_calendar(year: Year, session: Session, _user: Reader) -> CalendarYearRead:
    row = await repository.get(session, year)
    if row is None:
        raise NotFound(
            f"no calendar loaded for {year}", detail_zh=f"{year}年节假日安排未录入", code="calendar_year_not_found"
        )
    return CalendarYearRead.model_validate(row)


@router.post(
    "/{year}",
    response_model=CalendarYearRead,
    status_code=201,
    summary="录入节假日安排 / Load a year's holiday schedule",
    description="Admins (the joint-meeting office) load the State Council's schedule of a year: its days off "
    "and its make-up working days, every date inside the year, none in both lists. For a year the "
    "chinesecalendar package does not cover, every other weekday is a working day; for one it covers, these "
    "dates correct it. A year already loaded is replaced only with `replace: true` (200; 409 "
    "`calendar_year_exists` otherwise). Audited. 联席办录入国务院公布的放假和调休安排；覆盖已录入年份须显式指定，并记入审计。",
    responses=problem_responses(401, 403, 409, 422),
)
async def load_calendar(
    year: Year, body: CalendarYearCreate, session: Session, user: Admin, response: Response
) -> CalendarYearRead:
    row, created = await service.load_year(session, year=year, data=body, replace=body.replace, actor=user)
    await tasks_service.recompute_due_dates(session)  # a due date unknown until now, or moved by a correction
    if not created:
        response.status_code = 200
    return CalendarYearRead.model_validate(row)
