"""HTTP routes for annual plans (年度抽查计划)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from jointcheck.auth import Principal, Reader, Role, Writer, access_rule, require_roles
from jointcheck.clients import Registry
from jointcheck.db import Session
from jointcheck.errors import InvalidStateProblem, problem_responses
from jointcheck.etag import IfMatch, set_etag
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
from planning.plans import repository, service
from planning.plans.schemas import LateFilingReport, PlanCreate, PlanRead, PlanState, PlanTransitionCreate, PlanUpdate

router = APIRouter(prefix="/v1/plans", tags=["plans"])

LEAD_RULE = access_rule(
    "officers of the lead department",
    "仅牵头部门的执法人员",
)

Oversight = Annotated[Principal, Depends(require_roles(Role.admin, Role.auditor))]


def _etag(response: Response, plan: PlanRead) -> PlanRead:
    set_etag(response, plan.version)
    return plan


@router.post(
    "",
    openapi_extra=LEAD_RULE,
    response_model=PlanRead,
    status_code=201,
    summary="新建年度计划 / Create an annual plan",
    description="One plan per lead department and year. Officers create their own department's plan. "
    "每个牵头部门每年一个计划。",
    responses=problem_responses(401, 403, 409, 422, 502, 503),
)
async def create_plan(
    body: PlanCreate, session: Session, user: Writer, response: Response, registry: Registry
) -> PlanRead:
    plan = await service.create(session, data=body, actor=user, registry=registry)
    response.headers["Location"] = f"/v1/plans/{plan.id}"
    return _etag(response, await service.read(session, plan))


@router.get(
    "",
    response_model=Page[PlanRead],
    summary="年度计划列表 / List plans",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_plans(
    session: Session,
    _user: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    lead_department: Annotated[str | None, Query(description="牵头部门")] = None,
    state: Annotated[list[PlanState], Query(description="any of")] = [],  # noqa: B006
) -> Page[PlanRead]:
    rows = await repository.list_page(
        session,
        year=year,
        lead_department=lead_department,
        states=[s.value for s in state],
        after=cursor_field(cursor, "after", parse=parse_created_keyset),
        limit=limit + 1,
    )
    return Page[PlanRead](
        items=[await service.read(session, p) for p in rows[:limit]],
        next_cursor=next_page_cursor(rows, limit, created_keyset),
    )


@router.get(
    "/late-filings",
    response_model=LateFilingReport,
    summary="逾期报备情况 / Late filings",
    description="Plans filed after 31 January of their year, and plans still unfiled past it. "
    "Admins (joint-meeting office) and auditors. 逾期报备及逾期未报备的计划。",
    responses=problem_responses(401, 403, 422),
)
async def late_filings(
    session: Session, _user: Oversight, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> LateFilingReport:
    return await service.late_filings(session, year=year)


@router.get(
    "/{plan_id}",
    response_model=PlanRead,
    summary="年度计划详情 / Get a plan with its tasks",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_plan(plan_id: uuid.UUID, session: Session, _user: Reader, response: Response) -> PlanRead:
    return _etag(response, await service.read(session, await service.get_plan(session, plan_id)))


@router.patch(
    "/{plan_id}",
    openapi_extra=LEAD_RULE,
    response_model=PlanRead,
    summary="修改年度计划 / Update a draft plan",
    description="Only while draft; requires `If-Match`. 仅草稿可改。",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_plan(
    plan_id: uuid.UUID, body: PlanUpdate, session: Session, user: Writer, response: Response, if_match: IfMatch = None
) -> PlanRead:
    plan = await service.update(session, plan_id=plan_id, data=body, actor=user, if_match=if_match)
    return _etag(response, await service.read(session, plan))


@router.post(
    "/{plan_id}/transitions",
    openapi_extra=LEAD_RULE,
    response_model=PlanRead,
    summary="报备或公布计划 / File or publish a plan",
    description="`filed` (draft → filed; after 31 January of the plan year it is flagged `filed_late`) or "
    "`published` (filed → published; then shown under `/public/plans`). Anything else: 409 naming the current "
    "state. 报备（1月31日后报备标记为逾期）或公布。",
    responses=problem_responses(401, 403, 404, 409, 422, problems=(InvalidStateProblem,)),
)
async def transition_plan(
    plan_id: uuid.UUID, body: PlanTransitionCreate, session: Session, user: Writer, response: Response
) -> PlanRead:
    plan = await service.transition(session, plan_id=plan_id, data=body, actor=user)
    return _etag(response, await service.read(session, plan))
