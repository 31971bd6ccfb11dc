"""Public routes (no token): published annual plans and their tasks, public fields only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.pagination import (
    Cursor,
    Limit,
    Page,
    created_keyset,
    cursor_field,
    next_page_cursor,
    parse_created_keyset,
)
from jointcheck.routing import APIRouter
from planning.plans import repository as plans
from planning.public import service
from planning.public.schemas import PublicPlanRead, PublicPlanSummaryRead, PublicPlanTaskRead

router = APIRouter(prefix="/public", tags=["public"])


@router.get(
    "/plans",
    response_model=Page[PublicPlanSummaryRead],
    summary="已公布的年度计划 / Published annual plans",
    description="No token needed. Drafts and filed-but-unpublished plans never appear. 无需令牌；仅已公布计划。",
    responses=problem_responses(400, 422),
)
async def list_plans(
    session: Session,
    limit: Limit = 50,
    cursor: Cursor = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[PublicPlanSummaryRead]:
    rows = await plans.list_page(
        session,
        year=year,
        lead_department=None,
        states=["published"],
        after=cursor_field(cursor, "after", parse=parse_created_keyset),
        limit=limit + 1,
    )
    return Page[PublicPlanSummaryRead](
        items=[await service.summary(session, p) for p in rows[:limit]],
        next_cursor=next_page_cursor(rows, limit, created_keyset),
    )


@router.get(
    "/plans/{plan_id}",
    response_model=PublicPlanRead,
    summary="已公布计划详情 / A published plan and its tasks",
    description="Tasks with their industry, departments, object scope, draw type, ratios per credit class, "
    "inspection window and items; no people, no state history. Tasks still in draft are not shown. "
    "公开任务名称、行业、部门、对象范围、抽取方式与比例、检查时间及事项。",
    responses=problem_responses(404, 422),
)
async def get_plan(plan_id: uuid.UUID, session: Session) -> PublicPlanRead:
    return await service.published_plan(session, plan_id=plan_id)


@router.get(
    "/plans/tasks/{task_id}",
    response_model=PublicPlanTaskRead,
    summary="已公布计划中的任务 / A task of a published plan",
    description="The task's public fields (as `GET /public/plans/{plan_id}` lists them) with its plan's summary: "
    "what a draw (`/public/draws/{id}` names only its task) or a published result links to. Draft tasks and tasks "
    "of unpublished plans are 404. 任务的公开信息及其所属已公布计划。",
    responses=problem_responses(404, 422),
)
async def public_task(task_id: uuid.UUID, session: Session) -> PublicPlanTaskRead:
    return await service.published_task(session, task_id=task_id)
