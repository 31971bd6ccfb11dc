"""Rules for annual plans: draft → filed → published, filing due 31 January of the plan year.

Late filing is allowed; it is flagged (``filed_late``), warned about and reported. Only
the lead department (or the joint-meeting office, ``admin``) files, publishes or edits.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, actor_name, ensure_department
from jointcheck.clients import RegistryClient
from jointcheck.errors import Conflict, InvalidState, NotFound
from jointcheck.etag import check_if_match
from jointcheck.outbox import record_audit
from planning import departments
from planning.common import china_date, now_utc
from planning.plans import repository
from planning.plans.models import Plan, PlanTransition
from planning.plans.schemas import (
    LateFiling,
    LateFilingReport,
    PlanCreate,
    PlanRead,
    PlanTaskSummary,
    PlanTransitionCreate,
    PlanUpdate,
    TransitionRead,
)
from planning.tasks import repository as tasks

#: (from, to) of every plan transition a person may make.
TRANSITIONS = {("draft", "filed"), ("filed", "published")}


def filing_deadline(year: int) -> date:
    """Plans are filed with the joint-meeting office by 31 January of their year."""
    return date(year, 1, 31)


def plan_warnings(plan: Plan, *, today: date | None = None) -> list[str]:
    today = today or china_date(now_utc())
    deadline = filing_deadline(plan.year)
    out = []
    if plan.filed_late:
        out.append(f"计划逾期报备（应于{plan.year}年1月31日前报备）/ plan filed late (due 31 January {plan.year})")
    elif plan.state == "draft" and today > deadline:
        out.append(
            f"计划尚未报备，已超过{plan.year}年1月31日的报备期限 / plan not filed, past the 31 January {plan.year} deadline"
        )
    return out


def not_found(plan_id: uuid.UUID) -> NotFound:
    return NotFound(f"no plan {plan_id}", detail_zh=f"年度计划 {plan_id} 不存在", code="plan_not_found")


async def read(session: AsyncSession, plan: Plan) -> PlanRead:
    history = await repository.transitions(session, plan.id)
    task_rows = await tasks.list_for_plan(session, plan.id)
    return PlanRead(
        id=plan.id,
        year=plan.year,
        lead_department=plan.lead_department,
        name=plan.name,
        description=plan.description,
        state=plan.state,
        filing_deadline=filing_deadline(plan.year),
        filed_at=plan.filed_at,
        filed_by=plan.filed_by,
        filed_late=plan.filed_late,
        published_at=plan.published_at,
        published_by=plan.published_by,
        tasks=[
            PlanTaskSummary(
                id=t.id,
                name=t.name,
                state=t.state,
                checklist_id=t.checklist_id,
                checklist_version=t.checklist_version,
                inspection_start=t.inspection_start,
                inspection_end=t.inspection_end,
            )
            for t in task_rows
        ],
        state_history=[
            TransitionRead(from_=h.from_state, to=h.to_state, by=h.by, at=h.at, reason=h.reason) for h in history
        ],
        warnings=plan_warnings(plan),
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        created_by=plan.created_by,
    )


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, *, for_update: bool = False) -> Plan:
    plan = await repository.get(session, plan_id, for_update=for_update)
    if plan is None:
        raise not_found(plan_id)
    return plan


async def create(session: AsyncSession, *, data: PlanCreate, actor: Principal, registry: RegistryClient) -> Plan:
    ensure_department(actor, data.lead_department, action="create plans of")
    await departments.ensure_known(registry, {"lead_department": [data.lead_department]})
    if await repository.by_year_and_lead(session, data.year, data.lead_department):
        raise Conflict(
            f"{data.lead_department} already has a plan for {data.year}",
            detail_zh=f"{data.lead_department} 已有 {data.year} 年度计划",
            code="plan_exists",
        )
    now = now_utc()
    plan = Plan(
        id=uuid.uuid4(),
        year=data.year,
        lead_department=data.lead_department,
        name=data.name,
        description=data.description,
        state="draft",
        filed_late=False,
        version=1,
        created_at=now,
        updated_at=now,
        created_by=actor_name(actor),
    )
    session.add(plan)
    await session.flush()
    session.add(
        PlanTransition(
            plan_id=plan.id, from_state=None, to_state="draft", by=actor_name(actor), at=now, reason="created"
        )
    )
    await session.flush()
    await record_audit(
        session, actor=actor, action="plan.create", object_type="plan", object_id=str(plan.id), data=data.model_dump()
    )
    return plan


async def update(
    session: AsyncSession, *, plan_id: uuid.UUID, data: PlanUpdate, actor: Principal, if_match: str | None
) -> Plan:
    plan = await get_plan(session, plan_id, for_update=True)
    ensure_department(actor, plan.lead_department, action="change plans of")
    check_if_match(if_match, current=plan.version, what=f"plan {plan.name}", what_zh=f"年度计划 {plan.name}")
    if plan.state != "draft":
        raise InvalidState(
            f"plan is {plan.state}; only a draft plan can be edited",
            detail_zh="只有草稿状态的计划可以修改",
            current_state=plan.state,
        )
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(plan, key, value)
    plan.version += 1
    plan.updated_at = now_utc()
    await session.flush()
    await record_audit(
        session, actor=actor, action="plan.update", object_type="plan", object_id=str(plan.id), data=changes
    )
    return plan


async def transition(
    session: AsyncSession, *, plan_id: uuid.UUID, data: PlanTransitionCreate, actor: Principal
) -> Plan:
    """File (draft → filed, late filing flagged) or publish (filed → published)."""
    plan = await get_plan(session, plan_id, for_update=True)
    ensure_department(actor, plan.lead_department, action="file or publish plans of")
    if (plan.state, data.to) not in TRANSITIONS:
        raise InvalidState(
            f"a {plan.state} plan cannot become {data.to}",
            detail_zh=f"计划当前为 {plan.state} 状态，不能变为 {data.to}",
            current_state=plan.state,
        )
    now = now_utc()
    by = actor_name(actor)
    audit: dict[str, object] = {"from": plan.state, "to": data.to, "reason": data.reason}
    if data.to == "filed":
        plan.filed_at, plan.filed_by = now, by
        plan.filed_late = china_date(now) > filing_deadline(plan.year)
        audit["filed_late"] = plan.filed_late
    else:
        plan.published_at, plan.published_by = now, by
    session.add(
        PlanTransition(plan_id=plan.id, from_state=plan.state, to_state=data.to, by=by, at=now, reason=data.reason)
    )
    plan.state = data.to
    plan.version += 1
    plan.updated_at = now
    await session.flush()
    await record_audit(
        session, actor=actor, action=f"plan.{data.to}", object_type="plan", object_id=str(plan.id), data=audit
    )
    return plan


def _late(plan: Plan, today: date) -> LateFiling:
    deadline = filing_deadline(plan.year)
    until = china_date(plan.filed_at) if plan.filed_at else today
    return LateFiling(
        id=plan.id,
        year=plan.year,
        lead_department=plan.lead_department,
        name=plan.name,
        state=plan.state,
        filing_deadline=deadline,
        filed_at=plan.filed_at,
        filed_by=plan.filed_by,
        days_late=max(0, (until - deadline).days),
    )


async def late_filings(session: AsyncSession, *, year: int | None) -> LateFilingReport:
    today = china_date(now_utc())
    late = await repository.filed_late(session, year=year)
    # A plan of year Y is overdue once 31 January Y has passed.
    up_to = today.year if today > filing_deadline(today.year) else today.year - 1
    unfiled = await repository.unfiled(session, year=year, up_to_year=up_to)
    return LateFilingReport(
        year=year, filed_late=[_late(p, today) for p in late], unfiled_overdue=[_late(p, today) for p in unfiled]
    )
