"""Event handlers: the sampling and results services drive their transitions through events.

The platform inbox applies each event id once; these handlers are also tolerant: an
event whose target state the task is already in changes nothing, and one that does not
fit the task's state raises a conflict (the sender dead-letters it, visible to ops).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.errors import UnprocessableEntity
from jointcheck.outbox import IncomingEvent
from planning.tasks import service


def _task_id(event: IncomingEvent) -> uuid.UUID:
    try:
        return uuid.UUID(str(event.payload["task_id"]))
    except (KeyError, ValueError):
        raise UnprocessableEntity(f"{event.topic}: payload needs a task_id (UUID)", code="invalid_event",
                                  errors=[{"field": "payload.task_id", "message": "a task id (UUID) is required"}]) from None


def _draw_id(event: IncomingEvent) -> str | None:
    value: Any = event.payload.get("draw_id")
    return None if value is None else str(value)


async def on_objects_drawn(session: AsyncSession, event: IncomingEvent) -> None:
    """``task.objects_drawn`` {task_id, draw_id}: approved → objects_drawn."""
    await service.apply_event(session, task_id=_task_id(event), frm="approved", to="objects_drawn", source=event.source,
                              topic=event.topic, draw_kind="objects", draw_id=_draw_id(event))


async def on_teams_assigned(session: AsyncSession, event: IncomingEvent) -> None:
    """``task.teams_assigned`` {task_id, draw_id}: objects_drawn → teams_assigned."""
    await service.apply_event(session, task_id=_task_id(event), frm="objects_drawn", to="teams_assigned",
                              source=event.source, topic=event.topic, draw_kind="teams", draw_id=_draw_id(event))


async def on_draw_voided(session: AsyncSession, event: IncomingEvent) -> None:
    """``task.draw_voided`` {task_id, kind, draw_id}: back one step (objects → approved, teams → objects_drawn)."""
    kind = event.payload.get("kind")
    steps = {"objects": ("objects_drawn", "approved"), "teams": ("teams_assigned", "objects_drawn")}
    if kind not in steps:
        raise UnprocessableEntity(f"{event.topic}: kind must be objects or teams, got {kind!r}", code="invalid_event",
                                  errors=[{"field": "payload.kind", "message": "objects or teams"}])
    frm, to = steps[kind]
    await service.apply_event(session, task_id=_task_id(event), frm=frm, to=to, source=event.source, topic=event.topic,
                              draw_kind=kind, draw_id=_draw_id(event), voided=True)


async def on_results_published(session: AsyncSession, event: IncomingEvent) -> None:
    """``task.results_published`` {task_id}: completed → results_published."""
    await service.apply_event(session, task_id=_task_id(event), frm="completed", to="results_published",
                              source=event.source, topic=event.topic)


EVENT_HANDLERS = {
    "task.objects_drawn": on_objects_drawn,
    "task.teams_assigned": on_teams_assigned,
    "task.draw_voided": on_draw_voided,
    "task.results_published": on_results_published,
}
