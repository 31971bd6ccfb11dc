"""HTTP routes of publication records: their status for ops and the task's departments, re-queue of a
dead one, and the published results anyone may read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import select

from jointcheck.auth import Admin, Reader, access_rule
from jointcheck.db import Session
from jointcheck.errors import Conflict, NotFound, UnprocessableEntity, problem_responses
from jointcheck.outbox import record_audit
from jointcheck.outbox import repository as outbox
from jointcheck.pagination import Cursor, Limit, Page, cursor_field, page_of
from jointcheck.routing import APIRouter
from results.publications.models import STATUSES, Publication
from results.publications.schemas import PublicationRead, PublicResultRead

router = APIRouter(prefix="/v1/publications", tags=["publications"])
public_router = APIRouter(prefix="/public/results", tags=["public"])

PUBLICATIONS_RULE = access_rule(
    "filtered: officers see the records of their department's inspections",
    "按权限过滤：部门执法人员只看到本部门检查的公示记录",
)

StatusQuery = Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$", description=" / ".join(STATUSES))]


def _keyset(value: object) -> tuple[str, str]:
    created, row_id = value  # type: ignore[misc]
    return str(created), str(uuid.UUID(str(row_id)))


@router.get(
    "",
    openapi_extra=PUBLICATIONS_RULE,
    response_model=Page[PublicationRead],
    summary="公示记录 / Publication records",
    description="Each approved inspection's record and its delivery status (pending / published / rejected with "
    "GSXT's error / dead). Admins, auditors and services see all; officers those of their department's tasks. "
    "联席办、审计、服务可查看全部；执法部门仅本部门参与的任务。",
    responses=problem_responses(400, 401, 422),
)
async def list_publications(
    session: Session,
    user: Reader,
    task_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: StatusQuery = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[PublicationRead]:
    stmt = select(Publication)
    if not user.reads_everything:
        if not user.dept:
            return Page[PublicationRead](items=[], next_cursor=None)
        stmt = stmt.where(Publication.departments.contains([user.dept]))
    if task_id:
        stmt = stmt.where(Publication.task_id == task_id)
    if status:
        stmt = stmt.where(Publication.status == status)
    after = cursor_field(cursor, "after", parse=_keyset)
    if after:
        stmt = stmt.where(Publication.id > uuid.UUID(after[1]))
    rows = list((await session.execute(stmt.order_by(Publication.id).limit(limit + 1))).scalars())
    return page_of(rows, limit, read=PublicationRead.model_validate, cursor_of=lambda p: {"after": ["", str(p.id)]})


@router.post(
    "/{publication_id}/requeue",
    response_model=PublicationRead,
    summary="重新公示 / Re-queue a dead record",
    description="A record whose retries ran out (dead) is tried again at once, with the same idempotency key "
    "(GSXT never receives it twice). A rejected record (GSXT refused its content) cannot be re-sent unchanged. "
    "Admins only. 仅联席办。",
    responses=problem_responses(401, 403, 404, 409),
)
async def requeue_publication(
    publication_id: uuid.UUID, request: Request, session: Session, user: Admin
) -> PublicationRead:
    publication = await session.get(Publication, publication_id, with_for_update=True)
    if publication is None:
        raise NotFound(
            f"no publication record {publication_id}", detail_zh="公示记录不存在", code="publication_not_found"
        )
    if publication.status != "dead" or publication.outbox_event_id is None:
        raise Conflict(
            f"the record is {publication.status}: only a dead record is re-queued",
            detail_zh=f"公示记录当前为 {publication.status}，仅投递失败（死信）的记录可重新公示",
            code="not_dead",
        )
    if await outbox.requeue_dead(session, publication.outbox_event_id) is None:
        raise Conflict(
            "the record's delivery is not dead in the outbox",
            detail_zh="该记录的投递事件不是死信",
            code="not_dead",
        )
    publication.status = "pending"  # tried again at once, same record id (GSXT's idempotency key)
    await session.flush()
    await record_audit(
        session,
        actor=user,
        action="publication.requeue",
        object_type="publication",
        object_id=str(publication_id),
        data={"uscc": publication.uscc, "task_id": publication.task_id},
    )
    dispatcher = getattr(request.app.state, "outbox_dispatcher", None)
    if dispatcher:
        dispatcher.wake()
    return PublicationRead.model_validate(publication)


@public_router.get(
    "",
    response_model=Page[PublicResultRead],
    summary="公开：检查结果 / Public: published results",
    description="No token needed. Published records only, by USCC or by (part of) the entity's name; never "
    "inspector names or evidence. 无需令牌；仅已公示的检查结果，不含检查人员及证据信息。",
    responses=problem_responses(400, 422),
)
async def list_public_results(
    session: Session,
    uscc: Annotated[str | None, Query(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$")] = None,
    name: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PublicResultRead]:
    if not uscc and not name:
        raise UnprocessableEntity(
            "give uscc or name",
            detail_zh="请提供统一社会信用代码或名称",
            code="query_required",
            errors=[{"field": "uscc", "message": "uscc or name is required", "message_zh": "须提供代码或名称"}],
        )
    stmt = select(Publication).where(Publication.status == "published")
    if uscc:
        stmt = stmt.where(Publication.uscc == uscc)
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Publication.entity_name.ilike(f"%{escaped}%", escape="\\"))
    after = cursor_field(cursor, "after", parse=_keyset)
    if after:
        stmt = stmt.where(Publication.id > uuid.UUID(after[1]))
    rows = list((await session.execute(stmt.order_by(Publication.id).limit(limit + 1))).scalars())

    def read(p: Publication) -> PublicResultRead:
        return PublicResultRead.of(p.payload, p.published_at)

    return page_of(rows, limit, read=read, cursor_of=lambda p: {"after": ["", str(p.id)]})
