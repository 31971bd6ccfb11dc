"""Rules for entities: identity by valid USCC, department scope, full history, ETags."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal, Role
from jointcheck.codes import InvalidUSCC, validate_uscc
from jointcheck.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from registry.departments import repository as departments
from registry.entities import importer, parallel_import, repository
from registry.entities.models import Entity
from registry.entities.schemas import (
    CreditClassSync,
    CreditClassSyncResult,
    EntityCreate,
    EntityUpdate,
    ImportResult,
    RowError,
)
from registry.versioning.service import next_version
from registry.versioning.store import check_if_match, write_version

log = logging.getLogger("registry.entities")

ATTRIBUTES = (
    "name", "entity_type", "industry_code", "division_code", "address", "status", "registered_on",
    "credit_class", "classified_at", "departments", "tags", "legacy_code",
)


def ensure_entity_scope(user: Principal, departments_of_entity: list[str], *, action: str) -> None:
    """Officers change only entities their department supervises."""
    if user.is_admin or Role.service in user.roles:
        return
    if Role.officer in user.roles and user.dept in departments_of_entity:
        return
    raise Forbidden(
        f"an officer of {user.dept} may {action} only entities supervised by {user.dept}",
        detail_zh=f"{user.dept} 的执法人员只能操作本部门监管的市场主体", code="department_scope",
    )


async def _check_departments_exist(session: AsyncSession, codes: list[str]) -> None:
    missing = sorted(set(codes) - await departments.existing_codes(session, codes))
    if missing:
        raise UnprocessableEntity(f"unknown department codes: {', '.join(missing)}", detail_zh=f"部门代码不存在：{'、'.join(missing)}",
                                  code="unknown_department", errors=[{"field": "departments", "message": f"unknown: {missing}"}])


def _validate_identity(data: EntityCreate, actor: Principal) -> None:
    try:
        validate_uscc(data.uscc)
    except InvalidUSCC as exc:
        if exc.reason == "check" and data.legacy_code:
            if not actor.is_admin:
                raise Forbidden("only an admin may register a legacy code", detail_zh="仅管理员可登记历史代码",
                                code="legacy_override_admin_only") from None
            if not data.legacy_reason:
                raise UnprocessableEntity("legacy_reason is required with legacy_code", code="legacy_reason_required",
                                          detail_zh="登记历史代码须说明原因（legacy_reason）",
                                          errors=[{"field": "body.legacy_reason", "message": "required with legacy_code"}]) from None
            return
        raise UnprocessableEntity(
            f"uscc {data.uscc}: {exc.detail}", detail_zh=f"统一社会信用代码 {data.uscc}：{exc.detail_zh}", code="invalid_uscc",
            errors=[{"field": "body.uscc", "message": exc.detail, "reason": exc.reason}],
        ) from None
    if data.legacy_code:
        raise UnprocessableEntity("legacy_code is only for codes whose check character fails; this one is valid",
                                  detail_zh="该代码校验位正确，无需按历史代码登记",
                                  code="legacy_override_not_needed")


async def create(session: AsyncSession, *, data: EntityCreate, actor: Principal) -> Entity:
    _validate_identity(data, actor)
    if actor.dept and not actor.is_admin and actor.dept not in data.departments:
        data.departments = sorted({*data.departments, actor.dept})
    ensure_entity_scope(actor, data.departments, action="create")
    await _check_departments_exist(session, data.departments)
    existing = await repository.get_any_current(session, data.uscc)
    if existing is not None and not existing.deleted:
        raise Conflict(f"entity {data.uscc} already exists", detail_zh=f"市场主体 {data.uscc} 已存在", code="entity_exists")
    values = data.model_dump(include=set(ATTRIBUTES) | {"uscc"})
    values["entity_type"] = data.entity_type.value
    values["status"] = data.status.value
    if values["credit_class"] and not values["classified_at"]:
        values["classified_at"] = datetime.now(timezone.utc)
    version = await next_version(session, actor=actor, reason="entity.create", details={"uscc": data.uscc})
    entity = await write_version(session, Entity, Entity.uscc, data.uscc, values, version=version,
                                 actor=actor.subject, reason="create")
    await record_audit(session, actor=actor, action="entity.create", object_type="entity", object_id=data.uscc,
                       data={"version": version, "legacy_code": data.legacy_code, "legacy_reason": data.legacy_reason})
    return entity


async def get(session: AsyncSession, *, uscc: str, version: int | None = None) -> Entity:
    entity = await repository.get(session, uscc, version=version)
    if entity is None:
        suffix = f" as of registry version {version}" if version is not None else ""
        raise NotFound(f"no entity {uscc}{suffix}", detail_zh=f"市场主体 {uscc} 不存在", code="entity_not_found")
    return entity


async def update(session: AsyncSession, *, uscc: str, data: EntityUpdate, actor: Principal, if_match: str | None) -> Entity:
    current = await get(session, uscc=uscc)
    check_if_match(current, if_match, label=f"entity {uscc}", label_zh=f"市场主体 {uscc} ")
    ensure_entity_scope(actor, current.departments, action="change")
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "entity_type", "industry_code", "division_code", "status", "departments", "tags"):
        if required in changes and changes[required] is None:
            raise UnprocessableEntity(f"{required} cannot be null", detail_zh=f"{required} 不能为空", code="null_not_allowed",
                                      errors=[{"field": f"body.{required}", "message": "cannot be null"}])
    if "departments" in changes:
        await _check_departments_exist(session, changes["departments"])
        if not actor.is_admin and Role.service not in actor.roles and actor.dept not in changes["departments"]:
            raise Forbidden("an officer may not remove their own department from an entity",
                            detail_zh="执法人员不能将本部门从市场主体的监管部门中移除", code="department_scope")
    values: dict[str, Any] = {a: getattr(current, a) for a in ATTRIBUTES}
    values["uscc"] = uscc
    for key, value in changes.items():
        values[key] = value.value if hasattr(value, "value") else value
    if "credit_class" in changes and changes["credit_class"] != current.credit_class and "classified_at" not in changes:
        values["classified_at"] = datetime.now(timezone.utc)
    if all(values[a] == getattr(current, a) for a in ATTRIBUTES):
        return current  # nothing changed: no new version
    version = await next_version(session, actor=actor, reason="entity.update", details={"uscc": uscc})
    entity = await write_version(session, Entity, Entity.uscc, uscc, values, version=version, actor=actor.subject, reason="update")
    await record_audit(session, actor=actor, action="entity.update", object_type="entity", object_id=uscc,
                       data={"version": version, "changed": sorted(k for k in changes if values[k] != getattr(current, k, None))})
    return entity


async def delete(session: AsyncSession, *, uscc: str, actor: Principal, if_match: str | None, reason: str) -> int:
    current = await get(session, uscc=uscc)
    check_if_match(current, if_match, label=f"entity {uscc}", label_zh=f"市场主体 {uscc} ")
    ensure_entity_scope(actor, current.departments, action="delete")
    values = {a: getattr(current, a) for a in ATTRIBUTES} | {"uscc": uscc}
    version = await next_version(session, actor=actor, reason="entity.delete", details={"uscc": uscc, "reason": reason})
    await write_version(session, Entity, Entity.uscc, uscc, values, version=version, actor=actor.subject,
                        reason="delete", deleted=True)
    await record_audit(session, actor=actor, action="entity.delete", object_type="entity", object_id=uscc,
                       data={"version": version, "reason": reason})
    return version


async def versions(session: AsyncSession, *, uscc: str) -> list[Entity]:
    rows = await repository.versions_of(session, uscc)
    if not rows:
        raise NotFound(f"no entity {uscc}", detail_zh=f"市场主体 {uscc} 不存在", code="entity_not_found")
    return rows




# ------------------------------------------------------------------ bulk import

# Rows per chunk handed from the parsing thread to COPY. Large chunks matter: every hand-off
# needs the GIL on the event loop's side, and each switch can wait a whole switch interval.
IMPORT_BATCH = 50_000


async def import_file(
    session: AsyncSession,
    *,
    upload: IO[bytes],
    actor: Principal,
    mode: str = "all_or_nothing",
    dry_run: bool = False,
    legacy_codes: frozenset[str] = frozenset(),
    workers: int = 1,
    parallel_min_bytes: int = 16 << 20,
) -> ImportResult:
    """Stream a CSV/XLSX file through validation into a COPY-loaded staging table, then
    upsert by USCC in one registry version. ``all_or_nothing``: any bad row → nothing
    written and every bad row reported (422). ``valid_rows``: good rows written, bad rows
    reported. Re-importing the same file changes nothing (no new version)."""
    if legacy_codes and not actor.is_admin:
        raise Forbidden("only an admin may declare legacy codes", detail_zh="仅管理员可登记历史代码",
                        code="legacy_override_admin_only")
    dept_map = await departments.name_to_code(session)
    head = upload.read(8)
    upload.seek(0)
    xlsx = importer.is_xlsx(head)
    sha = hashlib.sha256()
    parallel = workers > 1 and not xlsx and not _is_small(upload, parallel_min_bytes)
    spooled = await asyncio.to_thread(_hash_file, upload, sha, spool=parallel)
    rows = importer.iter_xlsx(upload) if xlsx else importer.iter_csv(upload)
    errors: list[RowError] = []
    drop_lines: list[int] = []
    counters = {"rows": 0}
    required = actor.dept if (Role.officer in actor.roles and not actor.is_admin) else None
    queue: asyncio.Queue = asyncio.Queue(maxsize=4)
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def put(item: Any) -> bool:
        fut = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while True:
            try:
                fut.result(timeout=0.5)
                return True
            except concurrent.futures.TimeoutError:
                if stop.is_set():
                    fut.cancel()
                    return False

    def produce_in_processes(path: str) -> None:
        encoding, header, data_start = parallel_import.read_header(path)
        index = importer.map_headers(header)
        ranges = parallel_import.split_points(path, workers, data_start)
        results = parallel_import.run(path, ranges, (encoding, index, dept_map, legacy_codes, required),
                                      emit=put, stopped=stop.is_set)
        for r in results:
            counters["rows"] += r.rows
            errors.extend(r.errors)
        duplicates, drop = parallel_import.merge_duplicates(results)
        errors.extend(duplicates)
        drop_lines.extend(drop)

    def produce() -> None:
        try:
            if spooled is not None:
                produce_in_processes(spooled)
                put(None)
                return
            line, header = next(rows, (0, None))
            if header is None:
                raise importer.FileError("the file is empty", "文件为空")
            validator = importer.RowValidator(importer.map_headers(header), dept_map, legacy_codes, required)
            to_line = importer.CopyLineWriter().line
            batch: list[str] = []
            for line, cells in rows:
                if stop.is_set():
                    return
                if not any(c and c.strip() for c in cells):
                    continue
                counters["rows"] += 1
                result = validator(line, cells)
                if isinstance(result, list):
                    errors.extend(result)
                else:
                    batch.append(to_line(result))
                    if len(batch) >= IMPORT_BATCH:
                        if not put("".join(batch).encode("utf-8")):
                            return
                        batch = []
            if batch:
                put("".join(batch).encode("utf-8"))
            put(None)
        except BaseException as exc:  # hand every failure to the consumer
            put(exc)

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    timings: dict[str, float] = {}
    started = time.perf_counter()
    await repository.create_import_staging(session)
    producer = loop.run_in_executor(None, produce)
    try:
        await repository.copy_into_staging(session, chunks())
    except importer.FileError as exc:
        raise UnprocessableEntity(exc.detail, detail_zh=exc.detail_zh, code="invalid_file") from None
    finally:
        stop.set()
        await producer
        if spooled is not None:
            os.unlink(spooled)
    if drop_lines:
        await repository.drop_staged_lines(session, drop_lines)
    if counters["rows"] == 0:
        raise UnprocessableEntity("the file has a header but no rows", detail_zh="文件没有数据行", code="empty_file")
    errors.sort(key=lambda e: e.line)
    rejected = len({e.line for e in errors})
    if errors and mode == "all_or_nothing":
        raise UnprocessableEntity(
            f"{rejected} of {counters['rows']} rows are invalid; nothing was imported",
            detail_zh=f"{counters['rows']} 行中有 {rejected} 行有误，未导入任何数据",
            code="import_rejected",
            extra={"rows": counters["rows"], "rejected": rejected, "errors": [e.model_dump() for e in errors]},
        )
    timings["validate_and_stage"] = time.perf_counter() - started
    counts = await repository.diff_staged(session)
    timings["diff"] = time.perf_counter() - started - sum(timings.values())
    inserted, updated, same = counts.get("insert", 0), counts.get("update", 0), counts.get("same", 0)
    version = None
    if (inserted or updated) and not dry_run:
        version = await next_version(session, actor=actor, reason="entity.import",
                                     details={"sha256": sha.hexdigest(), "inserted": inserted, "updated": updated})
        await repository.apply_staged(session, version=version, actor=actor.subject, changed=inserted + updated)
        timings["apply"] = time.perf_counter() - started - sum(timings.values())
        await record_audit(session, actor=actor, action="entity.import", object_type="entity_import",
                           object_id=sha.hexdigest(), data={"version": version, "rows": counters["rows"],
                                                            "inserted": inserted, "updated": updated,
                                                            "unchanged": same, "rejected": rejected,
                                                            "legacy_codes": sorted(legacy_codes)})
    log.info("entity import: %d rows, %d inserted, %d updated", counters["rows"], inserted, updated,
             extra={"rows": counters["rows"], "timings_s": {k: round(v, 3) for k, v in timings.items()}})
    return ImportResult(
        committed=version is not None, mode=mode, dry_run=dry_run, version=version, rows=counters["rows"],
        inserted=inserted, updated=updated, unchanged=same, rejected=rejected, errors=errors, sha256=sha.hexdigest(),
    )


def _is_small(upload: IO[bytes], limit: int) -> bool:
    upload.seek(0, os.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size < limit


def _hash_file(upload: IO[bytes], sha: Any, *, spool: bool = False) -> str | None:
    """Hash the upload; with ``spool``, also copy it to a named file worker processes can open."""
    upload.seek(0)
    out = tempfile.NamedTemporaryFile(prefix="jc-import-", suffix=".csv", delete=False) if spool else None  # noqa: SIM115
    try:
        for chunk in iter(lambda: upload.read(1 << 20), b""):
            sha.update(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    upload.seek(0)
    return out.name if out is not None else None


async def sync_credit_classes(session: AsyncSession, *, data: CreditClassSync, actor: Principal) -> CreditClassSyncResult:
    """Apply (USCC, class, classified_at) rows from the credit system, with history."""
    seen: dict[str, int] = {}
    for i, item in enumerate(data.items):
        if item.uscc in seen:
            raise UnprocessableEntity(f"uscc {item.uscc} appears twice (items {seen[item.uscc]} and {i})",
                                      detail_zh=f"统一社会信用代码 {item.uscc} 重复出现（第 {seen[item.uscc]} 与第 {i} 项）",
                                      code="duplicate_uscc", errors=[{"field": f"body.items.{i}.uscc", "message": "duplicate"}])
        seen[item.uscc] = i
    rows = [(i.uscc, i.credit_class, i.classified_at) for i in data.items]
    outcome = await repository.stage_credit_classes(session, rows)
    version = None
    if outcome["update"]:
        version = await next_version(session, actor=actor, reason="entity.credit_sync",
                                     details={"received": len(rows), "updated": outcome["update"]})
        await repository.apply_credit_classes(session, version=version, actor=actor.subject)
        await record_audit(session, actor=actor, action="entity.credit_sync", object_type="credit_sync",
                           object_id=str(version), data={"updated": outcome["update"], "unknown": len(outcome["unknown"]),
                                                         "stale": len(outcome["stale"])})
    return CreditClassSyncResult(version=version, received=len(rows), updated=outcome["update"],
                                 unchanged=outcome["same"], stale=outcome["stale"], unknown=outcome["unknown"])
