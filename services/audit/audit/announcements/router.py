"""The announcement register: sampling registers every draw's commitment here first."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from audit.announcements import service
from audit.announcements.schemas import AnnouncementCreate, AnnouncementRead
from jointcheck.auth import Principal, Role, require_roles
from jointcheck.contracts import AnnouncementReceipt
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.routing import APIRouter

router = APIRouter(prefix="/v1/announcements", tags=["announcements"])
public_router = APIRouter(prefix="/public/announcements", tags=["public"])


@router.post(
    "",
    response_model=AnnouncementReceipt,
    status_code=201,
    summary="登记抽取公告 / Register a draw announcement",
    description="Timestamps the announcement bytes and chains the registration into the audit log. "
    "Idempotent: the same bytes return the first receipt (200). 同一公告重复登记返回首次回执。",
    responses=problem_responses(401, 403, 422),
)
async def register_announcement(
    body: AnnouncementCreate,
    session: Session,
    response: Response,
    caller: Annotated[Principal, Depends(require_roles(Role.service, Role.admin))],
) -> AnnouncementReceipt:
    row, created = await service.register(session, draw_id=body.draw_id, announcement=body.announcement, caller=caller)
    if not created:
        response.status_code = 200
    return AnnouncementReceipt.model_validate(row)


@router.get(
    "/{sha256}",
    response_model=AnnouncementRead,
    summary="查询公告 / Get a registered announcement",
    dependencies=[Depends(require_roles(Role.admin, Role.auditor, Role.service, Role.officer))],
    responses=problem_responses(401, 403, 404),
)
async def get_announcement(sha256: str, session: Session) -> AnnouncementRead:
    return AnnouncementRead.model_validate(await service.get(session, sha256=sha256))


@public_router.get(
    "/{sha256}",
    response_model=AnnouncementRead,
    summary="公开查询公告 / Public: a registered announcement",
    description="Anyone may check when a draw's commitment was registered. 任何人可查询公告登记时间。",
    responses=problem_responses(404),
)
async def get_public_announcement(sha256: str, session: Session) -> AnnouncementRead:
    return AnnouncementRead.model_validate(await service.get(session, sha256=sha256))
