"""Transactional outbox (sender side) and idempotent inbox (receiver side).

A service that wants another to learn of something writes an event row into its own
``outbox_events`` table **in the same transaction** as the change itself
(:func:`enqueue_event`). A background :class:`OutboxDispatcher`, started in the app
lifespan, delivers pending events over HTTP to the destination's ``POST
/internal/events`` with exponential backoff; after ``outbox_max_attempts`` failures,
or at once on a permanent rejection (400/409/422), an event goes to the ``dead``
state, listed at ``GET /ops/outbox`` and re-queueable by an admin. Receivers record
every event id in ``inbox_events`` in the same transaction as applying it, so a
redelivered event is acknowledged and not applied twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column, DateTime, Index, Integer, MetaData, String, Table, Text, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, Role, require_roles
from jointcheck.db import Database, Session
from jointcheck.errors import Conflict, NotFound, UnprocessableEntity, problem_responses
from jointcheck.http import ServiceTokenSource, shared_http_client
from jointcheck.pagination import decode_cursor, encode_cursor
from jointcheck.observability import REQUEST_ID_HEADER, Metrics, get_request_id, reset_request_id, set_request_id
from jointcheck.settings import ServiceSettings

log = logging.getLogger("jointcheck.outbox")

PERMANENT_REJECTIONS = frozenset({400, 409, 422})


def add_outbox_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Define ``outbox_events`` and ``inbox_events`` on a service's metadata."""
    outbox = Table(
        "outbox_events",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("destination", String(32), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("request_id", String(128)),
        Column("status", String(16), nullable=False, server_default="pending"),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("last_error", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("delivered_at", DateTime(timezone=True)),
        Index("ix_outbox_events_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_outbox_events_status_created", "status", "created_at"),
    )
    inbox = Table(
        "inbox_events",
        metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("source", String(32), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return outbox, inbox


async def enqueue_event(
    session: AsyncSession,
    *,
    destination: str,
    topic: str,
    payload: dict[str, Any],
    event_id: uuid.UUID | None = None,
    ordering_key: str | None = None,  # accepted; per-key ordering comes with the outbox package
) -> uuid.UUID:
    """Write an event into this service's outbox, inside the caller's transaction."""
    eid = event_id or uuid.uuid4()
    await session.execute(
        text(
            "INSERT INTO outbox_events (id, destination, topic, payload, request_id) "
            "VALUES (:id, :destination, :topic, CAST(:payload AS jsonb), :request_id)"
        ),
        {
            "id": eid,
            "destination": destination,
            "topic": topic,
            "payload": json.dumps(payload, ensure_ascii=False, default=str),
            "request_id": get_request_id(),
        },
    )
    return eid


async def record_audit(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Send an entry to the audit service's hash-chained log, through the outbox."""
    return await enqueue_event(
        session,
        destination="audit",
        topic="audit.record",
        payload={
            "actor": actor.audit_actor() if actor else None,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data or {},
            "occurred_at": datetime.now(timezone.utc).isoformat(),
        },
    )


# ----------------------------------------------------------------- dispatcher


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter, never below half the nominal delay."""
    nominal = min(cap, base * (2 ** max(0, attempts - 1)))
    return nominal * (0.5 + random.random() / 2)


class OutboxDispatcher:
    """Delivers pending outbox events; several replicas may run (SKIP LOCKED)."""

    def __init__(self, *, settings: ServiceSettings, db: Database, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.db = db
        self.metrics = metrics
        self.tokens = ServiceTokenSource(settings)
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name=f"outbox-{self.settings.service_name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            self._wake.set()
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stop.is_set():
            delivered = 0
            try:
                delivered = await self.dispatch_once()
            except Exception:  # keep the loop alive whatever happens (db restart…)
                log.exception("outbox dispatch round failed")
            if delivered == 0 and not self._stop.is_set():
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.outbox_poll_interval)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()

    async def dispatch_once(self) -> int:
        """Deliver one batch of due events; returns how many were delivered."""
        s = self.settings
        delivered = 0
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT id, destination, topic, payload, request_id, attempts, created_at "
                        "FROM outbox_events WHERE status = 'pending' AND next_attempt_at <= now() "
                        "ORDER BY created_at, id LIMIT :n FOR UPDATE SKIP LOCKED"
                    ),
                    {"n": s.outbox_batch_size},
                )
            ).all()
            failed_destinations: set[str] = set()
            for row in rows:
                if row.destination in failed_destinations:
                    continue  # keep per-destination order: don't overtake a failed event
                outcome, error = await self._deliver(row)
                if outcome == "delivered":
                    delivered += 1
                    await session.execute(
                        text("UPDATE outbox_events SET status='delivered', delivered_at=now(), "
                             "attempts=attempts+1, last_error=NULL WHERE id=:id"),
                        {"id": row.id},
                    )
                    if self.metrics:
                        self.metrics.outbox_delivered.labels(s.service_name, row.destination).inc()
                    continue
                failed_destinations.add(row.destination)
                attempts = row.attempts + 1
                if self.metrics:
                    self.metrics.outbox_failures.labels(s.service_name, row.destination).inc()
                if outcome == "rejected" or attempts >= s.outbox_max_attempts:
                    await session.execute(
                        text("UPDATE outbox_events SET status='dead', attempts=:a, last_error=:e WHERE id=:id"),
                        {"id": row.id, "a": attempts, "e": error},
                    )
                    if self.metrics:
                        self.metrics.outbox_dead.labels(s.service_name, row.destination).inc()
                    log.error("outbox event %s to %s is dead: %s", row.id, row.destination, error,
                              extra={"event_id": str(row.id), "topic": row.topic})
                else:
                    delay = backoff_delay(attempts, s.outbox_backoff_base, s.outbox_backoff_max)
                    await session.execute(
                        text("UPDATE outbox_events SET attempts=:a, last_error=:e, "
                             "next_attempt_at = now() + make_interval(secs => :d) WHERE id=:id"),
                        {"id": row.id, "a": attempts, "e": error, "d": delay},
                    )
                    log.warning("outbox event %s to %s failed (attempt %d), retry in %.1fs: %s",
                                row.id, row.destination, attempts, delay, error)
        return delivered

    async def _deliver(self, row: Any) -> tuple[Literal["delivered", "failed", "rejected"], str | None]:
        s = self.settings
        url = s.service_url(row.destination) + "/internal/events"
        body = {
            "id": str(row.id),
            "source": s.service_name,
            "topic": row.topic,
            "payload": row.payload,
            "created_at": row.created_at.isoformat(),
        }
        headers = {
            "Authorization": f"Bearer {self.tokens.token()}",
            "Idempotency-Key": str(row.id),
            REQUEST_ID_HEADER: row.request_id or str(row.id),
        }
        token = set_request_id(row.request_id or str(row.id))
        try:
            for attempt in (1, 2):
                try:
                    resp = await shared_http_client(s).post(url, json=body, headers=headers, timeout=10.0)
                    break
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                    # A pooled keep-alive connection the peer has closed (it restarted): the
                    # receiver is idempotent on the event id, so sending again at once is safe.
                    if attempt == 2:
                        return "failed", f"{type(exc).__name__}: {exc}"[:1000]
                except httpx.HTTPError as exc:
                    return "failed", f"{type(exc).__name__}: {exc}"[:1000]
        finally:
            reset_request_id(token)
        if 200 <= resp.status_code < 300:
            return "delivered", None
        error = f"HTTP {resp.status_code}: {resp.text[:800]}"
        return ("rejected" if resp.status_code in PERMANENT_REJECTIONS else "failed"), error


# ----------------------------------------------------------------- receiver

EventHandler = Callable[[AsyncSession, "IncomingEvent"], Awaitable[None]]


class IncomingEvent(BaseModel):
    """An event delivered by a sibling service's outbox."""

    id: uuid.UUID
    source: str = Field(max_length=32)
    topic: str = Field(max_length=128)
    payload: dict[str, Any]
    created_at: datetime | None = None


class EventAck(BaseModel):
    id: uuid.UUID
    status: Literal["applied", "duplicate"]


@dataclass
class EventHandlers:
    """Topic → handler map of a receiving service."""

    handlers: dict[str, EventHandler]

    def get(self, topic: str) -> EventHandler | None:
        return self.handlers.get(topic)


internal_router = APIRouter(tags=["internal / 内部接口"])


@internal_router.post(
    "/internal/events",
    response_model=EventAck,
    summary="接收事件 / Receive an outbox event",
    description="Called by sibling services' outbox dispatchers. Idempotent on the event id: "
    "a redelivered event is acknowledged as `duplicate` and not applied again. "
    "由其他服务的发件箱调用；按事件编号幂等。",
    responses=problem_responses(401, 403, 422),
)
async def receive_event(
    event: IncomingEvent,
    request: Request,
    session: Session,
    _caller: Annotated[Principal, Depends(require_roles(Role.service))],
) -> EventAck:
    handlers: EventHandlers = request.app.state.event_handlers
    handler = handlers.get(event.topic)
    if handler is None:
        raise UnprocessableEntity(
            f"this service does not handle topic {event.topic!r}",
            detail_zh=f"本服务不处理主题 {event.topic!r}",
            code="unknown_topic",
        )
    inserted = (
        await session.execute(
            text("INSERT INTO inbox_events (event_id, source, topic) VALUES (:id, :source, :topic) "
                 "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"),
            {"id": event.id, "source": event.source, "topic": event.topic},
        )
    ).first()
    if inserted is None:
        return EventAck(id=event.id, status="duplicate")
    await handler(session, event)
    return EventAck(id=event.id, status="applied")


# ----------------------------------------------------------------- ops routes


class OutboxEventRead(BaseModel):
    id: uuid.UUID
    destination: str
    topic: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class OutboxPage(BaseModel):
    items: list[OutboxEventRead]
    next_cursor: str | None = None


class OutboxSummary(BaseModel):
    pending: int = 0
    delivered: int = 0
    dead: int = 0


ops_router = APIRouter(prefix="/ops", tags=["ops / 运维"])
_ops_reader = Depends(require_roles(Role.admin, Role.auditor))


@ops_router.get("/outbox/summary", response_model=OutboxSummary, summary="发件箱概况 / Outbox counts by state",
                responses=problem_responses(401, 403), dependencies=[_ops_reader])
async def outbox_summary(session: Session) -> OutboxSummary:
    rows = (await session.execute(text("SELECT status, count(*) AS n FROM outbox_events GROUP BY status"))).all()
    return OutboxSummary(**{r.status: r.n for r in rows})


@ops_router.get(
    "/outbox",
    response_model=OutboxPage,
    summary="发件箱事件列表 / List outbox events",
    description="Dead-lettered events (`status=dead`) need an operator: fix the cause, then re-queue. "
    "死信事件需运维处理后重新入队。Cursor pagination, newest first.",
    responses=problem_responses(401, 403, 422),
    dependencies=[_ops_reader],
)
async def list_outbox(
    session: Session,
    status: Annotated[Literal["pending", "delivered", "dead"], Query()] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(description="opaque cursor from next_cursor")] = None,
) -> OutboxPage:
    params: dict[str, Any] = {"status": status, "n": limit + 1}
    where = "status = :status"
    if cursor:
        c = decode_cursor(cursor)
        where += " AND (created_at, id) < (:c_at, :c_id)"
        params |= {"c_at": datetime.fromisoformat(c["t"]), "c_id": uuid.UUID(c["id"])}
    rows = (
        await session.execute(
            text(f"SELECT * FROM outbox_events WHERE {where} ORDER BY created_at DESC, id DESC LIMIT :n"), params
        )
    ).mappings().all()
    items = [OutboxEventRead(**r) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = items[-1]
        nxt = encode_cursor({"t": last.created_at.isoformat(), "id": str(last.id)})
    return OutboxPage(items=items, next_cursor=nxt)


@ops_router.post(
    "/outbox/{event_id}/requeue",
    response_model=OutboxEventRead,
    summary="重新投递死信事件 / Re-queue a dead event",
    responses=problem_responses(401, 403, 404, 409),
)
async def requeue_outbox_event(
    event_id: uuid.UUID,
    request: Request,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin))],
) -> OutboxEventRead:
    row = (
        await session.execute(
            text("UPDATE outbox_events SET status='pending', attempts=0, next_attempt_at=now() "
                 "WHERE id=:id AND status='dead' RETURNING *"),
            {"id": event_id},
        )
    ).mappings().first()
    if row is None:
        exists = (await session.execute(text("SELECT status FROM outbox_events WHERE id=:id"), {"id": event_id})).first()
        if exists is None:
            raise NotFound(f"no outbox event {event_id}", detail_zh=f"发件箱事件 {event_id} 不存在")
        raise Conflict(f"event {event_id} is {exists.status}, only dead events can be re-queued",
                       detail_zh="只有死信事件可以重新入队", code="not_dead")
    await record_audit(session, actor=user, action="outbox.requeue", object_type="outbox_event",
                       object_id=str(event_id), data={"destination": row["destination"], "topic": row["topic"]})
    dispatcher: OutboxDispatcher | None = getattr(request.app.state, "outbox_dispatcher", None)
    if dispatcher:
        dispatcher.wake()
    return OutboxEventRead(**row)


