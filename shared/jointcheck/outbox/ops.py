"""Operator routes: ``/ops/outbox`` — counts, dead letters, held events, re-queue, discard."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, NoReturn

from fastapi import Depends, Query, Request
from pydantic import ConfigDict, Field

from jointcheck.auth import Principal, Role, require_roles
from jointcheck.db import Session
from jointcheck.errors import Conflict, NotFound, problem_responses
from jointcheck.outbox import repository
from jointcheck.outbox.sender import record_audit
from jointcheck.outbox.transport import OutboxRow, Outcome, outcome_hook
from jointcheck.pagination import Cursor, Page, cursor_field, page_of
from jointcheck.routing import APIRouter
from jointcheck.schemas import Schema


class OutboxEventRead(Schema):
    id: uuid.UUID
    seq: int = Field(description="order written / 写入顺序")
    destination: str
    topic: str
    ordering_key: str | None = Field(
        description="events with the same destination and key are delivered in `seq` order "
        "/ 同一目的地、同一顺序键的事件按写入顺序投递"
    )
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    claimed_until: datetime | None = Field(
        None, description="being delivered: a dispatcher holds it until then / 投递中，租约到期时间"
    )
    blocked_by: uuid.UUID | None = Field(
        None, description="a pending event waits for this earlier, undelivered event of its queue / 等待的前序事件"
    )
    holds: int = Field(
        0, description="undelivered later events of the same queue waiting behind this one / 排在其后等待的事件数"
    )


OutboxPage = Page[OutboxEventRead]


class OutboxEventDiscard(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "the destination will never accept it: the task was cancelled"}]}
    )

    reason: str = Field(min_length=2, max_length=500, description="why the event will never be sent / 放弃投递的原因")


class OutboxSummary(Schema):
    pending: int = 0
    delivered: int = 0
    dead: int = 0
    discarded: int = 0
    blocked: int = Field(
        0, description="pending events held behind a dead one (counted in `pending` too) / 被死信阻塞的待投递事件"
    )


ops_router = APIRouter(prefix="/ops", tags=["ops"])
_ops_reader = Depends(require_roles(Role.admin, Role.auditor))


@ops_router.get(
    "/outbox/summary",
    response_model=OutboxSummary,
    summary="发件箱概况 / Outbox counts by state",
    responses=problem_responses(401, 403),
    dependencies=[_ops_reader],
)
async def outbox_summary(session: Session) -> OutboxSummary:
    return OutboxSummary(**await repository.count_by_status(session))


@ops_router.get(
    "/outbox",
    response_model=OutboxPage,
    summary="发件箱事件列表 / List outbox events",
    description="Dead-lettered events (`status=dead`) need an operator: fix the cause, then re-queue. "
    "A dead event holds the later events of its queue (same destination and ordering key; `holds` "
    "counts them); `status=blocked` lists those held events, each naming the event it waits for in "
    "`blocked_by`. Re-queueing the dead event releases them in order (or, as a last resort, discarding it). "
    "死信事件需运维处理后重新入队；其后同一队列的事件被阻塞（`status=blocked`），重新入队后按序投递。"
    "Cursor pagination, newest first.",
    responses=problem_responses(400, 401, 403, 422),
    dependencies=[_ops_reader],
)
async def list_outbox(
    session: Session,
    status: Annotated[Literal["pending", "delivered", "dead", "blocked", "discarded"], Query()] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Cursor = None,
) -> OutboxPage:
    rows = await repository.list_events(
        session, status=status, before_seq=cursor_field(cursor, "seq", parse=int), limit=limit + 1
    )
    return page_of(rows, limit, read=lambda r: OutboxEventRead(**r), cursor_of=lambda e: {"seq": e.seq})


@ops_router.post(
    "/outbox/{event_id}/requeue",
    response_model=OutboxEventRead,
    summary="重新投递死信事件 / Re-queue a dead event",
    description="The event is tried again at once; the events it held follow it in order once it is delivered.",
    responses=problem_responses(401, 403, 404, 409),
)
async def requeue_outbox_event(
    event_id: uuid.UUID,
    request: Request,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin))],
) -> OutboxEventRead:
    requeued = await repository.requeue_dead(session, event_id)
    if requeued is None:
        _raise_not_dead(await repository.status_of(session, event_id), event_id, "re-queued")
    destination, topic = requeued
    await record_audit(
        session,
        actor=user,
        action="outbox.requeue",
        object_type="outbox_event",
        object_id=str(event_id),
        data={"destination": destination, "topic": topic},
    )
    row = await repository.get_read(session, event_id)
    assert row is not None  # updated in this very transaction
    await _tell_owner(request, session, row, "requeued", None)
    _wake(request)
    return OutboxEventRead(**row)


@ops_router.post(
    "/outbox/{event_id}/discard",
    response_model=OutboxEventRead,
    summary="放弃死信事件 / Discard a dead event",
    description="Last resort for a dead event the destination will never accept: it is never sent, and the "
    "events it held go on without it. Audited with the reason. 目的服务永远不会接受的死信事件："
    "放弃投递，其后事件继续按序投递。",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def discard_outbox_event(
    event_id: uuid.UUID,
    body: OutboxEventDiscard,
    request: Request,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin))],
) -> OutboxEventRead:
    discarded = await repository.discard_dead(session, event_id, reason=body.reason)
    if discarded is None:
        _raise_not_dead(await repository.status_of(session, event_id), event_id, "discarded")
    destination, topic = discarded
    await record_audit(
        session,
        actor=user,
        action="outbox.discard",
        object_type="outbox_event",
        object_id=str(event_id),
        data={"destination": destination, "topic": topic, "reason": body.reason},
    )
    row = await repository.get_read(session, event_id)
    assert row is not None  # updated in this very transaction
    await _tell_owner(request, session, row, "discarded", body.reason)
    _wake(request)
    return OutboxEventRead(**row)


def _raise_not_dead(status: str | None, event_id: uuid.UUID, verb: str) -> NoReturn:
    if status is None:
        raise NotFound(f"no outbox event {event_id}", detail_zh=f"发件箱事件 {event_id} 不存在")
    raise Conflict(
        f"event {event_id} is {status}, only dead events can be {verb}",
        detail_zh="只有死信事件可以" + ("重新入队" if verb == "re-queued" else "放弃"),
        code="not_dead",
    )


async def _tell_owner(request: Request, session: Any, row: Any, outcome: Outcome, error: str | None) -> None:
    """The destination's transport hook, in this request's transaction (a publication becomes
    pending again when re-queued, stays failed for good when discarded)."""
    transports = getattr(request.app.state, "outbox_transports", {}) or {}
    hook = outcome_hook(transports.get(row["destination"]))
    if hook is not None:
        await hook(session, OutboxRow.of(row), outcome, error)


def _wake(request: Request) -> None:
    dispatcher = getattr(request.app.state, "outbox_dispatcher", None)
    if dispatcher:
        dispatcher.wake()
