"""Rules for check items: each department owns its items; every change is a new version."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, actor_name, ensure_department
from jointcheck.clients import RegistryClient
from jointcheck.errors import Conflict, InvalidState, NotFound
from jointcheck.etag import check_if_match
from jointcheck.outbox import record_audit
from planning import departments
from planning.common import now_utc
from planning.items import repository
from planning.items.models import CheckItem, CheckItemVersion
from planning.items.schemas import ItemCreate, ItemRead, ItemUpdate

CONTENT_FIELDS = (
    "name",
    "sub_items",
    "legal_basis",
    "content",
    "methods",
    "category",
    "objects",
    "inspector_requirements",
    "remarks",
)


def to_read(item: CheckItem, version: CheckItemVersion) -> ItemRead:
    return ItemRead(
        id=item.id,
        department=item.department,
        code=item.code,
        version=version.version,
        current_version=item.current_version,
        created_at=item.created_at,
        version_created_at=version.created_at,
        version_created_by=version.created_by,
        cancelled=item.cancelled_at is not None,
        cancelled_at=item.cancelled_at,
        cancelled_by=item.cancelled_by,
        cancel_reason=item.cancel_reason,
        **{f: getattr(version, f) for f in CONTENT_FIELDS},
    )


def _not_found(item_id: uuid.UUID, version: int | None = None) -> NotFound:
    if version is None:
        return NotFound(f"no check item {item_id}", detail_zh=f"抽查事项 {item_id} 不存在", code="item_not_found")
    return NotFound(
        f"check item {item_id} has no version {version}",
        detail_zh=f"抽查事项 {item_id} 没有第 {version} 版",
        code="item_version_not_found",
    )


async def create(session: AsyncSession, *, data: ItemCreate, actor: Principal, registry: RegistryClient) -> ItemRead:
    ensure_department(actor, data.department, action="create items for")
    await departments.ensure_known(registry, {"department": [data.department]})
    if await repository.by_code(session, data.department, data.code):
        raise Conflict(
            f"department {data.department} already has an item {data.code}",
            detail_zh=f"{data.department} 已有编号为 {data.code} 的抽查事项",
            code="item_code_taken",
        )
    now = now_utc()
    item = CheckItem(
        id=uuid.uuid4(), department=data.department, code=data.code, current_version=1, created_at=now, updated_at=now
    )
    content = data.model_dump(include=set(CONTENT_FIELDS), mode="json")
    version = CheckItemVersion(item_id=item.id, version=1, created_at=now, created_by=actor_name(actor), **content)
    session.add(item)
    await session.flush()
    session.add(version)
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="item.create",
        object_type="check_item",
        object_id=str(item.id),
        data={"department": item.department, "code": item.code, "version": 1} | content,
    )
    return to_read(item, version)


def _ensure_not_cancelled(item: CheckItem) -> None:
    if item.cancelled_at is not None:
        raise InvalidState(
            f"check item {item.code} is cancelled", detail_zh=f"抽查事项 {item.code} 已取消", current_state="cancelled"
        )


async def cancel(session: AsyncSession, *, item_id: uuid.UUID, reason: str, actor: Principal) -> ItemRead:
    """Cancel an item (it stays, with its versions, marked cancelled) before any task inspecting it is drawn;
    new checklist versions cannot list it any more."""
    item = await repository.get(session, item_id, for_update=True)
    if item is None:
        raise _not_found(item_id)
    ensure_department(actor, item.department, action="cancel items of")
    _ensure_not_cancelled(item)
    drawn = await repository.drawn_tasks_using(session, item_id)
    if drawn:
        raise Conflict(
            f"tasks inspecting item {item.code} have been drawn already: {', '.join(map(str, drawn))}",
            detail_zh=f"已有任务针对抽查事项 {item.code} 完成抽取，不能取消",
            code="item_drawn",
            extra={"task_ids": [str(t) for t in drawn]},
        )
    now = now_utc()
    item.cancelled_at, item.cancelled_by, item.cancel_reason = now, actor_name(actor), reason
    item.updated_at = now
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="item.cancel",
        object_type="check_item",
        object_id=str(item.id),
        data={"code": item.code, "department": item.department, "reason": reason},
    )
    current = await repository.get_version(session, item_id, item.current_version)
    assert current is not None
    return to_read(item, current)


async def get(session: AsyncSession, *, item_id: uuid.UUID, version: int | None = None) -> ItemRead:
    item = await repository.get(session, item_id)
    if item is None:
        raise _not_found(item_id)
    v = await repository.get_version(session, item_id, version or item.current_version)
    if v is None:
        raise _not_found(item_id, version)
    return to_read(item, v)


async def history(session: AsyncSession, *, item_id: uuid.UUID) -> list[ItemRead]:
    item = await repository.get(session, item_id)
    if item is None:
        raise _not_found(item_id)
    return [to_read(item, v) for v in await repository.versions(session, item_id)]


async def update(
    session: AsyncSession, *, item_id: uuid.UUID, data: ItemUpdate, actor: Principal, if_match: str | None
) -> ItemRead:
    """Write version n+1; checklists that pinned version n keep reading version n."""
    item = await repository.get(session, item_id, for_update=True)
    if item is None:
        raise _not_found(item_id)
    ensure_department(actor, item.department, action="change items of")
    check_if_match(
        if_match, current=item.current_version, what=f"check item {item.code}", what_zh=f"检查事项 {item.code}"
    )
    _ensure_not_cancelled(item)
    current = await repository.get_version(session, item_id, item.current_version)
    assert current is not None
    changes = data.model_dump(exclude_unset=True, exclude_none=True, mode="json")
    content = {f: getattr(current, f) for f in CONTENT_FIELDS} | changes
    now: datetime = now_utc()
    new = CheckItemVersion(
        item_id=item.id, version=item.current_version + 1, created_at=now, created_by=actor_name(actor), **content
    )
    session.add(new)
    item.current_version = new.version
    item.updated_at = now
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="item.update",
        object_type="check_item",
        object_id=str(item.id),
        data={"version": new.version, "changes": changes},
    )
    return to_read(item, new)
