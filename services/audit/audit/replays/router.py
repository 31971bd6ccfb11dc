"""HTTP routes of the witness: replays of draws, chain verifications, announcements per task."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import Depends, Query, Request

from audit.problems import DrawNotExecutedProblem
from audit.replays import repository, service
from audit.replays.schemas import (
    AnnouncementDrawRead,
    ChainVerificationRead,
    ReplayCreate,
    ReplayRead,
    TaskAnnouncementRead,
)
from jointcheck.auth import Principal, Role, require_roles
from jointcheck.clients import Registry, Results, Sampling
from jointcheck.db import Database, Session
from jointcheck.errors import NotFound, problem_responses
from jointcheck.pagination import Cursor, Limit, Page, cursor_field, page_of, parse_created_keyset
from jointcheck.routing import APIRouter

router = APIRouter(prefix="/v1/replays", tags=["replays"])
chain_router = APIRouter(prefix="/v1/chain-verifications", tags=["audit-log"])
announcements_router = APIRouter(prefix="/v1/announcements", tags=["announcements"])
Witnesses = Annotated[Principal, Depends(require_roles(Role.admin, Role.auditor, Role.service))]


async def _database(request: Request) -> Database:
    return request.app.state.db


Db = Annotated[Database, Depends(_database)]


@router.post(
    "",
    response_model=ReplayRead,
    status_code=201,
    summary="复核抽取 / Replay a draw",
    description="Fetches the draw's bundle from sampling and, trusting nothing sampling says about itself, checks in "
    "order: the announcement is byte-identical to the one registered here (`announcement`), the entropy came after "
    "the receipt (`entropy_time`), the secret matches the commitment (`commitment`), every input matches its hash "
    "(`input_hashes`), draw-v1 recomputes the result exactly (`result`), the frozen inputs are the registry's own "
    "answer as of the recorded version (`registry_frame`), the exclusions are results' recent inspections "
    "(`exclusions`). The verdict names the first failed check; a failure is logged, counted and chained.\n\n"
    "从随机抽取服务取得抽取包，逐项独立核验并记录结论。",
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, problems=(DrawNotExecutedProblem,)),
)
async def create_replay(
    body: ReplayCreate,
    request: Request,
    db: Db,
    user: Witnesses,
    sampling: Sampling,
    registry: Registry,
    results: Results,
) -> ReplayRead:
    callees = service.Callees(sampling=sampling, registry=registry, results=results)
    row = await service.replay(
        db,
        callees=callees,
        draw_id=str(body.draw_id),
        trigger="request",
        requested_by=user.subject,
        metrics=service.witness_metrics(request.app),
        workers=request.app.state.settings.replay_workers,
    )
    return ReplayRead.model_validate(row)


@router.get(
    "",
    response_model=Page[ReplayRead],
    summary="复核记录 / List replays (newest first)",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_replays(
    session: Session,
    _user: Witnesses,
    draw_id: Annotated[str | None, Query(max_length=64)] = None,
    task_id: Annotated[str | None, Query(max_length=64)] = None,
    ok: bool | None = None,
    failed_check: Annotated[str | None, Query(max_length=32)] = None,
    trigger: Annotated[str | None, Query(max_length=16)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[ReplayRead]:
    after = cursor_field(cursor, "after", parse=parse_created_keyset)
    rows = await repository.list_replays(
        session,
        draw_id=draw_id,
        task_id=task_id,
        ok=ok,
        failed_check=failed_check,
        trigger=trigger,
        after=after,
        limit=limit + 1,
    )
    return page_of(
        rows,
        limit,
        read=ReplayRead.model_validate,
        cursor_of=lambda r: {"after": [r.finished_at.isoformat(), str(r.id)]},
    )


@router.get(
    "/{replay_id}",
    response_model=ReplayRead,
    summary="复核结论 / A replay's verdict",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_replay(replay_id: uuid.UUID, session: Session, _user: Witnesses) -> ReplayRead:
    row = await repository.get(session, replay_id)
    if row is None:
        raise NotFound(f"no replay {replay_id}", detail_zh="复核记录不存在", code="replay_not_found")
    return ReplayRead.model_validate(row)


@chain_router.get(
    "",
    response_model=Page[ChainVerificationRead],
    summary="哈希链校验记录 / Verifications of the audit chain (newest first)",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_chain_verifications(
    session: Session, _user: Witnesses, ok: bool | None = None, limit: Limit = 100, cursor: Cursor = None
) -> Page[ChainVerificationRead]:
    before = cursor_field(cursor, "before", parse=int)
    rows = await repository.list_chain_verifications(session, ok=ok, before_id=before, limit=limit + 1)
    return page_of(rows, limit, read=ChainVerificationRead.model_validate, cursor_of=lambda v: {"before": v.id})


@chain_router.post(
    "",
    response_model=ChainVerificationRead,
    status_code=201,
    summary="立即校验哈希链 / Verify the audit chain now (and keep the verdict)",
    responses=problem_responses(401, 403),
)
async def create_chain_verification(request: Request, db: Db, _user: Witnesses) -> ChainVerificationRead:
    row = await service.verify_chain(db, trigger="request", metrics=service.witness_metrics(request.app))
    return ChainVerificationRead.model_validate(row)


@announcements_router.get(
    "",
    response_model=list[TaskAnnouncementRead],
    summary="任务的全部公告 / Every announcement of a task, with its draws",
    description="Every announcement registered for the task (as its registered bytes name it), each with the draws of "
    "sampling that use it; an announcement no draw uses is `orphaned` (sampling failed after registering it). "
    "列出任务的全部登记公告及使用它们的抽取，未被使用的公告标记为孤立。",
    responses=problem_responses(401, 403, 422, 502, 503),
)
async def list_announcements(
    session: Session, _user: Witnesses, sampling: Sampling, task_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> list[TaskAnnouncementRead]:
    rows = [
        (r.receipt_id, r.announcement_sha256, r.draw_id, r.announcement, r.registered_at)
        for r in await repository.announcements_of_task(session, task_id, limit=1000)
    ]
    await session.rollback()  # no transaction held while sampling answers
    draws, cursor = [], None
    if rows:
        while True:
            page, cursor = await sampling.draws(task_id=task_id, cursor=cursor, limit=200)
            draws.extend(page)
            if cursor is None:
                break
    out = []
    for receipt_id, sha256, draw_id, announcement, registered_at in rows:
        users = [
            AnnouncementDrawRead(id=d.id, kind=d.kind, status=d.status)
            for d in draws
            if d.announcement_sha256 == sha256
        ]
        try:
            kind = json.loads(announcement).get("kind")
        except (ValueError, AttributeError):
            kind = None
        out.append(
            TaskAnnouncementRead(
                receipt_id=receipt_id,
                announcement_sha256=sha256,
                draw_id=draw_id,
                kind=kind if isinstance(kind, str) else None,
                registered_at=registered_at,
                draws=users,
                orphaned=not users,
            )
        )
    return out
