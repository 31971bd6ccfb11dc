"""Receiving events: ``POST /internal/events``, applied once per event id (the inbox)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, Role, require_roles
from jointcheck.db import Session
from jointcheck.errors import UnprocessableEntity, problem_responses
from jointcheck.outbox import repository
from jointcheck.routing import APIRouter
from jointcheck.schemas import Schema

EventHandler = Callable[[AsyncSession, "IncomingEvent"], Awaitable[None]]


class IncomingEvent(Schema):
    """An event delivered by a sibling service's outbox."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5b8f0c2e-9d4a-4e61-a3b7-2c1d0e9f8a76",
                    "source": "sampling",
                    "topic": "task.objects_drawn",
                    "payload": {
                        "task_id": "6a1f7c1e-52f4-4e0e-8a4f-0d1b7e2c9a33",
                        "draw_id": "1c0e7a52-7f3b-4d8e-9b61-2a4c5d6e7f80",
                        "entities": 12,
                    },
                    "created_at": "2027-04-01T09:30:00+08:00",
                }
            ]
        }
    )

    id: uuid.UUID
    source: str = Field(max_length=32)
    topic: str = Field(max_length=128)
    payload: dict[str, Any]
    created_at: datetime | None = None


class EventAck(Schema):
    id: uuid.UUID
    status: Literal["applied", "duplicate"]


@dataclass
class EventHandlers:
    """Topic → handler map of a receiving service."""

    handlers: dict[str, EventHandler]

    def get(self, topic: str) -> EventHandler | None:
        return self.handlers.get(topic)


internal_router = APIRouter(tags=["internal"])


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
    metrics = request.app.state.metrics
    if not await repository.record_inbox(session, event_id=event.id, source=event.source, topic=event.topic):
        metrics.inbox_events.labels(metrics.service, event.source, "duplicate").inc()
        return EventAck(id=event.id, status="duplicate")
    await handler(session, event)
    metrics.inbox_events.labels(metrics.service, event.source, "applied").inc()
    return EventAck(id=event.id, status="applied")
