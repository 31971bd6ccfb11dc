"""HTTP routes for enforcement inspectors (执法检查人员)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from jointcheck.auth import Reader, Writer, access_rule
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.etag import IfMatch
from jointcheck.pagination import Cursor, Limit, Page
from jointcheck.routing import APIRouter
from registry.inspectors import repository, service
from registry.inspectors.schemas import (
    InspectorCreate,
    InspectorFilter,
    InspectorRead,
    InspectorStatus,
    InspectorUpdate,
    InspectorVersionRead,
)
from registry.versioning.http import AsOfQuery, Reason, as_of_version, created, deleted, list_page, read_all, read_one

router = APIRouter(prefix="/v1/inspectors", tags=["inspectors"])

INSPECTOR_DEPT_RULE = access_rule(
    "officers of the inspector's department",
    "仅该执法人员所属部门的执法人员",
)


async def list_filter(
    department: Annotated[list[str], Query(description="department codes, any of / 部门")] = [],  # noqa: B006
    status: Annotated[list[InspectorStatus], Query(description="default: every status / 状态")] = [],  # noqa: B006
    specialty: Annotated[list[str], Query(description="holds any of these specialties / 专业特长")] = [],  # noqa: B006
    region: Annotated[list[str], Query(description="division prefixes, any of / 行政区划前缀")] = [],  # noqa: B006
) -> InspectorFilter:
    return InspectorFilter(departments=department, statuses=status, specialties=specialty, region_prefixes=region)


Filter = Annotated[InspectorFilter, Depends(list_filter)]


@router.post(
    "",
    openapi_extra=INSPECTOR_DEPT_RULE,
    response_model=InspectorRead,
    status_code=201,
    summary="登记执法人员 / Create an inspector",
    description="Officers create only inspectors of their own department. The certificate number (执法证号) "
    "must be unique among current inspectors.",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_inspector(body: InspectorCreate, session: Session, user: Writer, response: Response) -> InspectorRead:
    inspector = await service.create(session, data=body, actor=user)
    return created(response, inspector, InspectorRead, f"/v1/inspectors/{inspector.inspector_id}")


@router.get(
    "",
    response_model=Page[InspectorRead],
    summary="查询执法人员 / List inspectors",
    description="Filters combine with AND; repeated values of one filter with OR. `as_of` returns the past exactly.",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_inspectors(
    session: Session,
    _user: Reader,
    f: Filter,
    response: Response,
    limit: Limit = 100,
    cursor: Cursor = None,
    as_of: AsOfQuery = None,
) -> Page[InspectorRead]:
    return await list_page(
        session,
        response,
        repository.list_page,
        f=f,
        as_of=as_of,
        cursor=cursor,
        limit=limit,
        schema=InspectorRead,
        key="inspector_id",
    )


@router.get(
    "/{inspector_id}",
    response_model=InspectorRead,
    summary="执法人员详情 / Get an inspector (optionally as of the past)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_inspector(
    inspector_id: str, session: Session, _user: Reader, response: Response, as_of: AsOfQuery = None
) -> InspectorRead:
    inspector = await service.get(session, inspector_id=inspector_id, version=await as_of_version(session, as_of))
    return read_one(response, inspector, InspectorRead)


@router.get(
    "/{inspector_id}/history",
    response_model=list[InspectorVersionRead],
    summary="变更历史 / Every version of an inspector",
    responses=problem_responses(401, 403, 404),
)
async def inspector_history(inspector_id: str, session: Session, _user: Reader) -> list[InspectorVersionRead]:
    return read_all(await service.versions(session, inspector_id=inspector_id), InspectorVersionRead)


@router.patch(
    "/{inspector_id}",
    openapi_extra=INSPECTOR_DEPT_RULE,
    response_model=InspectorRead,
    summary="修改执法人员 / Update an inspector",
    description="Requires `If-Match` with the inspector's current ETag (412 if it changed since, 428 if "
    "missing). Officers change only inspectors of their own department.",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_inspector(
    inspector_id: str,
    body: InspectorUpdate,
    session: Session,
    user: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> InspectorRead:
    inspector = await service.update(session, inspector_id=inspector_id, data=body, actor=user, if_match=if_match)
    return read_one(response, inspector, InspectorRead)


@router.delete(
    "/{inspector_id}",
    openapi_extra=INSPECTOR_DEPT_RULE,
    status_code=204,
    summary="注销执法人员（软删除）/ Soft-delete an inspector",
    description="Writes a deleted version; history and `as_of` reads keep the past. Requires `If-Match`.",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def delete_inspector(
    inspector_id: str, session: Session, user: Writer, reason: Reason, if_match: IfMatch = None
) -> Response:
    version = await service.delete(session, inspector_id=inspector_id, actor=user, if_match=if_match, reason=reason)
    return deleted(version)
