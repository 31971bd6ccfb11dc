"""HTTP routes for joint inspection tasks (联合抽查任务)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from jointcheck.auth import Reader, Role, Writer, access_rule
from jointcheck.clients import Registry
from jointcheck.db import Db, Session
from jointcheck.errors import InvalidStateProblem, problem_responses
from jointcheck.etag import IfMatch, etag, set_etag
from jointcheck.pagination import (
    Cursor,
    Limit,
    Page,
    created_keyset,
    cursor_field,
    next_page_cursor,
    parse_created_keyset,
)
from jointcheck.routing import APIRouter, model_response
from planning.checklists.schemas import ChecklistRead
from planning.problems import InsufficientCapacityProblem, PlanNotPublishedProblem
from planning.tasks import repository, service
from planning.tasks.models import Task
from planning.tasks.schemas import (
    TaskAmendmentCreate,
    TaskCreate,
    TaskPreview,
    TaskRead,
    TaskState,
    TaskTransitionCreate,
    TaskUpdate,
)

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])

PLAN_LEAD_RULE = access_rule(
    "officers of the plan's lead department",
    "仅计划牵头部门的执法人员",
)
TASKS_FILTERED_RULE = access_rule(
    "filtered: officers see the tasks their department takes part in",
    "按权限过滤：部门执法人员只看到本部门参与的任务",
)
TASK_DEPTS_RULE = access_rule(
    "officers of the task's departments",
    "仅任务所涉部门的执法人员",
)
TASK_LEAD_RULE = access_rule(
    "officers of the task's lead department",
    "仅任务牵头部门的执法人员",
)


async def readable_task(task_id: uuid.UUID, session: Session, user: Reader) -> Task:
    """The task, if the caller may read it (officers: their department takes part)."""
    task = await service.get_task(session, task_id)
    service.ensure_can_read(user, task)
    return task


ReadableTask = Annotated[Task, Depends(readable_task)]


def _etag(response: Response, task: TaskRead) -> TaskRead:
    set_etag(response, task.version)
    return task


@router.post(
    "",
    openapi_extra=PLAN_LEAD_RULE,
    response_model=TaskRead,
    status_code=201,
    summary="新建抽查任务 / Create a task",
    description="In a plan; pins the checklist's current version unless `checklist_version` is given. "
    "Departments default to the checklist's lead and cooperating departments, the scope to its industry "
    "codes. Every problem of the spec is listed in one 422 (`errors[].field`, e.g. `sampling_rules.C.ratio`). "
    "Only the plan's lead department (or admin). 仅牵头部门可新建；规则问题一次全部列出。",
    responses=problem_responses(401, 403, 422, 502, 503),
)
async def create_task(
    body: TaskCreate, session: Session, user: Writer, response: Response, registry: Registry
) -> TaskRead:
    task = await service.create(session, data=body, actor=user, registry=registry)
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return _etag(response, await service.read(session, task, viewer=user))


@router.get(
    "",
    openapi_extra=TASKS_FILTERED_RULE,
    response_model=Page[TaskRead],
    summary="抽查任务列表 / List tasks",
    description="Officers see the tasks their department takes part in. 执法人员仅见本部门参加的任务。",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_tasks(
    session: Session,
    user: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    plan_id: Annotated[uuid.UUID | None, Query()] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    state: Annotated[list[TaskState], Query(description="any of")] = [],  # noqa: B006
    department: Annotated[str | None, Query(description="takes part (lead or cooperating)")] = None,
) -> Page[TaskRead]:
    only_own = not (user.reads_everything or user.has(Role.inspector))
    rows = await repository.list_page(
        session,
        plan_id=plan_id,
        year=year,
        states=[s.value for s in state],
        department=department,
        visible_to=user.dept if only_own else None,
        after=cursor_field(cursor, "after", parse=parse_created_keyset),
        limit=limit + 1,
    )
    return Page[TaskRead](
        items=[await service.read(session, t, viewer=user) for t in rows[:limit]],
        next_cursor=next_page_cursor(rows, limit, created_keyset),
    )


@router.get(
    "/{task_id}",
    openapi_extra=TASK_DEPTS_RULE,
    response_model=TaskRead,
    summary="抽查任务详情 / Get a task",
    description="The spec other services build on: pinned checklist, departments, scope, a draw-v1 rule per "
    "credit class, exclusion window, team rules, experts, window, state and its history, warnings. `ETag` = version.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_task(task_id: uuid.UUID, db: Db, user: Reader) -> Response:
    # The JSON FastAPI would send for the TaskRead (response_model), written directly: FastAPI would
    # validate the model it was just built from again before writing it.
    task = await service.read_by_id(db, task_id, viewer=user)
    return model_response(TaskRead, task, headers={"ETag": etag(task.version)})


@router.patch(
    "/{task_id}",
    openapi_extra=TASK_LEAD_RULE,
    response_model=TaskRead,
    summary="修改抽查任务 / Update a draft task",
    description="Only while draft, only the lead department; requires `If-Match` (428 without, 412 if "
    "stale). The whole spec is validated again. 仅草稿、仅牵头部门可改。",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428, 502, 503, problems=(InvalidStateProblem,)),
)
async def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    session: Session,
    user: Writer,
    response: Response,
    registry: Registry,
    if_match: IfMatch = None,
) -> TaskRead:
    task = await service.update(session, task_id=task_id, data=body, actor=user, if_match=if_match, registry=registry)
    return _etag(response, await service.read(session, task, viewer=user))


@router.post(
    "/{task_id}/transitions",
    openapi_extra=TASK_LEAD_RULE,
    response_model=TaskRead,
    summary="变更任务状态 / Move a task to another state",
    description="`approved` (from draft; the plan must be published — 409 `plan_not_published` — and the "
    "inspector pool must staff every expected entity — 409 `insufficient_capacity` with the `shortfall` per "
    "department), `in_progress` (from teams_assigned), `completed` (from in_progress), "
    "`closed` (from results_published), `cancelled` (from draft or approved, before any draw, with a "
    "`reason`): admin or an officer of the lead department. `objects_drawn`, "
    "`teams_assigned` and `results_published` are set by the sampling and results services through events. "
    "Anything else: 409 `invalid_state` naming `current_state`. 审批、开始、完成、关闭。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        502,
        503,
        problems=(
            InsufficientCapacityProblem,
            PlanNotPublishedProblem,
            InvalidStateProblem,
        ),
    ),
)
async def transition_task(
    task_id: uuid.UUID,
    body: TaskTransitionCreate,
    db: Db,
    user: Writer,
    response: Response,
    registry: Registry,
) -> TaskRead:
    # approval asks the registry between short transactions of its own: it takes the database
    await service.transition(db, task_id=task_id, data=body, actor=user, registry=registry)
    async with db.transaction() as session:
        task = await service.get_task(session, task_id)
        return _etag(response, await service.read(session, task, viewer=user))


@router.post(
    "/{task_id}/amendments",
    openapi_extra=TASK_LEAD_RULE,
    response_model=TaskRead,
    status_code=201,
    summary="变更组队规则 / Amend the team rules (approved, teams not complete)",
    description="While the task is `approved` or `objects_drawn` (e.g. a teams draw left entities without a "
    "team): new `team_size`, `max_load` or `required_departments`, with a reason; recorded with who and when "
    "(`amendments` on the task) and audited. The next (supplementary) teams draw uses them. Who may: as for "
    "approving. 组队规则变更须说明理由，记录并审计。",
    responses=problem_responses(401, 403, 404, 409, 422, problems=(InvalidStateProblem,)),
)
async def amend_task(
    task_id: uuid.UUID, body: TaskAmendmentCreate, session: Session, user: Writer, response: Response
) -> TaskRead:
    task = await service.amend(session, task_id=task_id, data=body, actor=user)
    return _etag(response, await service.read(session, task, viewer=user))


@router.get(
    "/{task_id}/checklist",
    openapi_extra=TASK_DEPTS_RULE,
    response_model=ChecklistRead,
    summary="任务所用检查单 / The checklist version the task pinned",
    description="The items as pinned when the task was made; later versions of the checklist or its items "
    "never change it. 任务锁定的检查单版本。",
    responses=problem_responses(401, 403, 404, 422),
)
async def task_checklist(task: ReadableTask, session: Session) -> ChecklistRead:
    return await service.pinned_checklist(session, task)


@router.get(
    "/{task_id}/preview",
    openapi_extra=TASK_DEPTS_RULE,
    response_model=TaskPreview,
    summary="抽取预览 / Population and expected sample per class",
    description="From the registry's current counts of the task's scope, before any draw: per class the "
    "population, the draw-v1 sample size and alternates; totals; the registry version used; `capacity`: per "
    "required department the eligible active inspectors, `eligible × max_load` and the expected entities, "
    "the seats needed (`team_size` per entity) — approval is refused when it cannot suffice, and a warning "
    "says when it is tight. 503 "
    "`upstream_unavailable` if the registry does not answer. 按名录库当前数量预估各类抽取数。",
    responses=problem_responses(401, 403, 404, 422, 502, 503),
)
async def preview_task(task_id: uuid.UUID, db: Db, user: Reader, registry: Registry) -> TaskPreview:
    # the registry is asked between short transactions of planning's own: the route takes the database
    async with db.transaction() as session:
        task = await service.get_task(session, task_id)
        service.ensure_can_read(user, task)
    return await service.preview(db, task=task, registry=registry)
