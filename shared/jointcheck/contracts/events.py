"""The events services send each other: one class per topic, validated once by the receiver.

A sender publishes an event with :func:`publish` (into its outbox, in its own transaction);
a receiver registers :func:`typed_handler` s keyed by ``EventCls.topic``: the payload is
validated into the class once (a 422 ``invalid_event_payload`` otherwise, which dead-letters
it at the sender) and the handler gets the model, never a dict.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.errors import UnprocessableEntity
from jointcheck.schemas import Schema

if TYPE_CHECKING:  # the outbox may build on these contracts: import it only where it is used
    from jointcheck.outbox import EventHandler, IncomingEvent


class Event(Schema):
    """Base of every event: its ``topic`` and the key events are ordered by."""

    model_config = ConfigDict(extra="ignore")

    topic: ClassVar[str]

    def ordering_key(self) -> str:
        raise NotImplementedError


class _TaskEvent(Event):
    task_id: uuid.UUID

    def ordering_key(self) -> str:
        return f"task:{self.task_id}"


class TaskObjectsDrawn(_TaskEvent):
    """sampling → planning: the objects draw was executed (approved → objects_drawn)."""

    topic: ClassVar[str] = "task.objects_drawn"
    draw_id: str


class UnassignedEntity(Schema):
    """An entity a teams draw could not give a team, and draw-v1's reason."""

    entity: str
    reason: str


class TaskTeamsAssigned(_TaskEvent):
    """sampling → planning: a round of teams was drawn. The task moves objects_drawn → teams_assigned
    only once no entity is left without a team; otherwise it shows ``unassigned`` and awaits a
    supplementary round (``round`` > 1, ``completes_draw_id`` = the previous round's draw)."""

    topic: ClassVar[str] = "task.teams_assigned"
    draw_id: str
    round: int = Field(1, ge=1)
    completes_draw_id: str | None = None
    assigned: int = Field(0, ge=0)
    unassigned: list[UnassignedEntity] = Field(default_factory=list)


class TaskDrawVoided(_TaskEvent):
    """sampling → planning: an executed draw was voided (the task goes back one step; a teams
    round is forgotten, its entities are without a team again)."""

    topic: ClassVar[str] = "task.draw_voided"
    kind: Literal["objects", "teams"]
    draw_id: str
    round: int = Field(1, ge=1)


class TaskResultsPublished(_TaskEvent):
    """results → planning: the task's results are published (completed → results_published)."""

    topic: ClassVar[str] = "task.results_published"


class TeamMember(Schema):
    """One inspector of a team, with the department they were drawn from (the draw's pool)."""

    inspector: str
    department: str


class InspectionTeam(Schema):
    entity: str
    inspectors: list[str]
    members: list[TeamMember] = Field(
        default_factory=list, description="the inspectors with their departments, in team order"
    )


class _DrawEvent(Event):
    task_id: str
    draw_id: str

    def ordering_key(self) -> str:
        # By task, not by draw: results keeps one inspection per task and entity, so a redraw's
        # create must not overtake an earlier draw's create or void (tests/e2e/test_outbox_ordering_e2e.py).
        return f"task:{self.task_id}"


class InspectionsCreate(_DrawEvent):
    """sampling → results: one inspection per entity a teams draw assigned."""

    topic: ClassVar[str] = "inspections.create"
    teams: list[InspectionTeam]
    lead_department: str | None = None
    unassigned: list[UnassignedEntity] = Field(
        default_factory=list, description="drawn entities this round gave no team, with the reason"
    )
    # Who may see and visit the inspections (jointcheck.visibility). Absent from events queued
    # before they existed: such inspections stay with admins, auditors, services and the team.
    departments: list[str] = Field(default_factory=list, description="the task's departments")
    team_departments: list[str] = Field(default_factory=list, description="the teams draw's required departments")


class InspectionsDrawn(_DrawEvent):
    """sampling → results: an objects draw was executed; each drawn entity's inspection exists from now
    on, awaiting its team (an entity drawn but not yet given a team says so)."""

    topic: ClassVar[str] = "inspections.drawn"
    entities: list[str] = Field(max_length=10_000_000)
    lead_department: str
    departments: list[str] = Field(default_factory=list, description="the task's departments, lead first")


class InspectionsVoided(_DrawEvent):
    """sampling → results: a voided teams draw withdraws its teams from not-yet-visited inspections (they
    await a team again); a voided objects draw withdraws the inspections it created that were not visited."""

    topic: ClassVar[str] = "inspections.voided"
    kind: Literal["objects", "teams"] = "teams"


class TaskItem(Schema):
    """One item of a task's pinned checklist version, as the inspection carries it."""

    position: int
    item_id: str
    item_version: int
    department: str = Field(description="responsible department / 负责部门")
    code: str
    name: str
    legal_basis: str = ""
    content: str = ""
    methods: list[str] = Field(default_factory=list)


class TaskApproved(_TaskEvent):
    """planning → results: an approved task, with its pinned checklist version's items, so that results
    files the task's inspections under it and computes their due date (the items never change after)."""

    topic: ClassVar[str] = "task.approved"
    plan_id: uuid.UUID
    plan_year: int
    plan_name: str
    name: str
    draw_type: str = Field(description="directed 定向 / undirected 不定向")
    lead_department: str
    departments: list[str] = Field(description="lead first")
    inspection_start: date
    inspection_end: date
    checklist_id: uuid.UUID
    checklist_version: int
    items: list[TaskItem]


class TaskInspectionStarted(_TaskEvent):
    """results → planning: the task's first on-site visit was recorded (teams_assigned → in_progress)."""

    topic: ClassVar[str] = "task.inspection_started"
    first_visit_on: date


class TaskInspectionsCompleted(_TaskEvent):
    """results → planning: every inspection of the task is approved (in_progress → completed)."""

    topic: ClassVar[str] = "task.inspections_completed"
    inspections: int = Field(ge=0)


class AuditRecord(Event):
    """any service → audit: one entry of the hash-chained audit log."""

    topic: ClassVar[str] = "audit.record"
    actor: dict[str, Any] | None = None
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime

    def ordering_key(self) -> str:
        return f"{self.object_type}:{self.object_id}"


async def publish(session: AsyncSession, *, destination: str, event: Event) -> uuid.UUID:
    """Put ``event`` into this service's outbox for ``destination``, inside the caller's transaction."""
    from jointcheck.outbox import enqueue_event

    return await enqueue_event(
        session,
        destination=destination,
        topic=event.topic,
        payload=event.model_dump(mode="json"),
        ordering_key=event.ordering_key(),
    )


E = TypeVar("E", bound=Event)


def typed_handler(event_cls: type[E], fn: Callable[..., Awaitable[None]], *, envelope: bool = False) -> EventHandler:
    """An inbox handler that validates the payload into ``event_cls`` once and calls ``fn(session, event)``
    (``fn(session, event, incoming)`` with ``envelope=True``, for handlers that need the sender or event id)."""

    async def handle(session: AsyncSession, incoming: IncomingEvent) -> None:
        try:
            event = event_cls.model_validate(incoming.payload)
        except ValidationError as exc:
            errors = [{"field": ".".join(["payload", *map(str, e["loc"])]), "message": e["msg"]} for e in exc.errors()]
            raise UnprocessableEntity(
                f"{incoming.topic}: the payload is not a valid {event_cls.__name__} ({exc.error_count()} error(s))",
                detail_zh=f"{incoming.topic}：事件内容不符合约定（{exc.error_count()} 处错误）",
                code="invalid_event_payload",
                errors=errors,
            ) from None
        if envelope:
            await fn(session, event, incoming)
        else:
            await fn(session, event)

    handle.__name__ = f"handle_{event_cls.__name__}"
    return handle


def event_handlers(
    *pairs: tuple[type[Event], Callable[..., Awaitable[None]]]
    | tuple[type[Event], Callable[..., Awaitable[None]], bool],
) -> dict[str, EventHandler]:
    """``{EventCls.topic: typed_handler(EventCls, fn)}`` for ``(EventCls, fn)`` or ``(EventCls, fn, envelope)`` pairs."""
    out: dict[str, EventHandler] = {}
    for pair in pairs:
        cls, fn, *rest = pair
        out[cls.topic] = typed_handler(cls, fn, envelope=bool(rest and rest[0]))
    return out
