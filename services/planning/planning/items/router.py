"""HTTP routes for check items (抽查事项)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response

from jointcheck.auth import Reader, Writer, access_rule
from jointcheck.clients import Registry
from jointcheck.db import Session
from jointcheck.errors import InvalidStateProblem, problem_responses
from jointcheck.etag import IfMatch, set_etag
from jointcheck.pagination import (
    Cursor,
    Limit,
    Page,
    created_keyset,
    cursor_field,
    next_page_cursor,
    parse_created_keyset,
)
from jointcheck.requestguard import INT32_MAX
from jointcheck.routing import APIRouter
from planning.items import repository, service
from planning.items.schemas import Category, ItemCancelCreate, ItemCreate, ItemRead, ItemUpdate
from planning.problems import ItemDrawnProblem

router = APIRouter(prefix="/v1/items", tags=["items"])

ITEM_DEPT_RULE = access_rule(
    "officers of the item's department",
    "仅该事项所属部门的执法人员",
)

VersionQuery = Annotated[
    int | None, Query(ge=1, le=INT32_MAX, description="a past version / 指定版本（缺省为当前版本）")
]


def _etag(response: Response, item: ItemRead) -> None:
    set_etag(response, item.current_version)


@router.post(
    "",
    openapi_extra=ITEM_DEPT_RULE,
    response_model=ItemRead,
    status_code=201,
    summary="新增抽查事项 / Create a check item",
    description="Officers create items of their own department only. 执法人员只能新增本部门的事项。",
    responses=problem_responses(401, 403, 409, 422, 502, 503),
)
async def create_item(
    body: ItemCreate, session: Session, user: Writer, response: Response, registry: Registry
) -> ItemRead:
    item = await service.create(session, data=body, actor=user, registry=registry)
    _etag(response, item)
    response.headers["Location"] = f"/v1/items/{item.id}"
    return item


@router.get(
    "",
    response_model=Page[ItemRead],
    summary="抽查事项列表 / List check items (current versions)",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_items(
    session: Session,
    _user: Reader,
    limit: Limit = 100,
    cursor: Cursor = None,
    department: Annotated[str | None, Query(description="部门代码")] = None,
    category: Annotated[Category | None, Query(description="general 一般 / key 重点")] = None,
    q: Annotated[str | None, Query(max_length=100, description="名称或编号包含")] = None,
) -> Page[ItemRead]:
    rows = await repository.list_page(
        session,
        department=department,
        category=category,
        q=q,
        after=cursor_field(cursor, "after", parse=parse_created_keyset),
        limit=limit + 1,
    )
    items = [service.to_read(i, v) for i, v in rows[:limit]]
    return Page[ItemRead](items=items, next_cursor=next_page_cursor([i for i, _ in rows], limit, created_keyset))


@router.get(
    "/{item_id}",
    response_model=ItemRead,
    summary="抽查事项详情 / Get a check item (any version)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_item(
    item_id: uuid.UUID, session: Session, _user: Reader, response: Response, version: VersionQuery = None
) -> ItemRead:
    item = await service.get(session, item_id=item_id, version=version)
    _etag(response, item)
    return item


@router.get(
    "/{item_id}/versions",
    response_model=list[ItemRead],
    summary="事项历史版本 / Every version of an item",
    responses=problem_responses(401, 403, 404),
)
async def item_versions(item_id: uuid.UUID, session: Session, _user: Reader) -> list[ItemRead]:
    return await service.history(session, item_id=item_id)


@router.post(
    "/{item_id}/cancel",
    openapi_extra=ITEM_DEPT_RULE,
    response_model=ItemRead,
    summary="取消抽查事项 / Cancel a check item (with a reason)",
    description="Never deleted: the item and its versions stay, marked cancelled with who, when and why. "
    "Only before any task inspecting it has been drawn (409 `item_drawn` naming the tasks); new checklist "
    "versions cannot list it. Officers cancel only their own department's items. 取消须说明理由，抽取前方可取消。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        problems=(
            ItemDrawnProblem,
            InvalidStateProblem,
        ),
    ),
)
async def cancel_item(item_id: uuid.UUID, body: ItemCancelCreate, session: Session, user: Writer) -> ItemRead:
    return await service.cancel(session, item_id=item_id, reason=body.reason, actor=user)


@router.patch(
    "/{item_id}",
    openapi_extra=ITEM_DEPT_RULE,
    response_model=ItemRead,
    summary="修改抽查事项（生成新版本）/ Update a check item (new version)",
    description="Writes version n+1; checklists keep the versions they pinned. Requires `If-Match` "
    "(428 without, 412 if stale). Officers change only their own department's items. "
    "修改生成新版本，已引用旧版本的检查单不受影响。",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def update_item(
    item_id: uuid.UUID, body: ItemUpdate, session: Session, user: Writer, response: Response, if_match: IfMatch = None
) -> ItemRead:
    item = await service.update(session, item_id=item_id, data=body, actor=user, if_match=if_match)
    _etag(response, item)
    return item
