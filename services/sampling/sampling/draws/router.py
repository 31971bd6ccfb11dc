"""HTTP routes of draws (抽取): create, register, entropy, void, status, result, bundle, public view."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from jointcheck.auth import Principal, Reader, Role, Writer, access_rule, require_roles
from jointcheck.clients import Audit, Planning, Registry, Results
from jointcheck.db import Db, Session
from jointcheck.errors import Forbidden, problem_responses
from jointcheck.pagination import Cursor, Limit, Page, created_keyset, cursor_field, page_of, parse_created_keyset
from jointcheck.routing import APIRouter, model_response
from jointcheck.settings import Settings
from sampling.draws import repository, service
from sampling.draws.models import Draw
from sampling.draws.schemas import DrawCreate, DrawEntropy, DrawKind, DrawRead, DrawStatus, DrawVoid, PublicDrawRead
from sampling.problems import (
    ActiveDrawProblem,
    BundleNotPublicProblem,
    DrawCheckProblem,
    DrawStateProblem,
    EntropyAlreadyAcceptedProblem,
    NotLatestRoundProblem,
    TaskStartedProblem,
)

router = APIRouter(prefix="/v1/draws", tags=["draws"])
public_router = APIRouter(prefix="/public/draws", tags=["public"])

TASK_LEAD_RULE = access_rule(
    "officers of the task's lead department",
    "仅任务牵头部门的执法人员",
)
RESULT_VISIBLE_RULE = access_rule(
    "officers of the task's departments (jointcheck.visibility)",
    "仅任务所涉部门的执法人员",
)
BUNDLE_PUBLIC_RULE = access_rule(
    "from the day after the task's inspection window",
    "自任务检查期结束次日起公开",
)
# The audit service fetches bundles to replay every draw (with its service token).
Auditors = Annotated[Principal, Depends(require_roles(Role.admin, Role.auditor, Role.service))]


# Creating, registering, executing and voiding call other services between short transactions
# of their own (no transaction is held across the network), so they take the database, not a Session.


@router.post(
    "",
    openapi_extra=TASK_LEAD_RULE,
    response_model=DrawRead,
    status_code=201,
    summary="冻结并承诺抽取 / Freeze and commit a draw",
    description=(
        "Fetches the task from planning, the frame (or pool and recusals) from the registry and the exclusions "
        "from results; freezes them; draws a secret from a CSPRNG; builds the canonical announcement and registers "
        "it with the audit service. With a receipt the draw is `committed` and awaits entropy; if audit is "
        "unreachable it stays `frozen` (retry `POST /v1/draws/{id}/register`) and refuses entropy. One active "
        "draw per task, kind and round (409 otherwise; void the old one with a reason).\n\n"
        "A teams draw that leaves entities unassigned is completed by a **supplementary round** "
        "(`completes_draw_id` = the task's latest teams draw): a full draw-v1 teams draw whose entities are exactly "
        "that draw's unassigned ones, with the task's current (possibly amended) team rules and pool; inspectors whose "
        "earlier rounds reached `max_load` are barred in its constraints file (`load cap reached in round n`), as are "
        "`exclude_inspectors` with their reasons.\n\n"
        "冻结输入、生成秘密值并承诺，公告在审计服务登记后方可提供随机值。每个任务每类抽取仅一个有效抽取。"
    ),
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        503,
        problems=(
            ActiveDrawProblem,
            NotLatestRoundProblem,
            DrawStateProblem,
            DrawCheckProblem,
        ),
    ),
)
async def create_draw(
    body: DrawCreate,
    settings: Settings,
    db: Db,
    user: Writer,
    planning: Planning,
    registry: Registry,
    results: Results,
    audit: Audit,
) -> DrawRead:
    callees = service.Callees(planning=planning, registry=registry, results=results, audit=audit)
    draw = await service.create(
        db,
        settings=settings,
        callees=callees,
        task_id=body.task_id,
        kind=body.kind,
        entropy_source=body.entropy_source,
        actor=user,
        completes_draw_id=body.completes_draw_id,
        exclude_inspectors=[(e.inspector_id, e.reason) for e in body.exclude_inspectors],
    )
    return DrawRead.model_validate(draw)


@router.post(
    "/{draw_id}/register",
    openapi_extra=TASK_LEAD_RULE,
    response_model=DrawRead,
    summary="重新登记公告 / Retry registering the announcement",
    description="Admins or officers of the task's lead department, as for drawing. 与抽取权限相同。",
    responses=problem_responses(401, 403, 404, 409, problems=(DrawStateProblem,)),
)
async def register_draw(draw_id: uuid.UUID, db: Db, user: Writer, audit: Audit) -> DrawRead:
    return DrawRead.model_validate(await service.register(db, audit=audit, draw_id=draw_id, actor=user))


@router.post(
    "/{draw_id}/entropy",
    openapi_extra=TASK_LEAD_RULE,
    response_model=DrawRead,
    summary="提供公开随机值并执行 / Supply entropy and execute",
    description="Accepted only after the audit receipt. The first accepted value is recorded before the draw "
    "executes and is final: if execution is interrupted, a retry with the same value completes the draw, "
    "any other value is 409 `entropy_already_accepted`. A task no longer in the state the draw needs (e.g. "
    "cancelled meanwhile) is 409 `task_state`. The result is announced to planning (and, for "
    "teams, to results). 仅在登记回执之后接受；首次接受的随机值先行记录且不可更改，重试须提供相同的值。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        problems=(
            DrawStateProblem,
            EntropyAlreadyAcceptedProblem,
            DrawCheckProblem,
        ),
    ),
)
async def supply_entropy(
    draw_id: uuid.UUID, body: DrawEntropy, settings: Settings, db: Db, user: Writer, planning: Planning
) -> DrawRead:
    return DrawRead.model_validate(
        await service.supply_entropy(
            db, settings=settings, planning=planning, draw_id=draw_id, entropy=body.entropy, actor=user
        )
    )


@router.post(
    "/{draw_id}/void",
    openapi_extra=TASK_LEAD_RULE,
    response_model=DrawRead,
    summary="作废抽取 / Void a draw (with a reason)",
    description="The draw stays visible with its reason, to auditors and in oversight reports. An executed "
    "objects or teams draw can be voided only before its task has started (409 `task_started` naming the "
    "task's `current_state` otherwise). 作废后仍可见；任务检查开始后不能作废已执行的抽取。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        502,
        503,
        problems=(
            DrawStateProblem,
            TaskStartedProblem,
            ActiveDrawProblem,
        ),
    ),
)
async def void_draw(draw_id: uuid.UUID, body: DrawVoid, db: Db, user: Writer, planning: Planning) -> DrawRead:
    return DrawRead.model_validate(
        await service.void(db, planning=planning, draw_id=draw_id, reason=body.reason, actor=user)
    )


@router.get(
    "",
    response_model=Page[DrawRead],
    summary="抽取列表 / List draws (voided ones included)",
    responses=problem_responses(400, 401, 403),
)
async def list_draws(
    session: Session,
    _user: Reader,
    task_id: str | None = None,
    kind: DrawKind | None = None,
    status: DrawStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DrawRead]:
    after = cursor_field(cursor, "after", parse=parse_created_keyset)
    rows = await repository.list_draws(session, task_id=task_id, kind=kind, status=status, after=after, limit=limit + 1)
    return page_of(rows, limit, read=DrawRead.model_validate, cursor_of=created_keyset)


@router.get(
    "/{draw_id}", response_model=DrawRead, summary="抽取状态 / Draw status", responses=problem_responses(401, 403, 404)
)
async def get_draw(draw_id: uuid.UUID, session: Session, _user: Reader) -> DrawRead:
    return DrawRead.model_validate(await service.get(session, draw_id=draw_id))


@router.get(
    "/{draw_id}/result",
    openapi_extra=RESULT_VISIBLE_RULE,
    summary="抽取结果 / Draw result",
    description="objects/experts: `selected`, `alternates`, `sizes`; teams: `teams`, `unassigned` (with reasons). "
    "Officers of the task's departments, admins, auditors and services only. 仅参与任务的部门等可查看。",
    responses=problem_responses(401, 403, 404, 409, problems=(DrawStateProblem,)),
)
async def get_result(
    draw_id: uuid.UUID,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin, Role.officer, Role.auditor, Role.service))],
) -> dict[str, Any]:
    draw = await service.get(session, draw_id=draw_id)
    service.ensure_can_see_result(user, draw)
    return service.result_of(draw)


async def _bundle_response(session: AsyncSession, draw: Draw) -> Response:
    """The bundle streamed as it is written (a province's frame is never one string in memory);
    a draw without a result is refused before anything is sent."""
    service.result_of(draw)
    inputs_gz = await repository.inputs_of(session, draw.id)
    chunks = await run_in_threadpool(service.bundle_chunks, draw, inputs_gz)
    return StreamingResponse(
        chunks,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="draw-{draw.id}.json"'},
    )


@router.get(
    "/{draw_id}/bundle",
    summary="抽取包 / Download the draw bundle (auditors, admins, the audit service)",
    description="The draw-bundle/1 JSON: verify it with `python tools/verify_draw.py bundle.json`.",
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409),
)
async def get_bundle(draw_id: uuid.UUID, session: Session, _user: Auditors) -> Response:
    return await _bundle_response(session, await service.get(session, draw_id=draw_id))


def _public(draw: Draw) -> PublicDrawRead:
    return PublicDrawRead(
        id=draw.id,
        task_id=draw.task_id,
        kind=draw.kind,
        status=draw.status,
        round=draw.round,
        completes_draw_id=draw.completes_draw_id,
        announcement=draw.announcement,
        announcement_sha256=draw.announcement_sha256,
        commitment=draw.commitment,
        entropy_source=draw.entropy_source,
        input_hashes=draw.input_hashes,
        registered_at=draw.registered_at,
        receipt_id=(draw.receipt or {}).get("receipt_id"),
        entropy=draw.entropy,
        entropy_at=draw.entropy_at,
        executed_at=draw.executed_at,
        void_reason=draw.void_reason,
        voided_at=draw.voided_at,
        public_from=draw.public_from,
        bundle_available=service.bundle_is_public(draw),
    )


@public_router.get("", response_model=list[PublicDrawRead], summary="公开：任务的抽取 / Public: the draws of a task")
async def list_public_draws(session: Session, task_id: Annotated[str, Query(min_length=1)]) -> list[PublicDrawRead]:
    rows = await repository.list_draws(session, task_id=task_id, kind=None, status=None, after=None, limit=100)
    return [_public(d) for d in rows if d.status != "frozen"]


@public_router.get(
    "/{draw_id}",
    response_model=PublicDrawRead,
    summary="公开：抽取公告 / Public: a draw's announcement",
    description="The announcement, its hashes and the audit receipt time are public at once; the bundle "
    "(secret, inputs, result) once the inspection window has closed.",
    responses=problem_responses(404),
)
async def get_public_draw(draw_id: uuid.UUID, db: Db) -> Response:
    return model_response(PublicDrawRead, PublicDrawRead.model_validate(await service.public_view(db, draw_id=draw_id)))


@public_router.get(
    "/{draw_id}/bundle",
    openapi_extra=BUNDLE_PUBLIC_RULE,
    summary="公开：抽取包 / Public: the bundle, after the inspection window",
    response_class=Response,
    responses=problem_responses(403, 404, problems=(BundleNotPublicProblem,)),
)
async def get_public_bundle(draw_id: uuid.UUID, session: Session) -> Response:
    draw = await service.get(session, draw_id=draw_id)
    if not service.bundle_is_public(draw):
        raise Forbidden(
            f"the bundle is public from {draw.public_from.isoformat()} (after the inspection window)",
            detail_zh=f"抽取包自 {draw.public_from.isoformat()} 起公开（检查期结束后）",
            code="bundle_not_public_yet",
            extra={"public_from": draw.public_from.isoformat()},
        )
    return await _bundle_response(session, draw)
