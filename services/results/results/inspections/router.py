"""HTTP routes of inspections: lists and reads (who was drawn stays with those involved), the on-site
visit, each department's findings, submission, the lead department's review, overdue lists, and two
queries sampling makes before a draw."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Annotated

from fastapi import Depends, Query, Response

from jointcheck import visibility
from jointcheck.auth import Principal, Reader, Role, access_rule, require_roles
from jointcheck.clients import Registry
from jointcheck.db import Db, Session
from jointcheck.errors import InvalidStateProblem, problem_responses
from jointcheck.pagination import Cursor, Limit, Page, page_of
from jointcheck.queryparams import HandQuery
from jointcheck.routing import APIRouter, model_response
from results.inspections import repository, service
from results.inspections.models import STATES
from results.inspections.schemas import (
    FindingsWrite,
    InspectionDetail,
    InspectionRead,
    InspectionReview,
    InspectionSubmit,
    InspectionVisit,
    LastInspectors,
    LastInspectorsQuery,
    OverdueRead,
    RecentlyInspected,
    RecentlyInspectedQuery,
)
from results.problems import FindingsStateProblem

router = APIRouter(prefix="/v1/inspections", tags=["inspections"])

OVERDUE_RULE = access_rule(
    "filtered as the inspection list (jointcheck.visibility)",
    "按权限过滤，与检查列表相同",
)
FINDINGS_RULE = access_rule(
    "each item only by the team's inspectors from the item's department",
    "每个检查事项仅由检查组中该事项所属部门的检查人员录入",
)
SUBMIT_RULE = access_rule(
    "the inspection's team members",
    "仅该检查的检查组成员",
)
REVIEW_RULE = access_rule(
    "officers of the task's lead department",
    "仅任务牵头部门的执法人员",
)

INSPECTIONS_FILTERED_RULE = access_rule(
    "filtered: officers see their departments' tasks, inspectors the inspections they are on (jointcheck.visibility)",
    "按权限过滤：部门执法人员只看到本部门参与任务的检查，检查人员只看到自己所在检查组的检查",
)
INSPECTION_VISIBLE_RULE = access_rule(
    "officers of the task's departments; inspectors on its team (jointcheck.visibility)",
    "仅任务所涉部门的执法人员；检查人员仅限本检查组",
)
VISIT_RULE = access_rule(
    "the team's members; officers of the team's departments",
    "仅检查组成员及检查组所涉部门的执法人员",
)
# Every entity inspected and every inspector sent: for those who see every task (jointcheck.visibility).
_sampling = Depends(require_roles(*visibility.SEE_ALL))
_team_work = Depends(require_roles(Role.admin, Role.inspector))
_reviewers = Depends(require_roles(Role.admin, Role.officer))
VISIBILITY = (
    "Visible to admins, auditors and services, to officers of the task's departments, and to inspectors "
    "on the inspection's team (jointcheck.visibility). 仅联席办、审计、服务、任务参与部门及检查组成员可见。"
)
StateQuery = Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$", description=" / ".join(STATES))]
Dept = Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9_]{1,15}$", description="a department of the task / 部门")]
TaskId = Annotated[str | None, Query(min_length=1, max_length=64)]


def _documented_list(
    task_id: TaskId = None,
    state: StateQuery = None,
    uscc: Annotated[str | None, Query(min_length=18, max_length=18)] = None,
    department: Dept = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> None:
    """The inspection list's parameters, read by :data:`LIST_QUERY` (no per-parameter FastAPI cost)."""


LIST_QUERY = HandQuery(_documented_list)


def _page(rows, limit):
    return page_of(rows, limit, read=service.read_model, cursor_of=lambda i: {"after": [i.uscc, str(i.id)]})


@router.get(
    "",
    openapi_extra=INSPECTIONS_FILTERED_RULE | LIST_QUERY.documented(),
    response_model=Page[InspectionRead],
    summary="检查列表 / List inspections",
    description="The inspections the caller may see, by entity; filter by task, state, entity or department. "
    + VISIBILITY,
    responses=problem_responses(400, 401, 403, 422),
)
async def list_inspections(db: Db, user: Reader, q: Annotated[SimpleNamespace, Depends(LIST_QUERY)]) -> Response:
    page = await service.list_visible_page(
        db,
        user=user,
        task_id=q.task_id,
        cursor=q.cursor,
        limit=q.limit,
        state=q.state,
        uscc=q.uscc,
        department=q.department,
    )
    return page if isinstance(page, Response) else model_response(Page[InspectionRead], page)


@router.get(
    "/overdue",
    openapi_extra=OVERDUE_RULE,
    response_model=OverdueRead,
    summary="逾期未办结检查 / Overdue inspections",
    description="Inspections past their due date (20 working days after the task's window) and not yet "
    "approved, per task or department, with counts per department; years whose calendar is not loaded are "
    "named (their due dates are unknown, never guessed). " + VISIBILITY,
    responses=problem_responses(400, 401, 422),
)
async def overdue_inspections(
    session: Session,
    user: Reader,
    task_id: TaskId = None,
    department: Dept = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> OverdueRead:
    summary, rows = await service.overdue(
        session, user=user, task_id=task_id, department=department, cursor=cursor, limit=limit + 1
    )
    page = _page(rows, limit)
    summary.items = page.items
    return summary


@router.get(
    "/{inspection_id}",
    openapi_extra=INSPECTION_VISIBLE_RULE,
    response_model=InspectionDetail,
    summary="检查详情 / One inspection",
    description="With its team, items, every finding and its history. " + VISIBILITY,
    responses=problem_responses(401, 403, 404),
)
async def get_inspection(inspection_id: uuid.UUID, session: Session, user: Reader) -> InspectionDetail:
    inspection = await service.get(session, inspection_id=inspection_id, user=user)
    return await service.detail(session, inspection)


@router.post(
    "/{inspection_id}/visit",
    openapi_extra=VISIT_RULE,
    response_model=InspectionRead,
    summary="记录实施检查 / Record the on-site visit",
    description="By a member of the inspection's team, an officer of a department the team is drawn from, "
    "or an admin. The task's first visit moves it to in_progress in planning. "
    "仅检查组成员、其所属部门执法人员及联席办可记录。",
    responses=problem_responses(401, 403, 404, 409, 422, problems=(InvalidStateProblem,)),
)
async def record_visit(
    inspection_id: uuid.UUID,
    body: InspectionVisit,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin, Role.officer, Role.inspector))],
) -> InspectionRead:
    return service.read_model(
        await service.record_visit(session, inspection_id=inspection_id, inspected_on=body.inspected_on, actor=user)
    )


@router.put(
    "/{inspection_id}/findings",
    openapi_extra=FINDINGS_RULE,
    response_model=InspectionDetail,
    summary="录入检查结果 / Record findings",
    description="Findings on items of this inspection (compliant / non-compliant / not applicable, method, notes, "
    "evidence metadata); each item only by the team's inspectors drawn from the item's department (谁检查、谁录入), "
    "or an admin. All or none; a finding given again replaces the earlier one. Not after submission (until "
    "returned) or approval. 仅检查组中负责该事项部门的执法人员或联席办可录入。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        problems=(
            FindingsStateProblem,
            InvalidStateProblem,
        ),
    ),
    dependencies=[_team_work],
)
async def record_findings(
    inspection_id: uuid.UUID, body: FindingsWrite, session: Session, user: Reader
) -> InspectionDetail:
    inspection = await service.record_findings(session, inspection_id=inspection_id, body=body, actor=user)
    return await service.detail(session, inspection)


@router.post(
    "/{inspection_id}/submit",
    openapi_extra=SUBMIT_RULE,
    response_model=InspectionDetail,
    summary="提交检查结果 / Submit for review",
    description="Once the visit is recorded and every item has a finding: the overall result categories "
    "(from the result-category dictionary). A team member or an admin. 检查组成员或联席办提交。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        problems=(
            FindingsStateProblem,
            InvalidStateProblem,
        ),
    ),
    dependencies=[_team_work],
)
async def submit_inspection(
    inspection_id: uuid.UUID, body: InspectionSubmit, session: Session, user: Reader
) -> InspectionDetail:
    inspection = await service.submit(session, inspection_id=inspection_id, body=body, actor=user)
    return await service.detail(session, inspection)


@router.post(
    "/{inspection_id}/review",
    openapi_extra=REVIEW_RULE,
    response_model=InspectionDetail,
    summary="审核检查结果 / Review (approve or return)",
    description="The lead department's officers (牵头部门) or an admin. Return needs a reason; the inspection is "
    "editable again. Approval is final: it marks the inspection late if approved after its due date, opens a "
    "follow-up case per non-compliant finding, and queues the publication record for GSXT (exactly once). "
    "仅牵头部门或联席办审核。",
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, problems=(InvalidStateProblem,)),
    dependencies=[_reviewers],
)
async def review_inspection(
    inspection_id: uuid.UUID, body: InspectionReview, db: Db, user: Reader, registry: Registry
) -> InspectionDetail:
    async with db.transaction() as session:  # refuse early, before asking the registry
        inspection = await service._get(session, inspection_id)
        visibility.ensure_can_review_inspection(user, lead_department=inspection.lead_department)
        uscc = inspection.uscc
    entity_name = None
    if body.decision == "approve":
        entity = await registry.entity(uscc)
        entity_name = entity.name if entity else None
    async with db.transaction() as session:
        inspection = await service.review(
            session, inspection_id=inspection_id, body=body, actor=user, entity_name=entity_name
        )
        return await service.detail(session, inspection)


@router.post(
    "/recently-inspected",
    response_model=RecentlyInspected,
    dependencies=[_sampling],
    summary="近期已检查主体 / Entities inspected since a date",
    description="Used by sampling to apply a task's exclusion window (services, admins, auditors). "
    "供随机抽取服务排除近期已检查对象。",
    responses=problem_responses(401, 403, 422),
)
async def recently_inspected(body: RecentlyInspectedQuery, session: Session) -> RecentlyInspected:
    return RecentlyInspected(since=body.since, usccs=await repository.inspected_since(session, body.since))


@router.post(
    "/last-inspectors",
    response_model=LastInspectors,
    dependencies=[_sampling],
    summary="上次检查人员 / Inspectors of each entity's last inspection",
    description="Used by teams draws: the same inspector is not sent to the same entity twice in a row "
    "(services, admins, auditors). 供编组抽取避免同一检查人员连续检查同一主体。",
    responses=problem_responses(401, 403, 422),
)
async def last_inspectors(body: LastInspectorsQuery, session: Session) -> LastInspectors:
    return LastInspectors(last=await repository.last_inspectors(session, body.usccs))
