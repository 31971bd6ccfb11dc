"""Rules for recusals: the inspector and a current entity must exist, department scope,
declared by the caller, withdrawn (never erased) with a reason. The versioned lifecycle is
:data:`registry.recusals.repository.records`."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, ensure_department
from jointcheck.errors import UnprocessableEntity
from registry.entities.repository import records as entities
from registry.inspectors.repository import records as inspectors
from registry.recusals.models import Recusal
from registry.recusals.repository import records
from registry.recusals.schemas import RecusalCreate


async def _inspector_department(session: AsyncSession, inspector_id: str) -> str:
    inspector = await inspectors.find(session, inspector_id)
    if inspector is None:
        raise UnprocessableEntity(
            f"no inspector {inspector_id}",
            detail_zh=f"执法人员 {inspector_id} 不存在",
            code="unknown_inspector",
            errors=[{"field": "body.inspector_id", "message": "unknown"}],
        )
    return inspector.department


async def create(session: AsyncSession, *, data: RecusalCreate, actor: Principal) -> Recusal:
    department = await _inspector_department(session, data.inspector_id)
    ensure_department(actor, department, action="declare recusals for")
    if await entities.find(session, data.uscc) is None:
        raise UnprocessableEntity(
            f"no current entity {data.uscc}",
            detail_zh=f"市场主体 {data.uscc} 不存在",
            code="unknown_entity",
            errors=[{"field": "body.uscc", "message": "not a current entity"}],
        )
    recusal_id = str(uuid.uuid4())
    values = {
        "recusal_id": recusal_id,
        "inspector_id": data.inspector_id,
        "uscc": data.uscc,
        "reason": data.reason,
        "declared_by": actor.subject,
        "effective_from": data.valid_from,
        "effective_until": data.valid_until,
        "withdrawal_reason": None,
    }
    return await records.create(
        session,
        values,
        actor=actor,
        details={"inspector_id": data.inspector_id, "uscc": data.uscc},
        audit={
            "inspector_id": data.inspector_id,
            "uscc": data.uscc,
            "valid_from": data.valid_from.isoformat(),
            "valid_until": data.valid_until.isoformat() if data.valid_until else None,
        },
    )


async def get(session: AsyncSession, *, recusal_id: str, version: int | None = None) -> Recusal:
    return await records.get(session, recusal_id, version=version)


async def withdraw(session: AsyncSession, *, recusal_id: str, actor: Principal, reason: str) -> int:
    current = await records.get(session, recusal_id)
    inspector = await inspectors.find_current(session, current.inspector_id)  # may have left since
    ensure_department(actor, inspector.department if inspector else None, action="withdraw recusals of")
    return await records.delete(
        session, current, actor=actor, reason=reason, verb="withdraw", changes={"withdrawal_reason": reason}
    )


async def versions(session: AsyncSession, *, recusal_id: str) -> list[Recusal]:
    return await records.versions(session, recusal_id)
