"""HTTP routes for the expert pool (专家库)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from jointcheck.auth import Admin, Reader
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.etag import IfMatch
from jointcheck.pagination import Cursor, Limit, Page
from jointcheck.routing import APIRouter
from registry.experts import repository, service
from registry.experts.schemas import (
    ExpertCreate,
    ExpertFilter,
    ExpertRead,
    ExpertStatus,
    ExpertUpdate,
    ExpertVersionRead,
)
from registry.versioning.http import AsOfQuery, Reason, as_of_version, created, deleted, list_page, read_all, read_one

router = APIRouter(prefix="/v1/experts", tags=["experts"])


async def list_filter(
    field: Annotated[list[str], Query(description="fields of expertise, any of / 专业领域")] = [],  # noqa: B006
    status: Annotated[list[ExpertStatus], Query(description="default: every status / 状态")] = [],  # noqa: B006
) -> ExpertFilter:
    return ExpertFilter(fields=field, statuses=status)


Filter = Annotated[ExpertFilter, Depends(list_filter)]


@router.post(
    "",
    response_model=ExpertRead,
    status_code=201,
    summary="登记专家 / Create an expert",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_expert(body: ExpertCreate, session: Session, user: Admin, response: Response) -> ExpertRead:
    expert = await service.create(session, data=body, actor=user)
    return created(response, expert, ExpertRead, f"/v1/experts/{expert.expert_id}")


@router.get(
    "",
    response_model=Page[ExpertRead],
    summary="查询专家 / List experts",
    description="Filters combine with AND; repeated values of one filter with OR. `as_of` returns the past exactly.",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_experts(
    session: Session,
    _user: Reader,
    f: Filter,
    response: Response,
    limit: Limit = 100,
    cursor: Cursor = None,
    as_of: AsOfQuery = None,
) -> Page[ExpertRead]:
    return await list_page(
        session,
        response,
        repository.list_page,
        f=f,
        as_of=as_of,
        cursor=cursor,
        limit=limit,
        schema=ExpertRead,
        key="expert_id",
    )


@router.get(
    "/{expert_id}",
    response_model=ExpertRead,
    summary="专家详情 / Get an expert (optionally as of the past)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_expert(
    expert_id: str, session: Session, _user: Reader, response: Response, as_of: AsOfQuery = None
) -> ExpertRead:
    expert = await service.get(session, expert_id=expert_id, version=await as_of_version(session, as_of))
    return read_one(response, expert, ExpertRead)


@router.get(
    "/{expert_id}/history",
    response_model=list[ExpertVersionRead],
    summary="变更历史 / Every version of an expert",
    responses=problem_responses(401, 403, 404),
)
async def expert_history(expert_id: str, session: Session, _user: Reader) -> list[ExpertVersionRead]:
    return read_all(await service.versions(session, expert_id=expert_id), ExpertVersionRead)


@router.patch(
    "/{expert_id}",
    response_model=ExpertRead,
    summary="修改专家 / Update an expert",
    description="Requires `If-Match` with the expert's current ETag (412 if it changed since, 428 if missing).",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def update_expert(
    expert_id: str, body: ExpertUpdate, session: Session, user: Admin, response: Response, if_match: IfMatch = None
) -> ExpertRead:
    expert = await service.update(session, expert_id=expert_id, data=body, actor=user, if_match=if_match)
    return read_one(response, expert, ExpertRead)


@router.delete(
    "/{expert_id}",
    status_code=204,
    summary="移出专家库（软删除）/ Soft-delete an expert",
    description="Writes a deleted version; history and `as_of` reads keep the past. Requires `If-Match`.",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def delete_expert(
    expert_id: str, session: Session, user: Admin, reason: Reason, if_match: IfMatch = None
) -> Response:
    version = await service.delete(session, expert_id=expert_id, actor=user, if_match=if_match, reason=reason)
    return deleted(version)
