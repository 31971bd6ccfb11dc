"""Rules of inspections: filed by draws, seen only by those involved, found on by each department for its
own items, submitted by the team, reviewed by the lead department, then published and followed up."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import visibility
from jointcheck.auth import Principal, actor_name
from jointcheck.contracts import TaskInspectionsCompleted, TaskInspectionStarted, publish
from jointcheck.db import Database
from jointcheck.errors import Conflict, InvalidState, NotFound, UnprocessableEntity
from jointcheck.jsonrows import page_json
from jointcheck.outbox import record_audit
from jointcheck.pagination import Page, cursor_field, encode_cursor
from results import deadlines
from results.categories import service as categories
from results.inspections import repository
from results.inspections.models import EDITABLE, Inspection, InspectionEvent
from results.inspections.schemas import (
    FindingsWrite,
    InspectionDetail,
    InspectionRead,
    InspectionReview,
    InspectionsCreate,
    InspectionsDrawn,
    InspectionSubmit,
    InspectionsVoided,
    OverdueRead,
)
from results.tasks import service as tasks
from results.tasks.models import ResultTask

# ----------------------------------------------------------------- events from sampling


async def handle_inspections_drawn(session: AsyncSession, event: InspectionsDrawn) -> None:
    """Topic ``inspections.drawn``: one inspection per drawn entity, awaiting its team."""
    await repository.insert_drawn(
        session,
        task_id=event.task_id,
        objects_draw_id=event.draw_id,
        entities=event.entities,
        departments=event.departments,
        lead_department=event.lead_department,
        task=await tasks.get(session, event.task_id),
    )


async def handle_inspections_create(session: AsyncSession, event: InspectionsCreate) -> None:
    """Topic ``inspections.create``: each assigned entity gets its team (idempotent per task and entity);
    the entities the round left without one say why."""
    await repository.upsert_teams(
        session,
        task_id=event.task_id,
        draw_id=event.draw_id,
        teams=[(t.entity, t.inspectors, [m.model_dump() for m in t.members]) for t in event.teams],
        departments=event.departments,
        team_departments=event.team_departments,
        lead_department=event.lead_department,
        task=await tasks.get(session, event.task_id),
    )
    if event.unassigned:
        await repository.mark_unassigned(
            session, task_id=event.task_id, reasons={u.entity: u.reason for u in event.unassigned}
        )


async def handle_inspections_voided(session: AsyncSession, event: InspectionsVoided) -> None:
    """Topic ``inspections.voided``: see :class:`jointcheck.contracts.InspectionsVoided`."""
    if event.kind == "objects":
        await repository.withdraw_drawn(session, task_id=event.task_id, objects_draw_id=event.draw_id)
    else:
        await repository.withdraw_teams(session, task_id=event.task_id, draw_id=event.draw_id)


# ----------------------------------------------------------------- reads


def _entity_keyset(value: object) -> tuple[str, uuid.UUID]:
    """The ``(uscc, id)`` an inspections cursor resumes after."""
    uscc, row_id = value  # type: ignore[misc]
    return str(uscc), uuid.UUID(str(row_id))


def read_model(inspection: Inspection) -> InspectionRead:
    out = InspectionRead.model_validate(inspection)
    out.items_pending = inspection.checklist_id is None
    return out


async def list_visible(
    session: AsyncSession,
    *,
    user: Principal,
    task_id: str | None,
    cursor: str | None,
    limit: int,
    state: str | None = None,
    uscc: str | None = None,
    department: str | None = None,
) -> list[Inspection]:
    """The inspections the caller may see (``limit`` rows), by entity."""
    after = cursor_field(cursor, "after", parse=_entity_keyset)
    return await repository.list_visible(
        session,
        scope=visibility.inspection_scope(user),
        task_id=task_id,
        after=after,
        limit=limit,
        state=state,
        uscc=uscc,
        department=department,
    )


_ITEMS = TypeAdapter(list[InspectionRead])


async def list_visible_page(
    db: Database,
    *,
    user: Principal,
    task_id: str | None,
    cursor: str | None,
    limit: int,
    state: str | None = None,
    uscc: str | None = None,
    department: str | None = None,
) -> Page[InspectionRead] | Response:
    """``GET /v1/inspections``: :func:`list_visible` as a page, from a read connection — PostgreSQL writes
    each row as ``InspectionRead`` would be written (or, for a schema it cannot write exactly, as JSON
    ``InspectionRead`` parses in one call); no ORM objects."""
    after = cursor_field(cursor, "after", parse=_entity_keyset)
    async with db.read_connection() as conn:
        rows = await repository.list_visible_json(
            conn,
            scope=visibility.inspection_scope(user),
            task_id=task_id,
            after=after,
            limit=limit + 1,
            state=state,
            uscc=uscc,
            department=department,
        )
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor({"after": [last[0], str(last[1])]}) if last else None
    if repository.READ_JSON is not None:  # written exactly as pydantic would: sent as it is
        return Response(page_json([j for _, _, j in rows[:limit]], next_cursor), media_type="application/json")
    items = _ITEMS.validate_json(b"[" + b",".join(j for _, _, j in rows[:limit]) + b"]")
    return Page[InspectionRead](items=items, next_cursor=next_cursor)


async def overdue(
    session: AsyncSession,
    *,
    user: Principal,
    task_id: str | None,
    department: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[OverdueRead, list[Inspection]]:
    today = deadlines.today_in_china()
    scope = visibility.inspection_scope(user)
    rows = await repository.list_visible(
        session,
        scope=scope,
        task_id=task_id,
        after=cursor_field(cursor, "after", parse=_entity_keyset),
        limit=limit,
        overdue_on=today,
        department=department,
    )
    summary = OverdueRead(
        today=today,
        items=[],
        by_department=await repository.overdue_by_department(session, scope=scope, today=today),
        unknown_due_years=await repository.unknown_due_years(session),
    )
    return summary, rows


async def _get(session: AsyncSession, inspection_id: uuid.UUID, *, for_update: bool = False) -> Inspection:
    inspection = await repository.get(session, inspection_id, for_update=for_update)
    if inspection is None:
        raise NotFound(f"no inspection {inspection_id}", detail_zh="检查记录不存在", code="inspection_not_found")
    return inspection


async def get(session: AsyncSession, *, inspection_id: uuid.UUID, user: Principal) -> Inspection:
    inspection = await _get(session, inspection_id)
    visibility.ensure_can_see_inspection(user, departments=inspection.departments, team=inspection.inspectors)
    return inspection


async def detail(session: AsyncSession, inspection: Inspection) -> InspectionDetail:
    base = read_model(inspection).model_dump()
    return InspectionDetail.model_validate(
        base
        | {
            "findings": await repository.findings(session, inspection.id),
            "history": await repository.history(session, inspection.id),
        }
    )


# ----------------------------------------------------------------- changes


def _ensure_state(inspection: Inspection, allowed: tuple[str, ...], *, doing: str, doing_zh: str) -> None:
    if inspection.state not in allowed:
        raise InvalidState(
            f"cannot {doing}: the inspection is {inspection.state} (needs {' or '.join(allowed)})",
            detail_zh=f"无法{doing_zh}：检查当前状态为 {inspection.state}",
            current_state=inspection.state,
        )


def _task_uuid(task_id: str) -> uuid.UUID | None:
    """Planning's tasks have UUIDs; an inspection filed under anything else has no task to tell."""
    try:
        return uuid.UUID(task_id)
    except ValueError:
        return None


async def _history(
    session: AsyncSession,
    inspection: Inspection,
    *,
    action: str,
    frm: str | None,
    to: str,
    actor: Principal,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Every change: the inspection's own history row, and the audit log's entry (same transaction)."""
    session.add(
        InspectionEvent(
            inspection_id=inspection.id,
            action=action,
            from_state=frm,
            to_state=to,
            reason=reason,
            actor=actor_name(actor),
        )
    )
    await record_audit(
        session,
        actor=actor,
        action=f"inspection.{action}",
        object_type="inspection",
        object_id=str(inspection.id),
        data={"task_id": inspection.task_id, "uscc": inspection.uscc, "from": frm, "to": to, "reason": reason}
        | (data or {}),
    )


async def record_visit(
    session: AsyncSession, *, inspection_id: uuid.UUID, inspected_on: date, actor: Principal
) -> Inspection:
    inspection = await _get(session, inspection_id, for_update=True)
    visibility.ensure_can_record_visit(actor, team=inspection.inspectors, team_departments=inspection.team_departments)
    _ensure_state(inspection, ("assigned", "visited", "returned"), doing="record the visit", doing_zh="记录实施检查")
    if inspected_on > deadlines.today_in_china():
        raise UnprocessableEntity(
            f"the visit date {inspected_on} is in the future",
            detail_zh=f"实施检查日期 {inspected_on} 晚于今天",
            code="visit_in_future",
            errors=[{"field": "inspected_on", "message": "after today (China time)", "message_zh": "晚于今天"}],
        )
    first_of_task = inspection.inspected_on is None and not await repository.other_visited(
        session, inspection.task_id, inspection.id
    )
    frm = inspection.state
    inspection.inspected_on = inspected_on
    if inspection.state == "assigned":
        inspection.state = "visited"
    inspection.version += 1
    await session.flush()
    await _history(
        session,
        inspection,
        action="visit",
        frm=frm,
        to=inspection.state,
        actor=actor,
        data={"inspected_on": inspected_on.isoformat()},
    )
    if first_of_task and (task_uuid := _task_uuid(inspection.task_id)):
        await publish(
            session,
            destination="planning",
            event=TaskInspectionStarted(task_id=task_uuid, first_visit_on=inspected_on),
        )
    return inspection


async def record_findings(
    session: AsyncSession, *, inspection_id: uuid.UUID, body: FindingsWrite, actor: Principal
) -> Inspection:
    """Findings on items of this inspection, each by the team's inspectors of the item's department (or an
    admin); all or none. Before the items arrived, after submission or approval: 409."""
    inspection = await _get(session, inspection_id, for_update=True)
    visibility.ensure_can_see_inspection(actor, departments=inspection.departments, team=inspection.inspectors)
    _ensure_state(inspection, EDITABLE, doing="record findings", doing_zh="录入检查结果")
    items = {int(i["position"]): i for i in inspection.items}
    if not items:
        raise InvalidState(
            "the inspection has no items yet (the task's checklist has not reached results)",
            detail_zh="该检查尚无检查事项（任务检查单尚未送达）",
            current_state=inspection.state,
            code="items_pending",
        )
    problems = []
    seen: set[int] = set()
    for i, f in enumerate(body.findings):
        if f.position not in items:
            problems.append(
                {
                    "field": f"findings[{i}].position",
                    "message": f"item {f.position} is not on this inspection",
                    "message_zh": f"第 {f.position} 项不在本次检查事项中",
                }
            )
        if f.position in seen:
            problems.append(
                {
                    "field": f"findings[{i}].position",
                    "message": f"item {f.position} is given twice",
                    "message_zh": f"第 {f.position} 项重复",
                }
            )
        seen.add(f.position)
    if problems:
        raise UnprocessableEntity(
            f"{len(problems)} finding(s) name items not on the inspection",
            detail_zh=f"{len(problems)} 条结果对应的事项不在本次检查中",
            code="item_not_on_inspection",
            errors=problems,
        )
    for f in body.findings:
        visibility.ensure_can_record_finding(
            actor, item_department=items[f.position]["department"], team=inspection.team
        )
    now = datetime.now(UTC)
    await repository.upsert_findings(
        session,
        [
            {
                "inspection_id": inspection.id,
                "position": f.position,
                "item_id": str(items[f.position]["item_id"]),
                "department": items[f.position]["department"],
                "outcome": f.outcome.value,
                "method": f.method.value,
                "notes": f.notes,
                "evidence": [e.model_dump() for e in f.evidence],
                "recorded_by": actor_name(actor),
                "recorded_at": now,
            }
            for f in body.findings
        ],
    )
    inspection.version += 1
    await session.flush()
    await _history(
        session,
        inspection,
        action="findings",
        frm=inspection.state,
        to=inspection.state,
        actor=actor,
        data={"positions": sorted(seen), "outcomes": {str(f.position): f.outcome.value for f in body.findings}},
    )
    return inspection


async def submit(
    session: AsyncSession, *, inspection_id: uuid.UUID, body: InspectionSubmit, actor: Principal
) -> Inspection:
    """The team submits once every item has a finding and the visit is recorded; the overall result
    categories are checked against the dictionary and against the findings."""
    inspection = await _get(session, inspection_id, for_update=True)
    visibility.ensure_can_see_inspection(actor, departments=inspection.departments, team=inspection.inspectors)
    visibility.ensure_can_submit_inspection(actor, team=inspection.team)
    _ensure_state(inspection, ("visited", "returned"), doing="submit", doing_zh="提交检查结果")
    found = {f.position: f for f in await repository.findings(session, inspection.id)}
    missing = [int(i["position"]) for i in inspection.items if int(i["position"]) not in found]
    if missing or not inspection.items:
        raise InvalidState(
            f"items without a finding: {missing}" if missing else "the inspection has no items yet",
            detail_zh=f"以下事项尚无检查结果：{missing}" if missing else "该检查尚无检查事项",
            current_state=inspection.state,
            code="findings_incomplete",
            extra={"missing_positions": missing},
        )
    choices = [c.model_dump() for c in body.categories]
    chosen = await categories.check_selection(session, choices, departments=inspection.departments)
    non_compliant = [p for p, f in found.items() if f.outcome == "non_compliant"]
    if non_compliant and any(c.kind == "compliant" for c in chosen):
        raise UnprocessableEntity(
            f"items {non_compliant} are non-compliant: the result cannot be {chosen[0].code}",
            detail_zh=f"第 {non_compliant} 项不符合，检查结果不能为「{chosen[0].label_zh}」",
            code="invalid_categories",
            errors=[
                {
                    "field": "categories",
                    "message": "contradicts the non-compliant findings",
                    "message_zh": "与不符合项矛盾",
                }
            ],
        )
    frm = inspection.state
    inspection.categories = choices
    inspection.follow_up_measure = body.follow_up_measure or None
    inspection.state = "submitted"
    inspection.submitted_at = datetime.now(UTC)
    inspection.submitted_by = actor_name(actor)
    inspection.version += 1
    await session.flush()
    await _history(
        session, inspection, action="submit", frm=frm, to="submitted", actor=actor, data={"categories": choices}
    )
    return inspection


async def review(
    session: AsyncSession,
    *,
    inspection_id: uuid.UUID,
    body: InspectionReview,
    actor: Principal,
    entity_name: str | None,
) -> Inspection:
    """The lead department approves (→ publication record, follow-up cases, perhaps the task complete) or
    returns with a reason (editable again)."""
    from results.followups import service as followups
    from results.publications import service as publications

    inspection = await _get(session, inspection_id, for_update=True)
    visibility.ensure_can_review_inspection(actor, lead_department=inspection.lead_department)
    _ensure_state(inspection, ("submitted",), doing="review", doing_zh="审核")
    frm = inspection.state
    if body.decision == "return":
        if len(body.reason.strip()) < 5:
            raise UnprocessableEntity(
                "a returned inspection needs a reason (at least 5 characters)",
                detail_zh="退回须说明理由（至少5个字符）",
                code="reason_required",
                errors=[{"field": "reason", "message": "required to return", "message_zh": "退回须说明理由"}],
            )
        inspection.state = "returned"
        inspection.version += 1
        await session.flush()
        await _history(session, inspection, action="return", frm=frm, to="returned", actor=actor, reason=body.reason)
        return inspection
    # What the publication record needs, before anything changes (a refusal leaves it submitted).
    task = await tasks.get(session, inspection.task_id)
    if task is None:
        raise Conflict(
            f"results has not received task {inspection.task_id} from planning yet: try again shortly",
            detail_zh=f"尚未收到计划服务发送的任务 {inspection.task_id}，请稍后重试",
            code="task_not_received",
        )
    if not entity_name:
        raise Conflict(
            f"the registry has no entity {inspection.uscc}: its name is needed for the publication record",
            detail_zh=f"名录库中没有主体 {inspection.uscc}，无法生成公示记录",
            code="entity_unknown",
        )
    now = datetime.now(UTC)
    inspection.state = "approved"
    inspection.approved_at = now
    inspection.approved_by = actor_name(actor)
    approved_on = now.astimezone(deadlines.CHINA).date()
    inspection.late = inspection.due_on is not None and approved_on > inspection.due_on
    inspection.version += 1
    await session.flush()
    await _history(
        session,
        inspection,
        action="approve",
        frm=frm,
        to="approved",
        actor=actor,
        reason=body.reason,
        data={"late": inspection.late, "due_on": inspection.due_on.isoformat() if inspection.due_on else None},
    )
    found = await repository.findings(session, inspection.id)
    await followups.open_for(session, inspection=inspection, findings=found, actor=actor)
    await publications.create_for(session, inspection=inspection, task=task, findings=found, entity_name=entity_name)
    await _maybe_completed(session, inspection.task_id, task)
    return inspection


async def _maybe_completed(session: AsyncSession, task_id: str, task: ResultTask | None) -> None:
    """Every inspection of the task approved (none awaiting a team or at work): planning hears it once."""
    states = await repository.task_states(session, task_id)
    if not states or any(s not in ("approved", "published") for s in states):
        return
    if task is not None:
        locked = await session.get(ResultTask, task_id, with_for_update=True, populate_existing=True)
        if locked is None or locked.completed_sent:
            return
        locked.completed_sent = True
    if task_uuid := _task_uuid(task_id):
        await publish(
            session,
            destination="planning",
            event=TaskInspectionsCompleted(task_id=task_uuid, inspections=sum(states.values())),
        )
