"""Rules of inspections (minimal: created by teams draws, visited, queried by sampling)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import Conflict, Forbidden, NotFound
from jointcheck.outbox import record_audit
from results.inspections import repository
from results.inspections.models import Inspection
from results.inspections.schemas import InspectionsCreate, InspectionsVoided


async def handle_inspections_create(session: AsyncSession, event: InspectionsCreate) -> None:
    """Topic ``inspections.create``: one inspection per assigned entity (idempotent per task and entity)."""
    await repository.upsert_teams(session, task_id=event.task_id, draw_id=event.draw_id,
                                  teams=[(t.entity, t.inspectors) for t in event.teams])


async def handle_inspections_voided(session: AsyncSession, event: InspectionsVoided) -> None:
    """Topic ``inspections.voided``: a voided teams draw withdraws its not-yet-visited inspections."""
    await repository.delete_assigned_of_draw(session, task_id=event.task_id, draw_id=event.draw_id)


async def record_visit(session: AsyncSession, *, inspection_id: uuid.UUID, inspected_on: date, actor: Principal) -> Inspection:
    inspection = await repository.get(session, inspection_id)
    if inspection is None:
        raise NotFound(f"no inspection {inspection_id}", detail_zh="检查记录不存在", code="inspection_not_found")
    if inspection.state not in ("assigned", "visited"):
        raise Conflict(f"inspection is {inspection.state}", detail_zh=f"检查当前状态为 {inspection.state}", code="invalid_state",
                       extra={"current_state": inspection.state})
    if actor.has("inspector") and not actor.has("admin", "officer") and actor.subject not in inspection.inspectors:
        raise Forbidden("only a member of the inspection team may record the visit", detail_zh="仅检查组成员可登记检查",
                        code="not_in_team")
    inspection.inspected_on = inspected_on
    inspection.state = "visited"
    await session.flush()
    await record_audit(session, actor=actor, action="inspection.visit", object_type="inspection",
                       object_id=str(inspection_id), data={"inspected_on": inspected_on.isoformat(), "uscc": inspection.uscc})
    return inspection
