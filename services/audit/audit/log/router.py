"""HTTP routes of the audit log (read-only; entries arrive as outbox events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from audit.log import repository, service
from audit.log.schemas import AuditEventRead, ChainVerdict
from jointcheck.auth import Role, require_roles
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.pagination import Cursor, Limit, Page, cursor_field, page_of
from jointcheck.routing import APIRouter

router = APIRouter(prefix="/v1/audit-events", tags=["audit-log"])
_readers = [Depends(require_roles(Role.admin, Role.auditor))]


@router.get(
    "",
    response_model=Page[AuditEventRead],
    summary="审计日志 / List audit log entries",
    description="Every audited action of every service, oldest first, each chained to the previous by SHA-256. "
    "With `object`, the history of one entity, task or draw across services. "
    "各服务所有被审计操作，按顺序排列并以哈希链相连；指定 object 可查看某一对象的全部记录。",
    dependencies=_readers,
    responses=problem_responses(400, 401, 403, 422),
)
async def list_audit_events(
    session: Session,
    limit: Limit = 100,
    cursor: Cursor = None,
    source: Annotated[str | None, Query(description="service name / 来源服务")] = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: Annotated[str | None, Query(description="actor subject / 操作人")] = None,
    object: Annotated[
        str | None,
        Query(
            max_length=256,
            description="the history of one record across services: events whose object is this id, or "
            "whose data names it as `task_id` or `draw_id` (an entity's USCC, a task id, a draw id …) / 某一对象的全部记录",
        ),
    ] = None,
) -> Page[AuditEventRead]:
    after = cursor_field(cursor, "seq", parse=int)
    rows = await repository.list_entries(
        session,
        after_seq=after,
        limit=limit + 1,
        source=source,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_subject=actor,
        related_to=object,
    )
    return page_of(rows, limit, read=AuditEventRead.model_validate, cursor_of=lambda e: {"seq": e.seq})


@router.get(
    "/verify",
    response_model=ChainVerdict,
    summary="校验审计哈希链 / Verify the hash chain",
    dependencies=_readers,
    responses=problem_responses(401, 403),
)
async def verify_audit_chain(session: Session) -> ChainVerdict:
    return await service.verify_chain(session)
