"""HTTP routes of follow-up cases (后续处置): lists per department with open/overdue filters, one case with
its history, transfer, rectification deadline, closure."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from jointcheck.auth import Principal, Reader, Role, access_rule, require_roles
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.pagination import Cursor, Limit, Page, cursor_field, page_of
from jointcheck.routing import APIRouter
from results.followups import service
from results.followups.models import FollowupCase
from results.followups.schemas import (
    FollowupClose,
    FollowupDeadline,
    FollowupDetail,
    FollowupEventRead,
    FollowupRead,
    FollowupTransfer,
)
from results.inspections.models import Inspection

router = APIRouter(prefix="/v1/followups", tags=["followups"])

FOLLOWUPS_RULE = access_rule(
    "filtered: officers see their department's cases and those of their department's tasks",
    "按权限过滤：部门执法人员只看到本部门的处置案件及本部门参与任务的案件",
)
CASE_VISIBLE_RULE = access_rule(
    "the case's department and the task's departments",
    "仅案件承办部门及任务所涉部门",
)
CASE_DEPT_RULE = access_rule(
    "officers of the department the case is with",
    "仅案件当前承办部门的执法人员",
)
Actor = Annotated[Principal, Depends(require_roles(Role.admin, Role.officer))]
WHO_READS = (
    "Admins, auditors and services see every case; an officer sees the cases with their department and those "
    "of the tasks their department takes part in. 联席办、审计、服务可见全部；执法部门可见本部门负责及本部门参与任务的案件。"
)
WHO_ACTS = "Officers of the department the case is with, or an admin (谁主管、谁监管). 仅案件所在部门或联席办。"


def _read(case: FollowupCase) -> FollowupRead:
    out = FollowupRead.model_validate(case)
    out.overdue = service.is_overdue(case)
    return out


async def _detail(session, case: FollowupCase) -> FollowupDetail:
    history = [FollowupEventRead.model_validate(e) for e in await service.history(session, case.id)]
    return FollowupDetail.model_validate(_read(case).model_dump() | {"history": history})


@router.get(
    "",
    openapi_extra=FOLLOWUPS_RULE,
    response_model=Page[FollowupRead],
    summary="后续处置案件 / Follow-up cases",
    description="Filter by department, state (open/closed), overdue (open past the rectification deadline) or "
    "task. " + WHO_READS,
    responses=problem_responses(400, 401, 422),
)
async def list_followups(
    session: Session,
    user: Reader,
    department: Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")] = None,
    state: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    overdue: bool = False,
    task_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[FollowupRead]:
    after = cursor_field(cursor, "after", parse=lambda v: uuid.UUID(str(v)))
    rows = await service.list_cases(
        session,
        user=user,
        department=department,
        state=state,
        overdue=overdue,
        task_id=task_id,
        after=after,
        limit=limit + 1,
    )
    return page_of(rows, limit, read=_read, cursor_of=lambda c: {"after": str(c.id)})


@router.get(
    "/{case_id}",
    openapi_extra=CASE_VISIBLE_RULE,
    response_model=FollowupDetail,
    summary="案件详情 / One case with its history",
    description=WHO_READS,
    responses=problem_responses(401, 403, 404),
)
async def get_followup(case_id: uuid.UUID, session: Session, user: Reader) -> FollowupDetail:
    case = await service.get(session, case_id)
    inspection = await session.get(Inspection, case.inspection_id)
    service.ensure_can_read(user, case, list(inspection.departments) if inspection else [])
    return await _detail(session, case)


@router.post(
    "/{case_id}/transfer",
    openapi_extra=CASE_DEPT_RULE,
    response_model=FollowupDetail,
    summary="移交案件 / Transfer to another department",
    description="With a reason; the history keeps from and to. " + WHO_ACTS,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def transfer_followup(
    case_id: uuid.UUID, body: FollowupTransfer, session: Session, user: Actor
) -> FollowupDetail:
    return await _detail(session, await service.transfer(session, case_id=case_id, body=body, actor=user))


@router.put(
    "/{case_id}/deadline",
    openapi_extra=CASE_DEPT_RULE,
    response_model=FollowupDetail,
    summary="整改期限 / Set the rectification deadline",
    description=WHO_ACTS,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def set_followup_deadline(
    case_id: uuid.UUID, body: FollowupDeadline, session: Session, user: Actor
) -> FollowupDetail:
    return await _detail(session, await service.set_deadline(session, case_id=case_id, body=body, actor=user))


@router.post(
    "/{case_id}/close",
    openapi_extra=CASE_DEPT_RULE,
    response_model=FollowupDetail,
    summary="结案 / Close with an outcome",
    description="rectified / penalised / referred / other, with a note. " + WHO_ACTS,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def close_followup(case_id: uuid.UUID, body: FollowupClose, session: Session, user: Actor) -> FollowupDetail:
    return await _detail(session, await service.close(session, case_id=case_id, body=body, actor=user))
