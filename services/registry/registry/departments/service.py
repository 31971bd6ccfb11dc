"""Rules for departments: admin-managed, codes immutable, every change audited."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import Conflict, NotFound
from jointcheck.outbox import record_audit
from registry.departments import repository
from registry.departments.models import Department
from registry.departments.schemas import DepartmentCreate, DepartmentUpdate


async def create(session: AsyncSession, *, data: DepartmentCreate, actor: Principal) -> Department:
    if await repository.get(session, data.code):
        raise Conflict(
            f"department {data.code} already exists", detail_zh=f"部门 {data.code} 已存在", code="department_exists"
        )
    if await repository.by_name(session, data.name):
        raise Conflict(
            f"a department named {data.name} already exists",
            detail_zh=f"部门名称 {data.name} 已存在",
            code="department_name_taken",
        )
    dept = Department(code=data.code, name=data.name, short_name=data.short_name, active=True)
    session.add(dept)
    await session.flush()
    await session.refresh(dept)
    await record_audit(
        session,
        actor=actor,
        action="department.create",
        object_type="department",
        object_id=dept.code,
        data=data.model_dump(),
    )
    return dept


async def get(session: AsyncSession, *, code: str) -> Department:
    dept = await repository.get(session, code)
    if dept is None:
        raise NotFound(f"no department {code}", detail_zh=f"部门 {code} 不存在", code="department_not_found")
    return dept


async def update(session: AsyncSession, *, code: str, data: DepartmentUpdate, actor: Principal) -> Department:
    dept = await get(session, code=code)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "name" in changes and changes["name"] != dept.name:
        other = await repository.by_name(session, changes["name"])
        if other is not None:
            raise Conflict(
                f"a department named {changes['name']} already exists",
                detail_zh=f"名为 {changes['name']} 的部门已存在",
                code="department_name_taken",
            )
    for key, value in changes.items():
        setattr(dept, key, value)
    await session.flush()
    await session.refresh(dept)
    await record_audit(
        session, actor=actor, action="department.update", object_type="department", object_id=code, data=changes
    )
    return dept
