"""Rules for the expert pool: admin-managed, full history, ETags."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import Conflict, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from registry.experts import repository
from registry.experts.models import Expert
from registry.experts.schemas import ExpertCreate, ExpertUpdate
from registry.versioning.store import check_if_match
from registry.versioning.service import next_version
from registry.versioning.store import write_version

ATTRIBUTES = ("name", "field", "organisation", "title", "status")


async def create(session: AsyncSession, *, data: ExpertCreate, actor: Principal) -> Expert:
    existing = await repository.get_any_current(session, data.expert_id)
    if existing is not None and not existing.deleted:
        raise Conflict(f"expert {data.expert_id} already exists", detail_zh=f"专家 {data.expert_id} 已存在",
                       code="expert_exists")
    values = data.model_dump(include=set(ATTRIBUTES) | {"expert_id"})
    values["status"] = data.status.value
    version = await next_version(session, actor=actor, reason="expert.create", details={"expert_id": data.expert_id})
    expert = await write_version(session, Expert, Expert.expert_id, data.expert_id, values, version=version,
                                 actor=actor.subject, reason="create")
    await record_audit(session, actor=actor, action="expert.create", object_type="expert", object_id=data.expert_id,
                       data={"version": version, "field": data.field})
    return expert


async def get(session: AsyncSession, *, expert_id: str, version: int | None = None) -> Expert:
    expert = await repository.get(session, expert_id, version=version)
    if expert is None:
        suffix = f" as of registry version {version}" if version is not None else ""
        raise NotFound(f"no expert {expert_id}{suffix}", detail_zh=f"专家 {expert_id} 不存在", code="expert_not_found")
    return expert


async def update(session: AsyncSession, *, expert_id: str, data: ExpertUpdate, actor: Principal,
                 if_match: str | None) -> Expert:
    current = await get(session, expert_id=expert_id)
    check_if_match(current, if_match, label=f"expert {expert_id}", label_zh=f"专家 {expert_id} ")
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k != "title")
    if nulls:
        raise UnprocessableEntity(f"{', '.join(nulls)} cannot be null", detail_zh=f"{'、'.join(nulls)} 不能为空",
                                  code="null_not_allowed",
                                  errors=[{"field": f"body.{k}", "message": "cannot be null"} for k in nulls])
    values: dict[str, Any] = {a: getattr(current, a) for a in ATTRIBUTES} | {"expert_id": expert_id}
    for key, value in changes.items():
        values[key] = value.value if hasattr(value, "value") else value
    changed = sorted(a for a in ATTRIBUTES if values[a] != getattr(current, a))
    if not changed:
        return current  # nothing changed: no new version
    version = await next_version(session, actor=actor, reason="expert.update", details={"expert_id": expert_id})
    expert = await write_version(session, Expert, Expert.expert_id, expert_id, values, version=version,
                                 actor=actor.subject, reason="update")
    await record_audit(session, actor=actor, action="expert.update", object_type="expert", object_id=expert_id,
                       data={"version": version, "changed": changed})
    return expert


async def delete(session: AsyncSession, *, expert_id: str, actor: Principal, if_match: str | None, reason: str) -> int:
    current = await get(session, expert_id=expert_id)
    check_if_match(current, if_match, label=f"expert {expert_id}", label_zh=f"专家 {expert_id} ")
    values = {a: getattr(current, a) for a in ATTRIBUTES} | {"expert_id": expert_id}
    version = await next_version(session, actor=actor, reason="expert.delete", details={"expert_id": expert_id, "reason": reason})
    await write_version(session, Expert, Expert.expert_id, expert_id, values, version=version, actor=actor.subject,
                        reason="delete", deleted=True)
    await record_audit(session, actor=actor, action="expert.delete", object_type="expert", object_id=expert_id,
                       data={"version": version, "reason": reason})
    return version


async def versions(session: AsyncSession, *, expert_id: str) -> list[Expert]:
    rows = await repository.versions_of(session, expert_id)
    if not rows:
        raise NotFound(f"no expert {expert_id}", detail_zh=f"专家 {expert_id} 不存在", code="expert_not_found")
    return rows
