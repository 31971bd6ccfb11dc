"""Rules of inspections: created by teams draws, seen and visited only by those involved."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import visibility
from jointcheck.auth import Principal
from jointcheck.errors import Conflict, NotFound
from jointcheck.outbox import record_audit
from jointcheck.pagination import cursor_field
from results.inspections import repository
from results.inspections.models import Inspection
from results.inspections.schemas import InspectionsCreate, InspectionsVoided


async def handle_inspections_create(session: AsyncSession, event: InspectionsCreate) -> None:
    """Topic ``inspections.create``: one inspection per assigned entity (idempotent per task and entity)."""
    await repository.upsert_teams(
        session,
        task_id=event.task_id,
        draw_id=event.draw_id,
        teams=[(t.entity, t.inspectors) for t in event.teams],
        departments=event.departments,
        team_departments=event.team_departments,
    )


async def handle_inspections_voided(session: AsyncSession, event: InspectionsVoided) -> None:
    """Topic ``inspections.voided``: a voided teams draw withdraws its not-yet-visited inspections."""
    await repository.delete_assigned_of_draw(session, task_id=event.task_id, draw_id=event.draw_id)


def _entity_keyset(value: object) -> tuple[str, uuid.UUID]:
    """The ``(uscc, id)`` an inspections cursor resumes after."""
    uscc, row_id = value  # type: ignore[misc]
    return str(uscc), uuid.UUID(str(row_id))


async def list_visible(
    session: AsyncSession, *, user: Principal, task_id: str | None, cursor: str | None, limit: int
) -> list[Inspection]:
    """The inspections the caller may see (``limit`` rows), by entity."""
    after = cursor_field(cursor, "after", parse=_entity_keyset)
    return await repository.list_visible(
        session, scope=visibility.inspection_scope(user), task_id=task_id, after=after, limit=limit
    )


async def _get(session: AsyncSession, inspection_id: uuid.UUID) -> Inspection:
    inspection = await repository.get(session, inspection_id)
    if inspection is None:
        raise NotFound(f"no inspection {inspection_id}", detail_zh="检查记录不存在", code="inspection_not_found")
    return inspection


async def get(session: AsyncSession, *, inspection_id: uuid.UUID, user: Principal) -> Inspection:
    inspection = await _get(session, inspection_id)
    visibility.ensure_can_see_inspection(user, departments=inspection.departments, team=inspection.inspectors)
    return inspection


async def record_visit(
    session: AsyncSession, *, inspection_id: uuid.UUID, inspected_on: date, actor: Principal
) -> Inspection:
    inspection = await _get(session, inspection_id)
    visibility.ensure_can_record_visit(actor, team=inspection.inspectors, team_departments=inspection.team_departments)
    if inspection.state not in ("assigned", "visited"):
        raise Conflict(
            f"inspection is {inspection.state}",
            detail_zh=f"检查当前状态为 {inspection.state}",
            code="invalid_state",
            extra={"current_state": inspection.state},
        )
    inspection.inspected_on = inspected_on
    inspection.state = "visited"
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="inspection.visit",
        object_type="inspection",
        object_id=str(inspection_id),
        data={"inspected_on": inspected_on.isoformat(), "uscc": inspection.uscc},
    )
    return inspection
