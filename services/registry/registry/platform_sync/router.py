"""HTTP routes of the platform sync: pull now, where the feed stands, what runs did."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from jointcheck.auth import Principal, Role, ServiceCaller, require_roles
from jointcheck.clients import Platform
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.pagination import (
    Cursor,
    Limit,
    Page,
    created_keyset,
    cursor_field,
    next_page_cursor,
    parse_created_keyset,
)
from jointcheck.routing import APIRouter
from registry.platform_sync import repository, service
from registry.platform_sync.schemas import SyncRunRead, SyncStateRead

router = APIRouter(prefix="/v1/sync/platform", tags=["platform-sync"])
SyncReader = Annotated[Principal, Depends(require_roles(Role.admin, Role.auditor, Role.service))]


@router.post(
    "",
    response_model=SyncRunRead,
    summary="立即同步 / Pull the platform's changes now",
    description="Pulls from the last cursor until the platform has nothing newer, one registry version per page. "
    "If the platform fails or hangs mid-run, the pages applied so far stay applied and the run reports "
    "`status: failed` with the error (the next run resumes at the cursor). 从上次游标起拉取协同监管平台的变更。",
    responses=problem_responses(401, 403),
)
async def sync_now(request: Request, platform: Platform, user: ServiceCaller) -> SyncRunRead:
    app = request.app
    row = await service.run(
        app.state.db,
        platform,
        app.state.settings,
        actor=user,
        trigger="manual",
        metrics=app.state.platform_sync_metrics,
    )
    return SyncRunRead.model_validate(service.read_run(row))


@router.get(
    "",
    response_model=SyncStateRead,
    summary="同步状态 / Where the registry stands in the feed",
    responses=problem_responses(401, 403),
)
async def sync_state(request: Request, session: Session, _user: SyncReader) -> SyncStateRead:
    feed = request.app.state.settings.platform_feed
    st = await repository.find_state(session, feed)
    if st is None:
        return SyncStateRead(feed=feed, cursor=0, newest_seq=0, lag=0, updated_at=None)
    return SyncStateRead(
        feed=feed,
        cursor=st.cursor,
        newest_seq=st.newest_seq,
        lag=max(st.newest_seq - st.cursor, 0),
        updated_at=st.updated_at,
    )


@router.get(
    "/runs",
    response_model=Page[SyncRunRead],
    summary="同步记录 / Sync runs, newest first",
    responses=problem_responses(400, 401, 403),
)
async def list_runs(session: Session, _user: SyncReader, limit: Limit = 50, cursor: Cursor = None) -> Page[SyncRunRead]:
    before = cursor_field(cursor, "after", parse=parse_created_keyset)
    rows = await repository.list_runs(session, after=before, limit=limit)
    return Page[SyncRunRead](
        items=[SyncRunRead.model_validate(service.read_run(r)) for r in rows[:limit]],
        next_cursor=next_page_cursor(rows, limit, created_keyset),
    )
