"""Rules for inspectors: department scope, unique certificates; the versioned lifecycle is
:data:`registry.inspectors.repository.records`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, ensure_department
from jointcheck.errors import Conflict, UnprocessableEntity
from registry.departments import repository as departments
from registry.inspectors import repository
from registry.inspectors.models import Inspector
from registry.inspectors.repository import records
from registry.inspectors.schemas import InspectorCreate, InspectorUpdate


async def _check_department(session: AsyncSession, code: str) -> None:
    if await departments.get(session, code) is None:
        raise UnprocessableEntity(
            f"unknown department code: {code}",
            detail_zh=f"部门代码不存在：{code}",
            code="unknown_department",
            errors=[{"field": "body.department", "message": f"unknown: {code}"}],
        )


async def _check_certificate(session: AsyncSession, certificate_no: str, *, inspector_id: str) -> None:
    holder = await repository.holder_of_certificate(session, certificate_no)
    if holder is not None and holder.inspector_id != inspector_id:
        raise Conflict(
            f"certificate {certificate_no} is held by inspector {holder.inspector_id}",
            detail_zh=f"执法证号 {certificate_no} 已登记给 {holder.inspector_id}",
            code="certificate_taken",
        )


async def create(session: AsyncSession, *, data: InspectorCreate, actor: Principal) -> Inspector:
    ensure_department(actor, data.department, action="create")
    await _check_department(session, data.department)
    existing = await records.find_current(session, data.inspector_id)
    if existing is not None and not existing.deleted:
        raise Conflict(
            f"inspector {data.inspector_id} already exists",
            detail_zh=f"执法人员 {data.inspector_id} 已存在",
            code="inspector_exists",
        )
    await _check_certificate(session, data.certificate_no, inspector_id=data.inspector_id)
    values = data.model_dump(include=set(records.attributes) | {"inspector_id"})
    values["status"] = data.status.value
    return await records.create(session, values, actor=actor, audit={"department": data.department})


async def get(session: AsyncSession, *, inspector_id: str, version: int | None = None) -> Inspector:
    return await records.get(session, inspector_id, version=version)


async def update(
    session: AsyncSession, *, inspector_id: str, data: InspectorUpdate, actor: Principal, if_match: str | None
) -> Inspector:
    current = await records.get(session, inspector_id)
    ensure_department(actor, current.department, action="change")
    records.check_if_match(current, if_match)
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise UnprocessableEntity(
            f"{', '.join(nulls)} cannot be null",
            detail_zh=f"{'、'.join(nulls)} 不能为空",
            code="null_not_allowed",
            errors=[{"field": f"body.{k}", "message": "cannot be null"} for k in nulls],
        )
    if "department" in changes and changes["department"] != current.department:
        ensure_department(actor, changes["department"], action="move inspectors to")
        await _check_department(session, changes["department"])
    if "certificate_no" in changes:
        await _check_certificate(session, changes["certificate_no"], inspector_id=inspector_id)
    return await records.update(session, current, records.merge(current, changes), actor=actor)


async def delete(
    session: AsyncSession, *, inspector_id: str, actor: Principal, if_match: str | None, reason: str
) -> int:
    current = await records.get(session, inspector_id)
    ensure_department(actor, current.department, action="delete")
    records.check_if_match(current, if_match)
    return await records.delete(session, current, actor=actor, reason=reason)


async def versions(session: AsyncSession, *, inspector_id: str) -> list[Inspector]:
    return await records.versions(session, inspector_id)
