"""HTTP routes of tasks as results knows them: the due date of their results."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from jointcheck import visibility
from jointcheck.auth import Reader, access_rule
from jointcheck.db import Session
from jointcheck.errors import NotFound, problem_responses
from jointcheck.schemas import Schema
from results import deadlines
from results.inspections import repository as inspections
from results.problems import UnknownCalendarYearProblem
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
