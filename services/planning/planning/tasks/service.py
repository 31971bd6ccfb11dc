"""Rules for tasks: the spec, who may change it, and the state machine.

draft → approved → objects_drawn → teams_assigned → in_progress → completed →
results_published → closed; draft or approved → cancelled (with a reason, before any draw).
People approve, start, complete, close and cancel (admin or an officer of the lead
department); the sampling service moves a task through the draws (and back when a draw is
voided) and the results service marks results published, both through events. Every
transition is recorded with who, when and why, and audited.

A task is approved only under a published plan and only when its inspector pool can staff
every expected entity (:func:`planning.tasks.rules.team_capacity`). It reaches
``teams_assigned`` only when no drawn entity is left without a team: a teams draw that leaves
some out is recorded as round 1, the office may amend the team rules (or grow the pool in the
registry) and run supplementary rounds for exactly the entities still left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import visibility
from jointcheck.auth import Principal, Role, actor_name, ensure_department
from jointcheck.clients import RegistryClient
from jointcheck.contracts import TaskApproved, TaskDrawVoided, TaskItem, TaskTeamsAssigned, publish
from jointcheck.db import Database
from jointcheck.errors import Conflict, Forbidden, InvalidState, NotFound, UnprocessableEntity
from jointcheck.etag import check_if_match
from jointcheck.outbox import record_audit
from planning import departments
from planning.checklists import repository as checklists
from planning.checklists import service as checklist_service
from planning.checklists.schemas import ChecklistRead
from planning.common import dedupe, now_utc
from planning.plans import repository as plans
from planning.plans.models import Plan
from planning.plans.schemas import TransitionRead
from planning.tasks import repository, rules
from planning.tasks.models import Task, TaskAmendment, TaskTeamRound, TaskTransition
from planning.tasks.schemas import (
    ClassPreview,
    ObjectScope,
    TaskAmendmentCreate,
    TaskAmendmentRead,
    TaskCreate,
    TaskPreview,
    TaskRead,
    TaskTransitionCreate,
    TaskUpdate,
    TeamCapacityRead,
    TeamRoundRead,
)

#: (from, to) of the transitions people make; the others are driven by events.
HUMAN_TRANSITIONS = {
    ("draft", "approved"),
    ("teams_assigned", "in_progress"),
    ("in_progress", "completed"),
    ("results_published", "closed"),
    ("draft", "cancelled"),
    ("approved", "cancelled"),
}
EVENT_DRIVEN = {"objects_drawn": "sampling", "teams_assigned": "sampling", "results_published": "results"}

SPEC_FIELDS = (
    "name",
    "checklist_id",
    "checklist_version",
    "lead_department",
    "departments",
    "scope",
    "draw_type",
    "sampling_rules",
    "exclusion_days",
    "team_rules",
    "experts",
    "inspection_start",
    "inspection_end",
    "executing_body",
)


def not_found(task_id: uuid.UUID) -> NotFound:
    return NotFound(f"no task {task_id}", detail_zh=f"抽查任务 {task_id} 不存在", code="task_not_found")


# ----------------------------------------------------------------- reading


def ensure_can_read(user: Principal, task: Task | TaskRead) -> None:
    """Officers read the tasks their department takes part in (lead or cooperating)."""
    if user.may_read_department(*task.departments) or user.has(Role.inspector):
        return
    raise Forbidden(
        f"department {user.dept} does not take part in task {task.id}",
        detail_zh=f"{user.dept} 未参加该抽查任务",
        code="department_scope",
    )


def ensure_lead(user: Principal, task: Task, *, action: str) -> None:
    """Only the lead department's officers (or admins) change a task; cooperating ones only read it."""
    ensure_department(user, task.lead_department, action=f"{action} tasks led by")


async def get_task(session: AsyncSession, task_id: uuid.UUID, *, for_update: bool = False) -> Task:
    task = await repository.get(session, task_id, for_update=for_update)
    if task is None:
        raise not_found(task_id)
    return task


async def _item_departments(session: AsyncSession, task: Task) -> list[str]:
    return [e.department for e in await checklists.entries(session, task.checklist_id, task.checklist_version)]


async def warnings_of(session: AsyncSession, task: Task, plan: Plan) -> list[str]:
    return rules.task_warnings(
        year=plan.year,
        inspection_start=task.inspection_start,
        inspection_end=task.inspection_end,
        plan_filed_late=plan.filed_late,
        departments=task.departments,
        item_departments=await _item_departments(session, task),
    )


def may_see_drawn(user: Principal, task: Task | TaskRead) -> bool:
    """Who was drawn stays among those who act on it (:func:`jointcheck.visibility.can_see_drawn`, as in
    sampling); others see the rounds without the entities left out."""
    return visibility.can_see_drawn(user, departments=task.departments)


@dataclass
class TaskParts:
    """Everything a :class:`TaskRead` is made of: the task and its plan's year and filing, its
    state history, team rounds and amendments (rows with the models' attribute names), and the
    departments of its pinned checklist's items."""

    task: Any
    year: int
    plan_filed_late: bool
    history: list[Any]
    rounds: list[Any]
    amendments: list[Any]
    item_departments: list[str]


async def read(session: AsyncSession, task: Task, *, viewer: Principal) -> TaskRead:
    plan = await plans.get(session, task.plan_id)
    assert plan is not None
    parts = TaskParts(
        task=task,
        year=plan.year,
        plan_filed_late=plan.filed_late,
        history=await repository.transitions(session, task.id),
        rounds=await repository.team_rounds(session, task.id),
        amendments=await repository.amendments(session, task.id),
        item_departments=await _item_departments(session, task),
    )
    return compose(parts, viewer=viewer)


async def read_by_id(db: Database, task_id: uuid.UUID, *, viewer: Principal) -> TaskRead:
    """``GET /v1/tasks/{id}``: the task, :func:`ensure_can_read` and what :func:`read` would answer,
    from one statement on a read connection (:func:`repository.read_document`): PostgreSQL writes the
    task as JSON, pydantic-core validates the bytes; the warnings and the viewer's redaction are
    applied here, as :func:`compose` applies them."""
    async with db.read_connection() as conn:
        found = await repository.read_document(conn, task_id)
    if found is None:
        raise not_found(task_id)
    document, plan_filed_late, item_departments = found
    task = TaskRead.model_validate_json(document)
    ensure_can_read(viewer, task)
    task.warnings = rules.task_warnings(
        year=task.year,
        inspection_start=task.inspection_start,
        inspection_end=task.inspection_end,
        plan_filed_late=plan_filed_late,
        departments=task.departments,
        item_departments=item_departments,
    )
    return as_seen_by(task, viewer)


def as_seen_by(task: TaskRead, viewer: Principal) -> TaskRead:
    """The task as ``viewer`` may see it: who was left out without a team only for those who may see
    who was drawn (:func:`may_see_drawn`); the others keep the counts."""
    if not may_see_drawn(viewer, task):
        for r in task.team_rounds:
            r.unassigned = None
        task.unassigned_entities = None
    return task


def compose(parts: TaskParts, *, viewer: Principal) -> TaskRead:
    """The task read from its parts, as ``viewer`` may see it (:func:`as_seen_by`)."""
    task = parts.task
    rounds = [
        TeamRoundRead(
            round=r.round,
            draw_id=r.draw_id,
            completes_draw_id=r.completes_draw_id,
            assigned=r.assigned,
            unassigned_count=len(r.unassigned),
            unassigned=r.unassigned,
            recorded_at=r.recorded_at,
        )
        for r in parts.rounds
    ]
    whole = TaskRead(
        id=task.id,
        name=task.name,
        plan_id=task.plan_id,
        year=parts.year,
        checklist_id=task.checklist_id,
        checklist_version=task.checklist_version,
        lead_department=task.lead_department,
        departments=task.departments,
        scope=task.scope,
        draw_type=task.draw_type,
        sampling_rules=task.sampling_rules,
        exclusion_days=task.exclusion_days,
        team_rules=task.team_rules,
        experts=task.experts,
        inspection_start=task.inspection_start,
        inspection_end=task.inspection_end,
        executing_body=task.executing_body,
        state=task.state,
        state_history=[
            TransitionRead(from_=h.from_state, to=h.to_state, by=h.by, at=h.at, reason=h.reason) for h in parts.history
        ],
        warnings=rules.task_warnings(
            year=parts.year,
            inspection_start=task.inspection_start,
            inspection_end=task.inspection_end,
            plan_filed_late=parts.plan_filed_late,
            departments=task.departments,
            item_departments=parts.item_departments,
        ),
        objects_draw_id=task.objects_draw_id,
        teams_draw_id=task.teams_draw_id,
        team_rounds=rounds,
        unassigned_entities=rounds[-1].unassigned if rounds else [],
        amendments=[
            TaskAmendmentRead(id=a.id, by=a.by, at=a.at, reason=a.reason, before=a.before, after=a.after)
            for a in parts.amendments
        ],
        version=task.version,
        created_at=task.created_at,
        updated_at=task.updated_at,
        created_by=task.created_by,
    )
    return as_seen_by(whole, viewer)


async def pinned_checklist(session: AsyncSession, task: Task) -> ChecklistRead:
    """The checklist version the task pinned, with its items as pinned then (never a newer one)."""
    return await checklist_service.get(session, checklist_id=task.checklist_id, version=task.checklist_version)


# ----------------------------------------------------------------- the spec


async def _resolve_spec(session: AsyncSession, *, plan: Plan, spec: dict[str, Any]) -> dict[str, Any]:
    """Defaults from the checklist, then every rule; one 422 lists every problem."""
    problems: list[dict[str, str]] = []
    lead = plan.lead_department
    checklist = await checklists.get(session, spec["checklist_id"])
    version = None
    if checklist is None:
        problems.append(rules.problem("checklist_id", f"no checklist {spec['checklist_id']}", "检查单不存在"))
    else:
        spec["checklist_version"] = spec.get("checklist_version") or checklist.current_version
        version = await checklists.get_version(session, checklist.id, spec["checklist_version"])
        if version is None:
            problems.append(
                rules.problem(
                    "checklist_version", f"the checklist has no version {spec['checklist_version']}", "检查单版本不存在"
                )
            )
        elif version.lead_department != lead:
            problems.append(
                rules.problem(
                    "checklist_id",
                    f"the checklist is led by {version.lead_department}, the plan by {lead}",
                    f"检查单的牵头部门为 {version.lead_department}，与计划的牵头部门 {lead} 不一致",
                )
            )
    if spec.get("departments") is None:
        spec["departments"] = dedupe([lead, *(version.cooperating_departments if version else [])])
    if spec.get("scope") is None:
        spec["scope"] = ObjectScope(industry_prefixes=list(version.industry_codes) if version else []).model_dump(
            mode="json"
        )
    departments, errs = rules.check_departments(spec["departments"], lead=lead)
    problems += errs
    sampling, errs = rules.check_sampling_rules(spec["sampling_rules"])
    problems += errs
    team, errs = rules.check_team_rules(spec.get("team_rules"), lead=lead, departments=departments)
    problems += errs
    experts, errs = rules.check_experts(spec.get("experts") or {})
    problems += errs
    problems += rules.check_window(spec["inspection_start"], spec["inspection_end"])
    if problems:
        raise UnprocessableEntity(
            f"the task has {len(problems)} problem(s)",
            detail_zh=f"抽查任务有 {len(problems)} 处问题",
            code="invalid_task",
            errors=problems,
        )
    return spec | {
        "lead_department": lead,
        "departments": departments,
        "sampling_rules": sampling,
        "team_rules": team,
        "experts": experts,
        "executing_body": spec.get("executing_body") or lead,
    }


def _record(session: AsyncSession, task: Task, *, frm: str | None, to: str, by: str, reason: str) -> None:
    session.add(TaskTransition(task_id=task.id, from_state=frm, to_state=to, by=by, at=now_utc(), reason=reason))


async def _ensure_known_departments(registry: RegistryClient, spec: dict[str, Any]) -> None:
    await departments.ensure_known(
        registry,
        {
            "departments": spec["departments"],
            "team_rules.required_departments": spec["team_rules"]["required_departments"],
            "scope.departments": (spec["scope"] or {}).get("departments", []),
        },
    )


async def create(session: AsyncSession, *, data: TaskCreate, actor: Principal, registry: RegistryClient) -> Task:
    plan = await plans.get(session, data.plan_id)
    if plan is None:
        raise UnprocessableEntity(
            f"no plan {data.plan_id}",
            detail_zh="年度计划不存在",
            code="invalid_task",
            errors=[rules.problem("plan_id", f"no plan {data.plan_id}", "年度计划不存在")],
        )
    ensure_department(actor, plan.lead_department, action="create tasks in plans of")
    spec = data.model_dump(mode="python", exclude={"plan_id"})
    spec["scope"] = data.scope.model_dump(mode="json") if data.scope else None
    spec["team_rules"] = data.team_rules.model_dump(exclude_none=True) if data.team_rules else None
    spec = await _resolve_spec(session, plan=plan, spec=spec)
    await _ensure_known_departments(registry, spec)
    now = now_utc()
    task = Task(
        id=uuid.uuid4(),
        plan_id=plan.id,
        state="draft",
        version=1,
        created_at=now,
        updated_at=now,
        created_by=actor_name(actor),
        **{f: spec[f] for f in SPEC_FIELDS},
    )
    session.add(task)
    await session.flush()
    _record(session, task, frm=None, to="draft", by=actor_name(actor), reason="created")
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="task.create",
        object_type="task",
        object_id=str(task.id),
        data={"plan_id": str(plan.id)} | _audit_spec(spec),
    )
    return task


async def update(
    session: AsyncSession,
    *,
    task_id: uuid.UUID,
    data: TaskUpdate,
    actor: Principal,
    if_match: str | None,
    registry: RegistryClient,
) -> Task:
    """Change a draft task (its spec is frozen once approved)."""
    task = await get_task(session, task_id, for_update=True)
    ensure_lead(actor, task, action="change")
    check_if_match(if_match, current=task.version, what=f"task {task.name}", what_zh=f"抽查任务 {task.name}")
    if task.state != "draft":
        raise InvalidState(
            f"task is {task.state}; only a draft task can be changed",
            detail_zh="只有草稿状态的任务可以修改",
            current_state=task.state,
        )
    plan = await plans.get(session, task.plan_id)
    assert plan is not None
    changes = data.model_dump(exclude_unset=True)
    spec = {f: getattr(task, f) for f in SPEC_FIELDS}
    if (
        "checklist_id" in changes
        and changes["checklist_id"] != task.checklist_id
        and "checklist_version" not in changes
    ):
        spec["checklist_version"] = None  # another checklist: pin its current version
    for key, value in changes.items():
        if value is None:
            continue
        if key == "scope":
            value = data.scope.model_dump(mode="json") if data.scope else None
        elif key == "team_rules":
            value = dict(task.team_rules) | (data.team_rules.model_dump(exclude_none=True) if data.team_rules else {})
        spec[key] = value
    spec = await _resolve_spec(session, plan=plan, spec=spec)
    await _ensure_known_departments(registry, spec)
    for f in SPEC_FIELDS:
        setattr(task, f, spec[f])
    task.version += 1
    task.updated_at = now_utc()
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="task.update",
        object_type="task",
        object_id=str(task.id),
        data={"version": task.version, "changed": sorted(changes)} | _audit_spec(spec),
    )
    return task


def _audit_spec(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        f: (str(spec[f]) if f in ("checklist_id", "inspection_start", "inspection_end") else spec[f])
        for f in SPEC_FIELDS
    }


# ----------------------------------------------------------------- state machine


async def transition(
    db: Database, *, task_id: uuid.UUID, data: TaskTransitionCreate, actor: Principal, registry: RegistryClient
) -> Task:
    """approve, start, complete, close, cancel; anything else is 409 naming the current state.

    Approval needs the plan published and enough inspectors for every expected entity. The
    registry is asked with no transaction open (read → ask → one short transaction that locks
    the task and refuses if it changed meanwhile); cancelling needs a reason and no draw yet.
    """
    to = data.to.value
    async with db.transaction() as session:
        task = await get_task(session, task_id)
        ensure_lead(actor, task, action="move")
        _ensure_human_transition(task, to)
        if to == "approved":
            await _ensure_plan_published(session, task)
    seen_version = task.version
    capacity = await capacity_of(task, registry=registry) if to == "approved" else None
    async with db.transaction() as session:
        return await _transition_locked(
            session, task_id=task_id, to=to, data=data, actor=actor, capacity=capacity, seen_version=seen_version
        )


async def _transition_locked(
    session: AsyncSession,
    *,
    task_id: uuid.UUID,
    to: str,
    data: TaskTransitionCreate,
    actor: Principal,
    capacity: TeamCapacityRead | None,
    seen_version: int,
) -> Task:
    task = await get_task(session, task_id, for_update=True)
    _ensure_human_transition(task, to)
    if capacity is not None and task.version != seen_version:
        raise Conflict(
            "the task changed while its capacity was being checked; try again",
            detail_zh="核算执法力量期间任务已被修改，请重试",
            code="task_changed",
        )
    if capacity is not None and not capacity.sufficient:
        short = [f"{d.department} {d.shortfall}" for d in capacity.by_department if d.shortfall]
        short_zh = [f"{d.department} 缺 {d.shortfall} 户" for d in capacity.by_department if d.shortfall]
        if capacity.seat_shortfall:
            short.append(f"{capacity.seat_shortfall} team seats")
            short_zh.append(f"缺 {capacity.seat_shortfall} 人次")
        raise Conflict(
            f"the inspector pool cannot staff the {capacity.expected_entities} expected entities "
            f"(short: {', '.join(short) or 'one whole team'})",
            detail_zh=f"执法人员力量不足，无法为预计 {capacity.expected_entities} 户检查对象组队"
            f"（{'；'.join(short_zh) or '不足一个检查组'}）",
            code="insufficient_capacity",
            extra={
                "shortfall": {d.department: d.shortfall for d in capacity.by_department if d.shortfall},
                "seat_shortfall": capacity.seat_shortfall,
                "capacity": capacity.model_dump(mode="json"),
            },
        )
    if to == "cancelled":
        if len(data.reason.strip()) < 5:
            raise UnprocessableEntity(
                "a cancelled task needs a reason (at least 5 characters)",
                detail_zh="取消任务须说明理由（至少5个字符）",
                code="reason_required",
                errors=[rules.problem("reason", "required to cancel", "取消任务须说明理由")],
            )
        if task.objects_draw_id is not None:
            raise InvalidState(
                "the task has been drawn; void its draws first",
                detail_zh="任务已抽取，不能取消",
                current_state=task.state,
            )
    frm = task.state
    _record(session, task, frm=frm, to=to, by=actor_name(actor), reason=data.reason)
    task.state = to
    task.version += 1
    task.updated_at = now_utc()
    await session.flush()
    audit: dict[str, Any] = {"from": frm, "to": to, "reason": data.reason}
    if capacity is not None:
        audit["capacity"] = capacity.model_dump(mode="json")
    await record_audit(
        session, actor=actor, action=f"task.{to}", object_type="task", object_id=str(task.id), data=audit
    )
    if to == "approved":
        await publish(session, destination="results", event=await approved_event(session, task))
    return task


async def approved_event(session: AsyncSession, task: Task) -> TaskApproved:
    """What results files an approved task's inspections under: the task and its pinned items."""
    plan = await plans.get(session, task.plan_id)
    assert plan is not None
    checklist = await pinned_checklist(session, task)
    return TaskApproved(
        task_id=task.id,
        plan_id=plan.id,
        plan_year=plan.year,
        plan_name=plan.name,
        name=task.name,
        draw_type=str(task.draw_type),
        lead_department=task.lead_department,
        departments=list(task.departments),
        inspection_start=task.inspection_start,
        inspection_end=task.inspection_end,
        checklist_id=task.checklist_id,
        checklist_version=task.checklist_version,
        items=[
            TaskItem(
                position=e.position,
                item_id=str(e.item_id),
                item_version=e.item_version,
                department=e.department,
                code=e.code,
                name=e.name,
                legal_basis=e.legal_basis,
                content=e.content,
                methods=[str(m) for m in e.methods],
            )
            for e in checklist.items
        ],
    )


async def apply_progress(session: AsyncSession, *, task_id: uuid.UUID, to: str, source: str, topic: str) -> bool:
    """results → planning: the first visit (→ in_progress) and every inspection approved (→ completed).

    Tolerant of order and of people: a task already at or past ``to`` stays; one whose teams are not
    all assigned yet (objects_drawn) waits for them; ``completed`` from ``teams_assigned`` records both
    steps (the first visit's event may have found the teams incomplete).
    """
    order = ["teams_assigned", "in_progress", "completed", "results_published", "closed"]
    task = await repository.get(session, task_id, for_update=True)
    if task is None:
        raise Conflict(f"no task {task_id}", detail_zh=f"抽查任务 {task_id} 不存在", code="unknown_task")
    if task.state not in order or order.index(task.state) >= order.index(to):
        return False
    moved = False
    while order.index(task.state) < order.index(to):
        frm = task.state
        await apply_event(session, task_id=task_id, frm=frm, to=order[order.index(frm) + 1], source=source, topic=topic)
        moved = True
    return moved


def _ensure_human_transition(task: Task, to: str) -> None:
    if (task.state, to) in HUMAN_TRANSITIONS:
        return
    if to in EVENT_DRIVEN:
        detail = f"{to} is set by the {EVENT_DRIVEN[to]} service, not by hand (task is {task.state})"
        detail_zh = f"{to} 状态由{EVENT_DRIVEN[to]}服务设置，不能手工变更（当前状态 {task.state}）"
    else:
        detail = f"a task in state {task.state} cannot move to {to}"
        detail_zh = f"任务当前状态为 {task.state}，不能变为 {to}"
    raise InvalidState(detail, detail_zh=detail_zh, current_state=task.state)


async def _ensure_plan_published(session: AsyncSession, task: Task) -> None:
    """Only what the public can see is drawn: the task's plan must be published (一公开)."""
    plan = await plans.get(session, task.plan_id)
    assert plan is not None
    if plan.state != "published":
        raise InvalidState(
            f"the task's plan is {plan.state}: a task is approved only under a published plan",
            detail_zh=f"所属年度计划当前为 {plan.state} 状态，计划公布后任务方可审批",
            code="plan_not_published",
            current_state=task.state,
            extra={"plan_state": plan.state},
        )


async def capacity_of(task: Task, *, registry: RegistryClient) -> TeamCapacityRead:
    """The pool against the expected entities, from the registry now (an upper bound: exclusions come later)."""
    counts = await registry.frame_counts(task.scope)
    sizes = rules.expected_sizes(task.sampling_rules, counts.by_class)
    return await _capacity(
        task, registry=registry, expected=sum(s["expected_sample"] for s in sizes.values()), version=counts.version
    )


async def _capacity(task: Task, *, registry: RegistryClient, expected: int, version: int) -> TeamCapacityRead:
    team = task.team_rules
    pool = await registry.inspector_pool(team["required_departments"], as_of=version)
    eligible: dict[str, int] = {}
    for line in pool.text.splitlines():
        dept = line.split("\t")[1]
        eligible[dept] = eligible.get(dept, 0) + 1
    cap = rules.team_capacity(
        expected_entities=expected,
        required_departments=team["required_departments"],
        team_size=team["team_size"],
        max_load=team["max_load"],
        eligible=eligible,
    )
    return TeamCapacityRead(**cap, registry_version=pool.registry_version)


# ----------------------------------------------------------------- team rounds and amendments

#: While teams are being drawn (or before), the team rules may still be amended, with a reason.
AMENDABLE_STATES = ("approved", "objects_drawn")


async def amend(session: AsyncSession, *, task_id: uuid.UUID, data: TaskAmendmentCreate, actor: Principal) -> Task:
    """Change the team rules of an approved task whose teams are not complete: recorded with reason,
    who and when, and audited. The next (supplementary) teams draw uses the amended rules."""
    task = await get_task(session, task_id, for_update=True)
    ensure_lead(actor, task, action="amend")
    if task.state not in AMENDABLE_STATES:
        raise InvalidState(
            f"task is {task.state}; team rules can be amended only while teams are not complete "
            f"({', '.join(AMENDABLE_STATES)})",
            detail_zh="只有在检查组尚未全部组成时才能变更组队规则",
            current_state=task.state,
        )
    before = dict(task.team_rules)
    team, problems = rules.check_team_rules(
        before | data.team_rules.model_dump(exclude_none=True), lead=task.lead_department, departments=task.departments
    )
    if problems:
        raise UnprocessableEntity(
            f"the team rules have {len(problems)} problem(s)",
            detail_zh=f"组队规则有 {len(problems)} 处问题",
            code="invalid_task",
            errors=problems,
        )
    by, now = actor_name(actor), now_utc()
    session.add(TaskAmendment(task_id=task.id, by=by, at=now, reason=data.reason, before=before, after=team))
    task.team_rules = team
    task.version += 1
    task.updated_at = now
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="task.amend",
        object_type="task",
        object_id=str(task.id),
        data={"reason": data.reason, "before": before, "after": team},
    )
    return task


async def apply_teams_round(session: AsyncSession, *, event: TaskTeamsAssigned, source: str) -> bool:
    """Record an executed teams round; the task moves objects_drawn → teams_assigned once no entity is left out.

    Round 1 is the teams draw; round n > 1 completes round n − 1 (the draw it names). A round already
    recorded for the same draw changes nothing; anything that does not fit raises a conflict (dead-lettered).
    """
    task = await repository.get(session, event.task_id, for_update=True)
    if task is None:
        raise Conflict(f"no task {event.task_id}", detail_zh=f"抽查任务 {event.task_id} 不存在", code="unknown_task")
    existing = await repository.team_round(session, task.id, event.round)
    if existing is not None and existing.draw_id == event.draw_id:
        return False
    if task.state != "objects_drawn" or existing is not None:
        raise InvalidState(
            f"{event.topic}: task {task.id} is {task.state} (round {event.round} already recorded: "
            f"{existing is not None})",
            detail_zh=f"{event.topic}：任务当前状态为 {task.state}",
            current_state=task.state,
        )
    if event.round > 1:
        previous = await repository.team_round(session, task.id, event.round - 1)
        if previous is None or previous.draw_id != event.completes_draw_id:
            raise InvalidState(
                f"{event.topic}: round {event.round} does not complete the task's round {event.round - 1}",
                detail_zh="补充选派与上一轮不符",
                code="not_active_draw",
                current_state=task.state,
            )
    elif task.teams_draw_id not in (None, event.draw_id):
        raise InvalidState(
            f"{event.topic}: the task already has teams draw {task.teams_draw_id}",
            detail_zh="该任务已有人员选派",
            code="not_active_draw",
            current_state=task.state,
        )
    now = now_utc()
    session.add(
        TaskTeamRound(
            task_id=task.id,
            round=event.round,
            draw_id=event.draw_id,
            completes_draw_id=event.completes_draw_id,
            assigned=event.assigned,
            unassigned=[u.model_dump() for u in event.unassigned],
            recorded_at=now,
        )
    )
    if event.round == 1:
        task.teams_draw_id = event.draw_id
    by = f"service:{source}"
    service = Principal(subject=by, roles=frozenset({Role.service.value}))
    audit = {
        "round": event.round,
        "draw_id": event.draw_id,
        "assigned": event.assigned,
        "unassigned": len(event.unassigned),
    }
    if event.unassigned:
        task.version += 1
        task.updated_at = now
        await session.flush()
        await record_audit(
            session,
            actor=service,
            action="task.teams_incomplete",
            object_type="task",
            object_id=str(task.id),
            data=audit,
        )
        return True
    _record(
        session,
        task,
        frm="objects_drawn",
        to="teams_assigned",
        by=by,
        reason=f"{event.topic} (draw {event.draw_id}, round {event.round})",
    )
    task.state = "teams_assigned"
    task.version += 1
    task.updated_at = now
    await session.flush()
    await record_audit(
        session,
        actor=service,
        action="task.teams_assigned",
        object_type="task",
        object_id=str(task.id),
        data={"from": "objects_drawn", "to": "teams_assigned", "topic": event.topic} | audit,
    )
    return True


async def void_teams_round(session: AsyncSession, *, event: TaskDrawVoided, source: str) -> bool:
    """A voided teams round is forgotten: its entities are without a team again (teams_assigned → objects_drawn)."""
    task = await repository.get(session, event.task_id, for_update=True)
    if task is None:
        raise Conflict(f"no task {event.task_id}", detail_zh=f"抽查任务 {event.task_id} 不存在", code="unknown_task")
    rounds = await repository.team_rounds(session, task.id)
    mine = [r for r in rounds if r.draw_id == event.draw_id]
    if not mine:
        return False  # never recorded, or already forgotten
    if mine[0].round != rounds[-1].round:
        raise InvalidState(
            f"{event.topic}: round {mine[0].round} is not the task's last teams round",
            detail_zh="只能作废最后一轮人员选派",
            code="not_active_draw",
            current_state=task.state,
        )
    if task.state not in ("objects_drawn", "teams_assigned"):
        raise InvalidState(
            f"{event.topic}: task {task.id} is {task.state}",
            detail_zh=f"任务当前状态为 {task.state}",
            current_state=task.state,
        )
    await session.delete(mine[0])
    if mine[0].round == 1:
        task.teams_draw_id = None
    by = f"service:{source}"
    if task.state == "teams_assigned":
        _record(
            session,
            task,
            frm="teams_assigned",
            to="objects_drawn",
            by=by,
            reason=f"{event.topic} (draw {event.draw_id}, round {mine[0].round})",
        )
        task.state = "objects_drawn"
    task.version += 1
    task.updated_at = now_utc()
    await session.flush()
    service = Principal(subject=by, roles=frozenset({Role.service.value}))
    await record_audit(
        session,
        actor=service,
        action="task.teams_round_voided",
        object_type="task",
        object_id=str(task.id),
        data={"round": mine[0].round, "draw_id": event.draw_id, "state": task.state},
    )
    return True


async def apply_event(
    session: AsyncSession,
    *,
    task_id: uuid.UUID,
    frm: str,
    to: str,
    source: str,
    topic: str,
    draw_kind: str | None = None,
    draw_id: str | None = None,
    voided: bool = False,
) -> bool:
    """Move a task on behalf of another service. Already there: nothing to do (returns False).

    From any state but ``frm`` it raises a conflict, which dead-letters the event at the
    sender where operators see it.
    """
    task = await repository.get(session, task_id, for_update=True)
    if task is None:
        raise Conflict(f"no task {task_id}", detail_zh=f"抽查任务 {task_id} 不存在", code="unknown_task")
    if task.state == to:
        return False
    if task.state != frm:
        raise InvalidState(
            f"{topic}: task {task_id} is {task.state}, expected {frm}",
            detail_zh=f"{topic}：任务当前状态为 {task.state}，应为 {frm}",
            current_state=task.state,
        )
    attr = f"{draw_kind}_draw_id" if draw_kind else None
    if voided and attr and draw_id and getattr(task, attr) not in (None, draw_id):
        raise InvalidState(
            f"{topic}: draw {draw_id} is not the task's active {draw_kind} draw ({getattr(task, attr)})",
            detail_zh="作废的抽取不是该任务当前有效的抽取",
            code="not_active_draw",
            current_state=task.state,
        )
    if attr:
        setattr(task, attr, None if voided else draw_id)
    by = f"service:{source}"
    reason = topic + (f" (draw {draw_id})" if draw_id else "")
    _record(session, task, frm=frm, to=to, by=by, reason=reason)
    task.state = to
    task.version += 1
    task.updated_at = now_utc()
    await session.flush()
    service = Principal(subject=by, roles=frozenset({Role.service.value}))
    await record_audit(
        session,
        actor=service,
        action=f"task.{to}",
        object_type="task",
        object_id=str(task.id),
        data={"from": frm, "to": to, "topic": topic, "draw_id": draw_id},
    )
    return True


# ----------------------------------------------------------------- preview


async def preview(db: Database, *, task: Task, registry: RegistryClient) -> TaskPreview:
    """Population and expected sample per class from the registry's current counts (no draw).

    The registry is asked with no transaction open; planning's own warnings are read after, in a
    short one."""
    counts = await registry.frame_counts(task.scope)
    sizes = rules.expected_sizes(task.sampling_rules, counts.by_class)
    by_class = {c: ClassPreview(rule=task.sampling_rules[c], **sizes[c]) for c in rules.CLASSES}
    expected = sum(s["expected_sample"] for s in sizes.values())
    capacity = await _capacity(task, registry=registry, expected=expected, version=counts.version)
    async with db.transaction() as session:
        plan = await plans.get(session, task.plan_id)
        assert plan is not None
        warnings = await warnings_of(session, task, plan)
    return TaskPreview(
        task_id=task.id,
        registry_version=counts.version,
        scope=task.scope,
        by_class=by_class,
        total_population=sum(s["population"] for s in sizes.values()),
        total_expected_sample=sum(s["expected_sample"] for s in sizes.values()),
        total_expected_alternates=sum(s["expected_alternates"] for s in sizes.values()),
        exclusion_days=task.exclusion_days,
        note=(
            f"预计数按当前名录库计算，尚未排除近{task.exclusion_days}天内已检查的主体，实际抽取以抽取时为准 / "
            f"counts are before excluding entities inspected in the last {task.exclusion_days} days; "
            "the draw uses the registry as of its own time"
        ),
        capacity=capacity,
        warnings=warnings + rules.capacity_warnings(capacity.model_dump()),
    )
