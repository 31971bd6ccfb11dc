"""Rules for the expert pool: admin-managed, unique ids; the versioned lifecycle is
:data:`registry.experts.repository.records`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import Conflict, UnprocessableEntity
from registry.experts.models import Expert
from registry.experts.repository import records
from registry.experts.schemas import ExpertCreate, ExpertUpdate


async def create(session: AsyncSession, *, data: ExpertCreate, actor: Principal) -> Expert:
    existing = await records.find_current(session, data.expert_id)
    if existing is not None and not existing.deleted:
        raise Conflict(
            f"expert {data.expert_id} already exists", detail_zh=f"专家 {data.expert_id} 已存在", code="expert_exists"
        )
    values = data.model_dump(include=set(records.attributes) | {"expert_id"})
    values["status"] = data.status.value
    return await records.create(session, values, actor=actor, audit={"field": data.field})


async def get(session: AsyncSession, *, expert_id: str, version: int | None = None) -> Expert:
    return await records.get(session, expert_id, version=version)


async def update(
    session: AsyncSession, *, expert_id: str, data: ExpertUpdate, actor: Principal, if_match: str | None
) -> Expert:
    current = await records.get(session, expert_id)
    records.check_if_match(current, if_match)
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k != "title")
    if nulls:
        raise UnprocessableEntity(
            f"{', '.join(nulls)} cannot be null",
            detail_zh=f"{'、'.join(nulls)} 不能为空",
            code="null_not_allowed",
            errors=[{"field": f"body.{k}", "message": "cannot be null"} for k in nulls],
        )
    return await records.update(session, current, records.merge(current, changes), actor=actor)


async def delete(session: AsyncSession, *, expert_id: str, actor: Principal, if_match: str | None, reason: str) -> int:
    current = await records.get(session, expert_id)
    records.check_if_match(current, if_match)
    return await records.delete(session, current, actor=actor, reason=reason)


async def versions(session: AsyncSession, *, expert_id: str) -> list[Expert]:
    return await records.versions(session, expert_id)
