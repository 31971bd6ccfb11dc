"""Rules for industry checklists: the lead department owns them; every change is a new version.

A version pins each item at a version, so a checklist version reads the same for ever and
a task pinned to it never changes when items or the checklist move on.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, actor_name, ensure_department
from jointcheck.clients import RegistryClient
from jointcheck.errors import NotFound, UnprocessableEntity
from jointcheck.etag import check_if_match
from jointcheck.outbox import record_audit
from planning import departments
from planning.checklists import repository
from planning.checklists.models import Checklist, ChecklistEntry, ChecklistVersion
from planning.checklists.schemas import (
    ChecklistCreate,
    ChecklistEntryCreate,
    ChecklistEntryRead,
    ChecklistRead,
    ChecklistUpdate,
)
from planning.common import now_utc
from planning.items import repository as items

VERSION_FIELDS = (
    "name",
    "industry_codes",
    "lead_department",
    "cooperating_departments",
    "frequency_per_year",
    "frequency_note",
    "remarks",
)


def not_found(checklist_id: uuid.UUID, version: int | None = None) -> NotFound:
    if version is None:
        return NotFound(
            f"no checklist {checklist_id}", detail_zh=f"检查单 {checklist_id} 不存在", code="checklist_not_found"
        )
    return NotFound(
        f"checklist {checklist_id} has no version {version}",
        detail_zh=f"检查单 {checklist_id} 没有第 {version} 版",
        code="checklist_version_not_found",
    )


async def _resolve_entries(
    session: AsyncSession, *, entries: list[ChecklistEntryCreate], lead: str, cooperating: list[str]
) -> list[dict[str, Any]]:
    """Pin each item at a version and check the division of work; every problem is listed."""
    errors: list[dict[str, Any]] = []
    if lead in cooperating:
        errors.append(
            {
                "field": "cooperating_departments",
                "message": f"the lead department {lead} cannot also cooperate",
                "message_zh": "牵头部门不能同时是协同部门",
            }
        )
    participants = {lead, *cooperating}
    known = await items.get_many(session, (e.item_id for e in entries))
    wanted = [(e.item_id, e.item_version) for e in entries if e.item_version is not None]
    versions = await items.get_many_versions(session, wanted)
    resolved: list[dict[str, Any]] = []
    seen: set[uuid.UUID] = set()
    for n, e in enumerate(entries):
        field = f"items.{n}"
        item = known.get(e.item_id)
        if item is None:
            errors.append(
                {"field": f"{field}.item_id", "message": f"no check item {e.item_id}", "message_zh": "抽查事项不存在"}
            )
            continue
        if e.item_id in seen:
            errors.append(
                {"field": f"{field}.item_id", "message": f"item {item.code} is listed twice", "message_zh": "事项重复"}
            )
        if item.cancelled_at is not None:
            errors.append(
                {
                    "field": f"{field}.item_id",
                    "message": f"item {item.code} is cancelled",
                    "message_zh": f"抽查事项 {item.code} 已取消",
                }
            )
        seen.add(e.item_id)
        version = e.item_version or item.current_version
        if e.item_version is not None and (e.item_id, e.item_version) not in versions:
            errors.append(
                {
                    "field": f"{field}.item_version",
                    "message": f"item {item.code} has no version {e.item_version}",
                    "message_zh": "事项版本不存在",
                }
            )
        department = e.department or item.department
        if department not in participants:
            errors.append(
                {
                    "field": f"{field}.department",
                    "message": f"department {department} is neither the lead nor a cooperating department",
                    "message_zh": f"{department} 既不是牵头部门也不是协同部门",
                }
            )
        resolved.append({"item_id": e.item_id, "item_version": version, "department": department})
    if errors:
        raise UnprocessableEntity(
            f"the checklist has {len(errors)} problem(s)",
            detail_zh=f"检查单有 {len(errors)} 处问题",
            code="invalid_checklist",
            errors=errors,
        )
    return resolved


async def _write_version(
    session: AsyncSession,
    *,
    checklist: Checklist,
    version: int,
    fields: dict[str, Any],
    entries: list[dict[str, Any]],
    actor: Principal,
) -> ChecklistVersion:
    now = now_utc()
    row = ChecklistVersion(
        checklist_id=checklist.id,
        version=version,
        created_at=now,
        created_by=actor_name(actor),
        **{f: fields[f] for f in VERSION_FIELDS},
    )
    session.add(row)
    await session.flush()
    session.add_all(
        ChecklistEntry(checklist_id=checklist.id, checklist_version=version, position=n + 1, **e)
        for n, e in enumerate(entries)
    )
    checklist.current_version = version
    checklist.updated_at = now
    await session.flush()
    return row


async def read(session: AsyncSession, checklist: Checklist, version: ChecklistVersion) -> ChecklistRead:
    rows = await repository.entries(session, checklist.id, version.version)
    pinned = await items.get_many_versions(session, ((r.item_id, r.item_version) for r in rows))
    out = []
    for r in rows:
        item, iv = pinned[(r.item_id, r.item_version)]
        out.append(
            ChecklistEntryRead(
                position=r.position,
                item_id=r.item_id,
                item_version=r.item_version,
                department=r.department,
                code=item.code,
                name=iv.name,
                sub_items=iv.sub_items,
                legal_basis=iv.legal_basis,
                content=iv.content,
                methods=iv.methods,
                category=iv.category,
                objects=iv.objects,
                inspector_requirements=iv.inspector_requirements,
                remarks=iv.remarks,
            )
        )
    return ChecklistRead(
        id=checklist.id,
        version=version.version,
        current_version=checklist.current_version,
        items=out,
        departments=[version.lead_department, *version.cooperating_departments],
        created_at=checklist.created_at,
        version_created_at=version.created_at,
        version_created_by=version.created_by,
        **{f: getattr(version, f) for f in VERSION_FIELDS},
    )


async def create(
    session: AsyncSession, *, data: ChecklistCreate, actor: Principal, registry: RegistryClient
) -> ChecklistRead:
    ensure_department(actor, data.lead_department, action="create checklists led by")
    await departments.ensure_known(
        registry, {"lead_department": [data.lead_department], "cooperating_departments": data.cooperating_departments}
    )
    entries = await _resolve_entries(
        session, entries=data.items, lead=data.lead_department, cooperating=data.cooperating_departments
    )
    now = now_utc()
    checklist = Checklist(id=uuid.uuid4(), current_version=1, created_at=now, updated_at=now)
    session.add(checklist)
    await session.flush()
    fields = data.model_dump(include=set(VERSION_FIELDS))
    version = await _write_version(session, checklist=checklist, version=1, fields=fields, entries=entries, actor=actor)
    await record_audit(
        session,
        actor=actor,
        action="checklist.create",
        object_type="checklist",
        object_id=str(checklist.id),
        data={"version": 1, **fields, "items": _audit_entries(entries)},
    )
    return await read(session, checklist, version)


async def get(session: AsyncSession, *, checklist_id: uuid.UUID, version: int | None = None) -> ChecklistRead:
    checklist = await repository.get(session, checklist_id)
    if checklist is None:
        raise not_found(checklist_id)
    row = await repository.get_version(session, checklist_id, version or checklist.current_version)
    if row is None:
        raise not_found(checklist_id, version)
    return await read(session, checklist, row)


async def history(session: AsyncSession, *, checklist_id: uuid.UUID) -> list[ChecklistRead]:
    checklist = await repository.get(session, checklist_id)
    if checklist is None:
        raise not_found(checklist_id)
    return [await read(session, checklist, v) for v in await repository.versions(session, checklist_id)]


async def update(
    session: AsyncSession,
    *,
    checklist_id: uuid.UUID,
    data: ChecklistUpdate,
    actor: Principal,
    if_match: str | None,
    registry: RegistryClient,
) -> ChecklistRead:
    """Write version n+1 (tasks pinned to earlier versions keep them)."""
    checklist = await repository.get(session, checklist_id, for_update=True)
    if checklist is None:
        raise not_found(checklist_id)
    current = await repository.get_version(session, checklist_id, checklist.current_version)
    assert current is not None
    ensure_department(actor, current.lead_department, action="change checklists led by")
    check_if_match(
        if_match, current=checklist.current_version, what=f"checklist {current.name}", what_zh=f"检查单 {current.name}"
    )
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    fields = {f: getattr(current, f) for f in VERSION_FIELDS} | {k: v for k, v in changes.items() if k != "items"}
    await departments.ensure_known(
        registry,
        {
            k: [changes[k]] if isinstance(changes[k], str) else changes[k]
            for k in ("lead_department", "cooperating_departments")
            if k in changes
        },
    )
    if data.items is not None:
        requested = data.items
    else:  # keep the pinned item versions of the current version
        requested = [
            ChecklistEntryCreate(item_id=e.item_id, item_version=e.item_version, department=e.department)
            for e in await repository.entries(session, checklist_id, current.version)
        ]
    entries = await _resolve_entries(
        session, entries=requested, lead=fields["lead_department"], cooperating=fields["cooperating_departments"]
    )
    version = await _write_version(
        session, checklist=checklist, version=current.version + 1, fields=fields, entries=entries, actor=actor
    )
    await record_audit(
        session,
        actor=actor,
        action="checklist.update",
        object_type="checklist",
        object_id=str(checklist.id),
        data={"version": version.version, "changes": {k: v for k, v in changes.items() if k != "items"}}
        | ({"items": _audit_entries(entries)} if data.items is not None else {}),
    )
    return await read(session, checklist, version)


def _audit_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"item_id": str(e["item_id"]), "item_version": e["item_version"], "department": e["department"]}
        for e in entries
    ]
