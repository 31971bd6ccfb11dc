"""Rules for inspectors: department scope, unique certificates, full history, ETags."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, ensure_department
from jointcheck.errors import Conflict, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from registry.departments import repository as departments
from registry.versioning.store import check_if_match
from registry.inspectors import repository
from registry.inspectors.models import Inspector
from registry.inspectors.schemas import InspectorCreate, InspectorUpdate
from registry.versioning.service import next_version
from registry.versioning.store import write_version

ATTRIBUTES = ("name", "department", "certificate_no", "specialties", "region", "status")


async def _check_department(session: AsyncSession, code: str) -> None:
    if await departments.get(session, code) is None:
        raise UnprocessableEntity(f"unknown department code: {code}", detail_zh=f"部门代码不存在：{code}",
                                  code="unknown_department", errors=[{"field": "body.department", "message": f"unknown: {code}"}])


async def _check_certificate(session: AsyncSession, certificate_no: str, *, inspector_id: str) -> None:
    holder = await repository.holder_of_certificate(session, certificate_no)
    if holder is not None and holder.inspector_id != inspector_id:
        raise Conflict(f"certificate {certificate_no} is held by inspector {holder.inspector_id}",
                       detail_zh=f"执法证号 {certificate_no} 已登记给 {holder.inspector_id}", code="certificate_taken")


async def create(session: AsyncSession, *, data: InspectorCreate, actor: Principal) -> Inspector:
    ensure_department(actor, data.department, action="create")
    await _check_department(session, data.department)
    existing = await repository.get_any_current(session, data.inspector_id)
    if existing is not None and not existing.deleted:
        raise Conflict(f"inspector {data.inspector_id} already exists", detail_zh=f"执法人员 {data.inspector_id} 已存在",
                       code="inspector_exists")
    await _check_certificate(session, data.certificate_no, inspector_id=data.inspector_id)
    values = data.model_dump(include=set(ATTRIBUTES) | {"inspector_id"})
    values["status"] = data.status.value
    version = await next_version(session, actor=actor, reason="inspector.create", details={"inspector_id": data.inspector_id})
    inspector = await write_version(session, Inspector, Inspector.inspector_id, data.inspector_id, values,
                                    version=version, actor=actor.subject, reason="create")
    await record_audit(session, actor=actor, action="inspector.create", object_type="inspector",
                       object_id=data.inspector_id, data={"version": version, "department": data.department})
    return inspector


async def get(session: AsyncSession, *, inspector_id: str, version: int | None = None) -> Inspector:
    inspector = await repository.get(session, inspector_id, version=version)
    if inspector is None:
        suffix = f" as of registry version {version}" if version is not None else ""
        raise NotFound(f"no inspector {inspector_id}{suffix}", detail_zh=f"执法人员 {inspector_id} 不存在",
                       code="inspector_not_found")
    return inspector


async def update(session: AsyncSession, *, inspector_id: str, data: InspectorUpdate, actor: Principal,
                 if_match: str | None) -> Inspector:
    current = await get(session, inspector_id=inspector_id)
    ensure_department(actor, current.department, action="change")
    check_if_match(current, if_match, label=f"inspector {inspector_id}", label_zh=f"执法人员 {inspector_id} ")
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise UnprocessableEntity(f"{', '.join(nulls)} cannot be null", detail_zh=f"{'、'.join(nulls)} 不能为空",
                                  code="null_not_allowed",
                                  errors=[{"field": f"body.{k}", "message": "cannot be null"} for k in nulls])
    if "department" in changes and changes["department"] != current.department:
        ensure_department(actor, changes["department"], action="move inspectors to")
        await _check_department(session, changes["department"])
    if "certificate_no" in changes:
        await _check_certificate(session, changes["certificate_no"], inspector_id=inspector_id)
    values: dict[str, Any] = {a: getattr(current, a) for a in ATTRIBUTES} | {"inspector_id": inspector_id}
    for key, value in changes.items():
        values[key] = value.value if hasattr(value, "value") else value
    changed = sorted(a for a in ATTRIBUTES if values[a] != getattr(current, a))
    if not changed:
        return current  # nothing changed: no new version
    version = await next_version(session, actor=actor, reason="inspector.update", details={"inspector_id": inspector_id})
    inspector = await write_version(session, Inspector, Inspector.inspector_id, inspector_id, values, version=version,
                                    actor=actor.subject, reason="update")
    await record_audit(session, actor=actor, action="inspector.update", object_type="inspector", object_id=inspector_id,
                       data={"version": version, "changed": changed})
    return inspector


async def delete(session: AsyncSession, *, inspector_id: str, actor: Principal, if_match: str | None, reason: str) -> int:
    current = await get(session, inspector_id=inspector_id)
    ensure_department(actor, current.department, action="delete")
    check_if_match(current, if_match, label=f"inspector {inspector_id}", label_zh=f"执法人员 {inspector_id} ")
    values = {a: getattr(current, a) for a in ATTRIBUTES} | {"inspector_id": inspector_id}
    version = await next_version(session, actor=actor, reason="inspector.delete",
                                 details={"inspector_id": inspector_id, "reason": reason})
    await write_version(session, Inspector, Inspector.inspector_id, inspector_id, values, version=version,
                        actor=actor.subject, reason="delete", deleted=True)
    await record_audit(session, actor=actor, action="inspector.delete", object_type="inspector", object_id=inspector_id,
                       data={"version": version, "reason": reason})
    return version


async def versions(session: AsyncSession, *, inspector_id: str) -> list[Inspector]:
    rows = await repository.versions_of(session, inspector_id)
    if not rows:
        raise NotFound(f"no inspector {inspector_id}", detail_zh=f"执法人员 {inspector_id} 不存在", code="inspector_not_found")
    return rows
