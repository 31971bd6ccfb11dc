"""Follow-up cases (后续处置): opened for every non-compliant finding when its inspection is approved,
with the department responsible for that item (谁主管、谁监管); transferred with a reason, given a
rectification deadline, closed with an outcome; every step kept."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import visibility
from jointcheck.auth import Principal, actor_name
from jointcheck.errors import InvalidState, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from results.deadlines import today_in_china
from results.followups.models import FollowupCase, FollowupEvent
from results.followups.schemas import FollowupClose, FollowupDeadline, FollowupTransfer
from results.inspections.models import Finding, Inspection


async def open_for(session: AsyncSession, *, inspection: Inspection, findings: list[Finding], actor: Principal) -> int:
    """One open case per non-compliant finding (idempotent per inspection and item)."""
    items = {int(i["position"]): i for i in inspection.items}
    opened = 0
    for f in findings:
        if f.outcome != "non_compliant":
            continue
        stmt = (
            insert(FollowupCase)
            .values(
                inspection_id=inspection.id,
                position=f.position,
                task_id=inspection.task_id,
                uscc=inspection.uscc,
                item_name=str(items.get(f.position, {}).get("name", ""))[:200],
                department=f.department,
            )
            .on_conflict_do_nothing(index_elements=["inspection_id", "position"])
            .returning(FollowupCase.id)
        )
        case_id = (await session.execute(stmt)).scalar_one_or_none()
        if case_id is None:
            continue
        opened += 1
        session.add(
            FollowupEvent(
                case_id=case_id,
                action="open",
                to_department=f.department,
                reason=f.notes[:2000],
                actor=actor_name(actor),
            )
        )
        await record_audit(
            session,
            actor=actor,
            action="followup.open",
            object_type="followup_case",
            object_id=str(case_id),
            data={"inspection_id": str(inspection.id), "uscc": inspection.uscc, "department": f.department},
        )
    await session.flush()
    return opened


# ----------------------------------------------------------------- handling a case


async def get(session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False) -> FollowupCase:
    case = await session.get(FollowupCase, case_id, with_for_update=for_update or None, populate_existing=for_update)
    if case is None:
        raise NotFound(f"no follow-up case {case_id}", detail_zh="后续处置案件不存在", code="case_not_found")
    return case


def ensure_can_read(user: Principal, case: FollowupCase, inspection_departments: list[str]) -> None:
    """The departments of the case's task (and admins, auditors, services) read it."""
    visibility.ensure_can_see_drawn(user, departments=[case.department, *inspection_departments])


async def history(session: AsyncSession, case_id: uuid.UUID) -> list[FollowupEvent]:
    rows = await session.execute(
        select(FollowupEvent).where(FollowupEvent.case_id == case_id).order_by(FollowupEvent.id)
    )
    return list(rows.scalars())


def is_overdue(case: FollowupCase, today: date | None = None) -> bool:
    return case.state == "open" and case.rectify_by is not None and case.rectify_by < (today or today_in_china())


async def list_cases(
    session: AsyncSession,
    *,
    user: Principal,
    department: str | None,
    state: str | None,
    overdue: bool,
    task_id: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[FollowupCase]:
    stmt = select(FollowupCase)
    if not user.reads_everything:
        if not user.dept:
            return []
        # A department's own cases, and those of the tasks it takes part in.
        stmt = stmt.join(Inspection, Inspection.id == FollowupCase.inspection_id).where(
            or_(FollowupCase.department == user.dept, Inspection.departments.any_() == user.dept)
        )
    if department:
        stmt = stmt.where(FollowupCase.department == department)
    if state:
        stmt = stmt.where(FollowupCase.state == state)
    if task_id:
        stmt = stmt.where(FollowupCase.task_id == task_id)
    if overdue:
        stmt = stmt.where(and_(FollowupCase.state == "open", FollowupCase.rectify_by < today_in_china()))
    if after:
        stmt = stmt.where(FollowupCase.id > after)
    return list((await session.execute(stmt.order_by(FollowupCase.id).limit(limit))).scalars())


async def _step(
    session: AsyncSession,
    case: FollowupCase,
    *,
    action: str,
    actor: Principal,
    reason: str = "",
    frm: str | None = None,
    to: str | None = None,
    data: dict | None = None,
) -> None:
    session.add(
        FollowupEvent(
            case_id=case.id,
            action=action,
            from_department=frm,
            to_department=to,
            reason=reason,
            actor=actor_name(actor),
        )
    )
    case.version += 1
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action=f"followup.{action}",
        object_type="followup_case",
        object_id=str(case.id),
        data={"uscc": case.uscc, "department": case.department, "reason": reason, "from": frm, "to": to} | (data or {}),
    )


def _ensure_open(case: FollowupCase) -> None:
    if case.state != "open":
        raise InvalidState("the case is closed", detail_zh="该案件已结案", current_state=case.state)


async def transfer(
    session: AsyncSession, *, case_id: uuid.UUID, body: FollowupTransfer, actor: Principal
) -> FollowupCase:
    case = await get(session, case_id, for_update=True)
    visibility.ensure_can_act_on_case(actor, department=case.department)
    _ensure_open(case)
    if body.to_department == case.department:
        raise UnprocessableEntity(
            f"the case is already with {case.department}",
            detail_zh=f"该案件已由 {case.department} 负责",
            code="same_department",
            errors=[{"field": "to_department", "message": "same department", "message_zh": "与当前部门相同"}],
        )
    frm = case.department
    case.department = body.to_department
    await _step(session, case, action="transfer", actor=actor, reason=body.reason, frm=frm, to=body.to_department)
    return case


async def set_deadline(
    session: AsyncSession, *, case_id: uuid.UUID, body: FollowupDeadline, actor: Principal
) -> FollowupCase:
    case = await get(session, case_id, for_update=True)
    visibility.ensure_can_act_on_case(actor, department=case.department)
    _ensure_open(case)
    before = case.rectify_by
    case.rectify_by = body.rectify_by
    await _step(
        session,
        case,
        action="deadline",
        actor=actor,
        reason=body.reason,
        data={"rectify_by": body.rectify_by.isoformat(), "before": before.isoformat() if before else None},
    )
    return case


async def close(session: AsyncSession, *, case_id: uuid.UUID, body: FollowupClose, actor: Principal) -> FollowupCase:
    case = await get(session, case_id, for_update=True)
    visibility.ensure_can_act_on_case(actor, department=case.department)
    _ensure_open(case)
    case.state = "closed"
    case.outcome = body.outcome
    case.outcome_note = body.note
    case.closed_at = datetime.now(UTC)
    case.closed_by = actor_name(actor)
    await _step(session, case, action="close", actor=actor, reason=body.note, data={"outcome": body.outcome})
    return case
