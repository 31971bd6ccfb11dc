"""HTTP routes for industry checklists (行业统一检查单)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response

from jointcheck.auth import Reader, Writer, access_rule
from jointcheck.clients import Registry
from jointcheck.codes import CodeValueError
from jointcheck.contracts import industry_prefix
from jointcheck.db import Session
from jointcheck.errors import UnprocessableEntity, problem_responses
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
from jointcheck.requestguard import INT32_MAX
from jointcheck.routing import APIRouter
from planning.checklists import repository, service
from planning.checklists.schemas import ChecklistCreate, ChecklistRead, ChecklistUpdate

router = APIRouter(prefix="/v1/checklists", tags=["checklists"])

LEAD_RULE = access_rule(
    "officers of the lead department",
    "仅牵头部门的执法人员",
)

VersionQuery = Annotated[
    int | None, Query(ge=1, le=INT32_MAX, description="a past version / 指定版本（缺省为当前版本）")
]


def _etag(response: Response, checklist: ChecklistRead) -> None:
    set_etag(response, checklist.current_version)


@router.post(
    "",
    openapi_extra=LEAD_RULE,
    response_model=ChecklistRead,
    status_code=201,
    summary="新增行业统一检查单 / Create an industry checklist",
    description="Lead department, cooperating departments, ordered items each with its responsible department "
    "(分工), frequency. Items are pinned at their current version unless `item_version` is given. Officers "
    "create checklists their department leads.",
    responses=problem_responses(401, 403, 422, 502, 503),
)
async def create_checklist(
    body: ChecklistCreate, session: Session, user: Writer, response: Response, registry: Registry
) -> ChecklistRead:
    checklist = await service.create(session, data=body, actor=user, registry=registry)
    _etag(response, checklist)
    response.headers["Location"] = f"/v1/checklists/{checklist.id}"
    return checklist


@router.get(
    "",
    response_model=Page[ChecklistRead],
    summary="检查单列表 / List checklists (current versions)",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_checklists(
    session: Session,
    _user: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    lead_department: Annotated[str | None, Query(description="牵头部门")] = None,
    department: Annotated[str | None, Query(description="牵头或协同部门")] = None,
    industry: Annotated[str | None, Query(description="行业代码（精确匹配检查单所列代码）")] = None,
) -> Page[ChecklistRead]:
    if industry:
        try:
            industry = industry_prefix(industry)
        except CodeValueError as exc:
            raise UnprocessableEntity(
                f"industry {industry!r}: {exc.detail}", detail_zh=f"行业代码 {industry!r} 无效", code="invalid_filter"
            ) from None
    rows = await repository.list_page(
        session,
        lead_department=lead_department,
        department=department,
        industry=industry,
        after=cursor_field(cursor, "after", parse=parse_created_keyset),
        limit=limit + 1,
    )
    items = [await service.read(session, c, v) for c, v in rows[:limit]]
    return Page[ChecklistRead](items=items, next_cursor=next_page_cursor([c for c, _ in rows], limit, created_keyset))


@router.get(
    "/{checklist_id}",
    response_model=ChecklistRead,
    summary="检查单详情 / Get a checklist (any version)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_checklist(
    checklist_id: uuid.UUID, session: Session, _user: Reader, response: Response, version: VersionQuery = None
) -> ChecklistRead:
    checklist = await service.get(session, checklist_id=checklist_id, version=version)
    _etag(response, checklist)
    return checklist


@router.get(
    "/{checklist_id}/versions",
    response_model=list[ChecklistRead],
    summary="检查单历史版本 / Every version of a checklist",
    responses=problem_responses(401, 403, 404),
)
async def checklist_versions(checklist_id: uuid.UUID, session: Session, _user: Reader) -> list[ChecklistRead]:
    return await service.history(session, checklist_id=checklist_id)


@router.patch(
    "/{checklist_id}",
    openapi_extra=LEAD_RULE,
    response_model=ChecklistRead,
    summary="修改检查单（生成新版本）/ Update a checklist (new version)",
    description="Writes version n+1; tasks keep the version they pinned. `items`, when given, replaces the "
    "list (items pinned afresh at their current versions unless `item_version` is given); when omitted the "
    "pinned items carry over. Requires `If-Match` (428 without, 412 if stale). Only the lead department.",
    responses=problem_responses(401, 403, 404, 412, 422, 428, 502, 503),
)
async def update_checklist(
    checklist_id: uuid.UUID,
    body: ChecklistUpdate,
    session: Session,
    user: Writer,
    response: Response,
    registry: Registry,
    if_match: IfMatch = None,
) -> ChecklistRead:
    checklist = await service.update(
        session, checklist_id=checklist_id, data=body, actor=user, if_match=if_match, registry=registry
    )
    _etag(response, checklist)
    return checklist
