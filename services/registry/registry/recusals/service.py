"""Rules for recusals: the inspector and a current entity must exist, department scope,
declared by the caller, withdrawn (never erased) with a reason."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, ensure_department
from jointcheck.errors import NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from registry.entities import repository as entities
from registry.inspectors import repository as inspectors
from registry.recusals import repository
from registry.recusals.models import Recusal
from registry.recusals.schemas import RecusalCreate
from registry.versioning.service import next_version
from registry.versioning.store import write_version

ATTRIBUTES = ("inspector_id", "uscc", "reason", "declared_by", "effective_from", "effective_until", "withdrawal_reason")


async def _inspector_department(session: AsyncSession, inspector_id: str) -> str:
    inspector = await inspectors.get(session, inspector_id)
    if inspector is None:
        raise UnprocessableEntity(f"no inspector {inspector_id}", detail_zh=f"执法人员 {inspector_id} 不存在",
                                  code="unknown_inspector", errors=[{"field": "body.inspector_id", "message": "unknown"}])
    return inspector.department


async def create(session: AsyncSession, *, data: RecusalCreate, actor: Principal) -> Recusal:
    department = await _inspector_department(session, data.inspector_id)
    ensure_department(actor, department, action="declare recusals for")
    if await entities.get(session, data.uscc) is None:
        raise UnprocessableEntity(f"no current entity {data.uscc}", detail_zh=f"市场主体 {data.uscc} 不存在",
                                  code="unknown_entity", errors=[{"field": "body.uscc", "message": "not a current entity"}])
    recusal_id = str(uuid.uuid4())
    values = {
        "recusal_id": recusal_id, "inspector_id": data.inspector_id, "uscc": data.uscc, "reason": data.reason,
        "declared_by": actor.subject, "effective_from": data.valid_from, "effective_until": data.valid_until,
        "withdrawal_reason": None,
    }
    version = await next_version(session, actor=actor, reason="recusal.create",
                                 details={"recusal_id": recusal_id, "inspector_id": data.inspector_id, "uscc": data.uscc})
    recusal = await write_version(session, Recusal, Recusal.recusal_id, recusal_id, values, version=version,
                                  actor=actor.subject, reason="create")
    await record_audit(session, actor=actor, action="recusal.create", object_type="recusal", object_id=recusal_id,
                       data={"version": version, "inspector_id": data.inspector_id, "uscc": data.uscc,
                             "valid_from": data.valid_from.isoformat(),
                             "valid_until": data.valid_until.isoformat() if data.valid_until else None})
    return recusal


async def get(session: AsyncSession, *, recusal_id: str, version: int | None = None) -> Recusal:
    recusal = await repository.get(session, recusal_id, version=version)
    if recusal is None:
        suffix = f" as of registry version {version}" if version is not None else ""
        raise NotFound(f"no recusal {recusal_id}{suffix}", detail_zh=f"回避声明 {recusal_id} 不存在", code="recusal_not_found")
    return recusal


async def withdraw(session: AsyncSession, *, recusal_id: str, actor: Principal, reason: str) -> int:
    current = await get(session, recusal_id=recusal_id)
    inspector = await inspectors.get_any_current(session, current.inspector_id)  # may have left since
    ensure_department(actor, inspector.department if inspector else None, action="withdraw recusals of")
    values = {a: getattr(current, a) for a in ATTRIBUTES} | {"recusal_id": recusal_id, "withdrawal_reason": reason}
    version = await next_version(session, actor=actor, reason="recusal.withdraw",
                                 details={"recusal_id": recusal_id, "reason": reason})
    await write_version(session, Recusal, Recusal.recusal_id, recusal_id, values, version=version, actor=actor.subject,
                        reason="withdraw", deleted=True)
    await record_audit(session, actor=actor, action="recusal.withdraw", object_type="recusal", object_id=recusal_id,
                       data={"version": version, "reason": reason})
    return version


async def versions(session: AsyncSession, *, recusal_id: str) -> list[Recusal]:
    rows = await repository.versions_of(session, recusal_id)
    if not rows:
        raise NotFound(f"no recusal {recusal_id}", detail_zh=f"回避声明 {recusal_id} 不存在", code="recusal_not_found")
    return rows
