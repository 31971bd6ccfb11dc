"""Event handlers: the sampling and results services drive their transitions through events.

The platform inbox applies each event id once and :func:`jointcheck.contracts.typed_handler`
validates each payload into its contract class; these handlers are also tolerant: an event
whose target state the task is already in changes nothing, and one that does not fit the
task's state raises a conflict (the sender dead-letters it, visible to ops).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import (
    TaskDrawVoided,
    TaskInspectionsCompleted,
    TaskInspectionStarted,
    TaskObjectsDrawn,
    TaskResultsPublished,
    TaskTeamsAssigned,
    event_handlers,
)
from jointcheck.outbox import IncomingEvent
from planning.tasks import service

#: A voided objects draw moves the task back one step (a voided teams round: :func:`service.void_teams_round`).
VOID_STEPS = {"objects": ("objects_drawn", "approved")}


async def on_objects_drawn(session: AsyncSession, event: TaskObjectsDrawn, incoming: IncomingEvent) -> None:
    """approved → objects_drawn."""
    await service.apply_event(
        session,
        task_id=event.task_id,
        frm="approved",
        to="objects_drawn",
        source=incoming.source,
        topic=event.topic,
        draw_kind="objects",
        draw_id=event.draw_id,
    )


async def on_teams_assigned(session: AsyncSession, event: TaskTeamsAssigned, incoming: IncomingEvent) -> None:
    """A teams round: objects_drawn → teams_assigned once no drawn entity is left without a team."""
    await service.apply_teams_round(session, event=event, source=incoming.source)


async def on_draw_voided(session: AsyncSession, event: TaskDrawVoided, incoming: IncomingEvent) -> None:
    """Back one step (objects → approved; a teams round is forgotten, teams_assigned → objects_drawn)."""
    if event.kind == "teams":
        await service.void_teams_round(session, event=event, source=incoming.source)
        return
    frm, to = VOID_STEPS[event.kind]
    await service.apply_event(
        session,
        task_id=event.task_id,
        frm=frm,
        to=to,
        source=incoming.source,
        topic=event.topic,
        draw_kind=event.kind,
        draw_id=event.draw_id,
        voided=True,
    )


async def on_results_published(session: AsyncSession, event: TaskResultsPublished, incoming: IncomingEvent) -> None:
    """completed → results_published."""
    await service.apply_event(
        session,
        task_id=event.task_id,
        frm="completed",
        to="results_published",
        source=incoming.source,
        topic=event.topic,
    )


async def on_inspection_started(session: AsyncSession, event: TaskInspectionStarted, incoming: IncomingEvent) -> None:
    """teams_assigned → in_progress (the first on-site visit)."""
    await service.apply_progress(
        session, task_id=event.task_id, to="in_progress", source=incoming.source, topic=event.topic
    )


async def on_inspections_completed(
    session: AsyncSession, event: TaskInspectionsCompleted, incoming: IncomingEvent
) -> None:
    """in_progress → completed (every inspection approved)."""
    await service.apply_progress(
        session, task_id=event.task_id, to="completed", source=incoming.source, topic=event.topic
    )


EVENT_HANDLERS = event_handlers(
    (TaskInspectionStarted, on_inspection_started, True),
    (TaskInspectionsCompleted, on_inspections_completed, True),
    (TaskObjectsDrawn, on_objects_drawn, True),
    (TaskTeamsAssigned, on_teams_assigned, True),
    (TaskDrawVoided, on_draw_voided, True),
    (TaskResultsPublished, on_results_published, True),
)
