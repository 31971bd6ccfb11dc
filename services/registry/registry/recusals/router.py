"""HTTP routes for recusals (回避声明)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from jointcheck.auth import Reader, Writer, access_rule
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.pagination import Cursor, Limit, Page
from jointcheck.routing import APIRouter
from registry.recusals import repository, service
from registry.recusals.schemas import RecusalCreate, RecusalFilter, RecusalRead, RecusalVersionRead
from registry.versioning.http import AsOfQuery, as_of_version, created, deleted, list_page, read_all, read_one

router = APIRouter(prefix="/v1/recusals", tags=["recusals"])

INSPECTOR_DEPT_RULE = access_rule(
    "officers of the inspector's department",
    "仅该执法人员所属部门的执法人员",
)


async def list_filter(
    inspector_id: Annotated[list[str], Query(description="inspectors, any of / 执法人员")] = [],  # noqa: B006
    uscc: Annotated[list[str], Query(description="entities, any of / 市场主体")] = [],  # noqa: B006
    valid_on: Annotated[date | None, Query(description="in force on this date / 在该日有效")] = None,
) -> RecusalFilter:
    return RecusalFilter(inspector_ids=inspector_id, usccs=uscc, valid_on=valid_on)


Filter = Annotated[RecusalFilter, Depends(list_filter)]


@router.post(
    "",
    openapi_extra=INSPECTOR_DEPT_RULE,
    response_model=RecusalRead,
    status_code=201,
    summary="登记回避声明 / Declare a recusal",
    description="The inspector must exist and the USCC be a current entity. Admins, or officers of the "
    "inspector's department. `declared_by` is the caller.",
    responses=problem_responses(401, 403, 422),
)
async def create_recusal(body: RecusalCreate, session: Session, user: Writer, response: Response) -> RecusalRead:
    recusal = await service.create(session, data=body, actor=user)
    return created(response, recusal, RecusalRead, f"/v1/recusals/{recusal.recusal_id}", etag=False)


@router.get(
    "",
    response_model=Page[RecusalRead],
    summary="查询回避声明 / List recusals",
    description="Withdrawn recusals are not listed (see history). `as_of` returns the past exactly.",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_recusals(
    session: Session,
    _user: Reader,
    f: Filter,
    response: Response,
    limit: Limit = 100,
    cursor: Cursor = None,
    as_of: AsOfQuery = None,
) -> Page[RecusalRead]:
    return await list_page(
        session,
        response,
        repository.list_page,
        f=f,
        as_of=as_of,
        cursor=cursor,
        limit=limit,
        schema=RecusalRead,
        key="recusal_id",
    )


@router.get(
    "/{recusal_id}",
    response_model=RecusalRead,
    summary="回避声明详情 / Get a recusal",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_recusal(
    recusal_id: str, session: Session, _user: Reader, response: Response, as_of: AsOfQuery = None
) -> RecusalRead:
    recusal = await service.get(session, recusal_id=recusal_id, version=await as_of_version(session, as_of))
    return read_one(response, recusal, RecusalRead, etag=False)


@router.get(
    "/{recusal_id}/history",
    response_model=list[RecusalVersionRead],
    summary="变更历史 / Every version of a recusal",
    responses=problem_responses(401, 403, 404),
)
async def recusal_history(recusal_id: str, session: Session, _user: Reader) -> list[RecusalVersionRead]:
    return read_all(await service.versions(session, recusal_id=recusal_id), RecusalVersionRead)


@router.delete(
    "/{recusal_id}",
    openapi_extra=INSPECTOR_DEPT_RULE,
    status_code=204,
    summary="撤回回避声明 / Withdraw a recusal",
    description="Writes a withdrawn (deleted) version with the reason; history and `as_of` reads keep the past.",
    responses=problem_responses(401, 403, 404, 422),
)
async def withdraw_recusal(
    recusal_id: str,
    session: Session,
    user: Writer,
    reason: Annotated[str, Query(min_length=2, max_length=500, description="why / 撤回原因")],
) -> Response:
    version = await service.withdraw(session, recusal_id=recusal_id, actor=user, reason=reason)
    return deleted(version)
