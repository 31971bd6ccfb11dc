"""HTTP routes of the result-category dictionary: read by everyone signed in, changed by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from jointcheck.auth import Admin, Reader
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.routing import APIRouter
from results.categories import service
from results.categories.schemas import CategoryCreate, CategoryRead, CategoryUpdate

router = APIRouter(prefix="/v1/result-categories", tags=["result-categories"])


@router.get(
    "",
    response_model=list[CategoryRead],
    summary="检查结果类别 / The result-category dictionary",
    description="Every category, inactive ones included (hierarchical through `parent`; bilingual). Any signed-in "
    "caller. 任何已登录用户可查看。",
    responses=problem_responses(401),
)
async def list_categories(session: Session, _user: Reader) -> list[CategoryRead]:
    return [CategoryRead.model_validate(c) for c in await service.all_categories(session)]


@router.post(
    "",
    response_model=CategoryRead,
    status_code=201,
    summary="新增结果类别 / Add a result category",
    description="Admins (the joint-meeting office) only. 仅联席办。",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_category(body: CategoryCreate, session: Session, user: Admin) -> CategoryRead:
    return CategoryRead.model_validate(await service.create(session, body, user))


@router.patch(
    "/{code}",
    response_model=CategoryRead,
    summary="修改结果类别 / Change a result category",
    description="Labels, order, or deactivate (a deactivated category can no longer be chosen; records that chose "
    "it keep it). Admins only. 仅联席办。",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_category(
    code: Annotated[str, Path(max_length=64)], body: CategoryUpdate, session: Session, user: Admin
) -> CategoryRead:
    return CategoryRead.model_validate(await service.update(session, code, body, user))
