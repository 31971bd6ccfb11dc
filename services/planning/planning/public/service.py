"""Public views of published plans (一公开): only what the regime publishes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.codes import EntityType, RegistrationStatus
from jointcheck.errors import NotFound
from planning.checklists import service as checklist_service
from planning.items import repository as items
from planning.plans import repository as plans
from planning.plans.models import Plan
from planning.public.schemas import (
    PublicItemRead,
    PublicPlanRead,
    PublicPlanSummaryRead,
    PublicPlanTaskRead,
    PublicTaskRead,
)
from planning.tasks import repository as tasks
from planning.tasks.models import Task

#: Tasks still being drafted are not part of what is published (a cancelled one is, marked cancelled).
HIDDEN_TASK_STATES = ("draft",)
CLASS_LABELS = {"A": "A类", "B": "B类", "C": "C类", "D": "D类", "U": "未分类"}


def scope_summary(scope: dict[str, Any]) -> str:
    """The object scope in one Chinese sentence, e.g. ``行业：F5265；行政区划：411523；登记状态：存续``."""
    parts = []
    if scope.get("industry_prefixes"):
        parts.append("行业：" + "、".join(scope["industry_prefixes"]))
    if scope.get("division_prefixes"):
        parts.append("行政区划：" + "、".join(scope["division_prefixes"]))
    if scope.get("entity_types"):
        parts.append("主体类型：" + "、".join(EntityType(t).label for t in scope["entity_types"]))
    if scope.get("statuses"):
        parts.append("登记状态：" + "、".join(RegistrationStatus(s).label for s in scope["statuses"]))
    if scope.get("credit_classes"):
        parts.append("信用风险分类：" + "、".join(CLASS_LABELS[c] for c in scope["credit_classes"]))
    if scope.get("departments"):
        parts.append("监管部门：" + "、".join(scope["departments"]))
    if scope.get("tags"):
        parts.append("标签：" + "、".join(scope["tags"]))
    if scope.get("name_contains"):
        parts.append(f"名称包含：{scope['name_contains']}")
    return "；".join(parts) or "全部市场主体"


async def _public_task(session: AsyncSession, task: Task) -> PublicTaskRead:
    checklist = await checklist_service.get(session, checklist_id=task.checklist_id, version=task.checklist_version)
    known = await items.get_many(session, (i.item_id for i in checklist.items))
    cancelled_items = {i for i, item in known.items() if item.cancelled_at is not None}
    cancel = None
    if task.state == "cancelled":
        cancel = next(
            (h for h in reversed(await tasks.transitions(session, task.id)) if h.to_state == "cancelled"), None
        )
    return PublicTaskRead(
        cancelled=cancel is not None,
        cancelled_at=cancel.at if cancel else None,
        cancel_reason=cancel.reason if cancel else None,
        id=task.id,
        name=task.name,
        industry=checklist.name,
        industry_codes=checklist.industry_codes,
        lead_department=task.lead_department,
        departments=task.departments,
        scope_summary=scope_summary(task.scope),
        draw_type=task.draw_type,
        sampling_ratios=task.sampling_rules,
        frequency_per_year=checklist.frequency_per_year,
        inspection_start=task.inspection_start,
        inspection_end=task.inspection_end,
        executing_body=task.executing_body,
        items=[
            PublicItemRead(
                name=i.name,
                department=i.department,
                legal_basis=i.legal_basis,
                methods=list(i.methods),
                cancelled=i.item_id in cancelled_items,
            )
            for i in checklist.items
            if i.department in task.departments
        ],
    )


async def summary(session: AsyncSession, plan: Plan) -> PublicPlanSummaryRead:
    visible = await tasks.list_for_plan(session, plan.id, exclude_states=HIDDEN_TASK_STATES)
    assert plan.published_at is not None
    return PublicPlanSummaryRead(
        id=plan.id,
        year=plan.year,
        lead_department=plan.lead_department,
        name=plan.name,
        description=plan.description,
        published_at=plan.published_at,
        task_count=len(visible),
    )


async def published_plan(session: AsyncSession, *, plan_id: uuid.UUID) -> PublicPlanRead:
    plan = await plans.get(session, plan_id)
    if plan is None or plan.state != "published":
        raise NotFound(f"no published plan {plan_id}", detail_zh="没有这个已公布的计划", code="plan_not_found")
    visible = await tasks.list_for_plan(session, plan.id, exclude_states=HIDDEN_TASK_STATES)
    head = await summary(session, plan)
    return PublicPlanRead(**head.model_dump(), tasks=[await _public_task(session, t) for t in visible])


async def published_task(session: AsyncSession, *, task_id: uuid.UUID) -> PublicPlanTaskRead:
    """A task as its published plan shows it, with the plan; 404 for a draft or an unpublished plan's task."""
    task = await tasks.get(session, task_id)
    plan = await plans.get(session, task.plan_id) if task is not None else None
    if task is None or task.state in HIDDEN_TASK_STATES or plan is None or plan.state != "published":
        raise NotFound(
            f"no task {task_id} in a published plan", detail_zh="已公布的计划中没有这个任务", code="task_not_found"
        )
    shown = await _public_task(session, task)
    return PublicPlanTaskRead(**shown.model_dump(), plan=await summary(session, plan))
