"""HTTP routes for departments (部门)."""

from __future__ import annotations

from jointcheck.auth import Admin, Reader
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.routing import APIRouter
from registry.departments import repository, service
from registry.departments.schemas import DepartmentCreate, DepartmentRead, DepartmentUpdate

router = APIRouter(prefix="/v1/departments", tags=["departments"])


@router.post(
    "",
    response_model=DepartmentRead,
    status_code=201,
    summary="新增部门 / Create a department",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_department(body: DepartmentCreate, session: Session, user: Admin) -> DepartmentRead:
    return DepartmentRead.model_validate(await service.create(session, data=body, actor=user))


@router.get(
    "",
    response_model=list[DepartmentRead],
    summary="部门列表 / List departments",
    responses=problem_responses(401, 403),
)
async def list_departments(session: Session, _user: Reader) -> list[DepartmentRead]:
    return [DepartmentRead.model_validate(d) for d in await repository.list_all(session)]


@router.get(
    "/{code}",
    response_model=DepartmentRead,
    summary="部门详情 / Get a department",
    responses=problem_responses(401, 403, 404),
)
async def get_department(code: str, session: Session, _user: Reader) -> DepartmentRead:
    return DepartmentRead.model_validate(await service.get(session, code=code))


@router.patch(
    "/{code}",
    response_model=DepartmentRead,
    summary="修改部门 / Update a department",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_department(code: str, body: DepartmentUpdate, session: Session, user: Admin) -> DepartmentRead:
    return DepartmentRead.model_validate(await service.update(session, code=code, data=body, actor=user))
