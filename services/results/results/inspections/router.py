"""HTTP routes of inspections: list and read (who was drawn stays with those involved), the on-site
visit, and two queries sampling makes before a draw."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from jointcheck import visibility
from jointcheck.auth import Principal, Reader, Role, require_roles
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.pagination import Cursor, Limit, Page, page_of
from results.inspections import repository, service
from results.inspections.schemas import (
    InspectionRead,
    InspectionVisit,
    LastInspectors,
    LastInspectorsQuery,
    RecentlyInspected,
    RecentlyInspectedQuery,
)

router = APIRouter(prefix="/v1/inspections", tags=["inspections / 检查"])
# Every entity inspected and every inspector sent: for those who see every task (jointcheck.visibility).
_sampling = Depends(require_roles(*visibility.SEE_ALL))
VISIBILITY = (
    "Visible to admins, auditors and services, to officers of the task's departments, and to inspectors "
    "on the inspection's team (jointcheck.visibility). 仅联席办、审计、服务、任务参与部门及检查组成员可见。"
)


@router.get(
    "",
    response_model=Page[InspectionRead],
    summary="检查列表 / List inspections",
    description="The inspections the caller may see, by entity. " + VISIBILITY,
    responses=problem_responses(400, 401, 403),
)
async def list_inspections(
    session: Session,
    user: Reader,
    task_id: Annotated[str | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[InspectionRead]:
    rows = await service.list_visible(session, user=user, task_id=task_id, cursor=cursor, limit=limit + 1)
    return page_of(rows, limit, read=InspectionRead.model_validate, cursor_of=lambda i: {"after": [i.uscc, str(i.id)]})


@router.get(
    "/{inspection_id}",
    response_model=InspectionRead,
    summary="检查详情 / One inspection",
    description=VISIBILITY,
    responses=problem_responses(401, 403, 404),
)
async def get_inspection(inspection_id: uuid.UUID, session: Session, user: Reader) -> InspectionRead:
    return InspectionRead.model_validate(await service.get(session, inspection_id=inspection_id, user=user))


@router.post(
    "/{inspection_id}/visit",
    response_model=InspectionRead,
    summary="记录实施检查 / Record the on-site visit",
    description="By a member of the inspection's team, an officer of a department the team is drawn from, "
    "or an admin. 仅检查组成员、其所属部门执法人员及联席办可记录。",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def record_visit(
    inspection_id: uuid.UUID,
    body: InspectionVisit,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin, Role.officer, Role.inspector))],
) -> InspectionRead:
    return InspectionRead.model_validate(
        await service.record_visit(session, inspection_id=inspection_id, inspected_on=body.inspected_on, actor=user)
    )


@router.post(
    "/recently-inspected",
    response_model=RecentlyInspected,
    dependencies=[_sampling],
    summary="近期已检查主体 / Entities inspected since a date",
    description="Used by sampling to apply a task's exclusion window (services, admins, auditors). "
    "供随机抽取服务排除近期已检查对象。",
    responses=problem_responses(401, 403, 422),
)
async def recently_inspected(body: RecentlyInspectedQuery, session: Session) -> RecentlyInspected:
    return RecentlyInspected(since=body.since, usccs=await repository.inspected_since(session, body.since))


@router.post(
    "/last-inspectors",
    response_model=LastInspectors,
    dependencies=[_sampling],
    summary="上次检查人员 / Inspectors of each entity's last inspection",
    description="Used by teams draws: the same inspector is not sent to the same entity twice in a row "
    "(services, admins, auditors). 供编组抽取避免同一检查人员连续检查同一主体。",
    responses=problem_responses(401, 403, 422),
)
async def last_inspectors(body: LastInspectorsQuery, session: Session) -> LastInspectors:
    return LastInspectors(last=await repository.last_inspectors(session, body.usccs))
