"""Rules for entities: identity by valid USCC, department scope (:mod:`registry.entities.supervision`),
bulk imports, credit classes. The versioned lifecycle is :data:`registry.entities.repository.records`."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.codes import InvalidUSCC, validate_uscc
from jointcheck.errors import Conflict, Forbidden, UnprocessableEntity
from jointcheck.outbox import record_audit
from registry.departments import repository as departments
from registry.entities import import_pipeline, importer, repository, supervision
from registry.entities.importer import ImportLimits
from registry.entities.models import Entity
from registry.entities.repository import records
from registry.entities.schemas import (
    CreditClassSync,
    CreditClassSyncResult,
    EntityCreate,
    EntityImportResult,
    EntityUpdate,
    RowError,
)
from registry.entities.supervision import ensure_may_write, restricted_department
from registry.platform_sync import service as platform_sync
from registry.versioning.service import current_version, next_version

log = logging.getLogger("registry.entities")


async def _check_departments_exist(session: AsyncSession, codes: list[str]) -> None:
    missing = sorted(set(codes) - await departments.existing_codes(session, codes))
    if missing:
        raise UnprocessableEntity(
            f"unknown department codes: {', '.join(missing)}",
            detail_zh=f"部门代码不存在：{'、'.join(missing)}",
            code="unknown_department",
            errors=[{"field": "departments", "message": f"unknown: {missing}"}],
        )


def _validate_identity(data: EntityCreate, actor: Principal) -> None:
    try:
        validate_uscc(data.uscc)
    except InvalidUSCC as exc:
        if exc.reason == "check" and data.legacy_code:
            if not actor.is_admin:
                raise Forbidden(
                    "only an admin may register a legacy code",
                    detail_zh="仅管理员可登记历史代码",
                    code="legacy_override_admin_only",
                ) from None
            if not data.legacy_reason:
                raise UnprocessableEntity(
                    "legacy_reason is required with legacy_code",
                    code="legacy_reason_required",
                    detail_zh="登记历史代码须说明原因（legacy_reason）",
                    errors=[{"field": "body.legacy_reason", "message": "required with legacy_code"}],
                ) from None
            return
        raise UnprocessableEntity(
            f"uscc {data.uscc}: {exc.detail}",
            detail_zh=f"统一社会信用代码 {data.uscc}：{exc.detail_zh}",
            code="invalid_uscc",
            errors=[{"field": "body.uscc", "message": exc.detail, "reason": exc.reason}],
        ) from None
    if data.legacy_code:
        raise UnprocessableEntity(
            "legacy_code is only for codes whose check character fails; this one is valid",
            detail_zh="该代码校验位正确，无需按历史代码登记",
            code="legacy_override_not_needed",
        )


async def create(session: AsyncSession, *, data: EntityCreate, actor: Principal) -> Entity:
    _validate_identity(data, actor)
    dept = restricted_department(actor)
    if dept and dept not in data.departments:
        data.departments = sorted({*data.departments, dept})
    existing = await records.find_current(session, data.uscc)
    ensure_may_write(actor, existing.departments if existing is not None else None, data.departments, action="create")
    await _check_departments_exist(session, data.departments)
    if existing is not None and not existing.deleted:
        raise Conflict(
            f"entity {data.uscc} already exists", detail_zh=f"市场主体 {data.uscc} 已存在", code="entity_exists"
        )
    values = data.model_dump(include=set(records.attributes) | {"uscc"})
    values["entity_type"] = data.entity_type.value
    values["status"] = data.status.value
    if values["credit_class"] and not values["classified_at"]:
        values["classified_at"] = datetime.now(UTC)
    return await records.create(
        session, values, actor=actor, audit={"legacy_code": data.legacy_code, "legacy_reason": data.legacy_reason}
    )


async def get(session: AsyncSession, *, uscc: str, version: int | None = None) -> Entity:
    return await records.get(session, uscc, version=version)


async def update(
    session: AsyncSession, *, uscc: str, data: EntityUpdate, actor: Principal, if_match: str | None
) -> Entity:
    current = await records.get(session, uscc)
    records.check_if_match(current, if_match)
    changes = data.model_dump(exclude_unset=True)
    new_departments = current.departments if changes.get("departments") is None else changes["departments"]
    ensure_may_write(actor, current.departments, new_departments, action="change")
    platform_sync.ensure_not_platform_owned(current, changes, action="change")
    for required in ("name", "entity_type", "industry_code", "division_code", "status", "departments", "tags"):
        if required in changes and changes[required] is None:
            raise UnprocessableEntity(
                f"{required} cannot be null",
                detail_zh=f"{required} 不能为空",
                code="null_not_allowed",
                errors=[{"field": f"body.{required}", "message": "cannot be null"}],
            )
    if "departments" in changes:
        await _check_departments_exist(session, changes["departments"])
    values = records.merge(current, changes)
    if "credit_class" in changes and changes["credit_class"] != current.credit_class and "classified_at" not in changes:
        values["classified_at"] = datetime.now(UTC)
    # the audit names the fields the caller changed (a new classified_at follows a new class)
    return await records.update(
        session,
        current,
        values,
        actor=actor,
        changed=sorted(k for k in changes if values[k] != getattr(current, k, None)),
    )


async def delete(session: AsyncSession, *, uscc: str, actor: Principal, if_match: str | None, reason: str) -> int:
    current = await records.get(session, uscc)
    records.check_if_match(current, if_match)
    ensure_may_write(actor, current.departments, current.departments, action="delete")
    platform_sync.ensure_not_platform_owned(current, {}, action="delete")
    return await records.delete(session, current, actor=actor, reason=reason)


async def versions(session: AsyncSession, *, uscc: str) -> list[Entity]:
    return await records.versions(session, uscc)


# ------------------------------------------------------------------ bulk import


async def import_file(
    session: AsyncSession,
    *,
    upload: IO[bytes],
    actor: Principal,
    mode: str = "all_or_nothing",
    dry_run: bool = False,
    legacy_codes: frozenset[str] = frozenset(),
    path: str | None = None,
    sha256: str | None = None,
    limits: ImportLimits = ImportLimits(),
    workers: int = 1,
    parallel_min_bytes: int = 16 << 20,
) -> EntityImportResult:
    """Stream a CSV/XLSX file through validation into a COPY-loaded staging table, then
    upsert by USCC in one registry version. ``all_or_nothing``: any bad row → nothing
    written and the first ``limits.max_errors`` errors reported with their total (422).
    ``valid_rows``: good rows written, bad rows reported. Rows the actor's department may
    not write (:mod:`registry.entities.supervision`) are bad rows. Re-importing the same
    file changes nothing (no new version). ``path``/``sha256``: the upload as already
    received on disk (:mod:`registry.entities.upload`)."""
    if legacy_codes and not actor.is_admin:
        raise Forbidden(
            "only an admin may declare legacy codes",
            detail_zh="仅管理员可登记历史代码",
            code="legacy_override_admin_only",
        )
    started = time.perf_counter()
    source, sha, spooled = await asyncio.to_thread(_source, upload, path, sha256, spool=workers > 1 and path is None)
    try:
        staged = await import_pipeline.stage(
            session,
            source,
            department_codes=await departments.name_to_code(session),
            legacy_codes=legacy_codes,
            limits=limits,
            workers=workers,
            parallel_min_bytes=parallel_min_bytes,
        )
    except importer.LimitExceeded as exc:
        raise UnprocessableEntity(
            exc.detail, detail_zh=exc.detail_zh, code="import_limit_exceeded", extra={"limit": exc.limit}
        ) from None
    except importer.FileError as exc:
        raise UnprocessableEntity(exc.detail, detail_zh=exc.detail_zh, code="invalid_file") from None
    finally:
        if spooled:
            os.unlink(spooled)
    if staged.rows == 0:
        raise UnprocessableEntity("the file has a header but no rows", detail_zh="文件没有数据行", code="empty_file")
    timings = {"validate_and_stage": time.perf_counter() - started}
    dept = restricted_department(actor)
    counts = await repository.diff_staged(session, dept=dept)
    errors = staged.errors
    if counts.get("rejected"):
        await _report_unsupervised(session, errors, dept or "", counts["rejected"])
    timings["diff"] = time.perf_counter() - started - sum(timings.values())
    rows, rejected = staged.rows, errors.rows
    if errors.rows and mode == "all_or_nothing":
        raise UnprocessableEntity(
            f"{rejected} of {rows} rows are invalid; nothing was imported",
            detail_zh=f"{rows} 行中有 {rejected} 行有误，未导入任何数据",
            code="import_rejected",
            extra={
                "rows": rows,
                "rejected": rejected,
                "errors": [e.model_dump() for e in errors.first],
                "errors_total": errors.total,
            },
        )
    inserted, updated, same = counts.get("insert", 0), counts.get("update", 0), counts.get("same", 0)
    version = None
    if (inserted or updated) and not dry_run:
        version = await next_version(
            session,
            actor=actor,
            reason="entity.import",
            details={"sha256": sha, "inserted": inserted, "updated": updated},
        )
        await repository.apply_staged(session, version=version, actor=actor.subject, changed=inserted + updated)
        timings["apply"] = time.perf_counter() - started - sum(timings.values())
        await record_audit(
            session,
            actor=actor,
            action="entity.import",
            object_type="entity_import",
            object_id=sha,
            data={
                "version": version,
                "rows": rows,
                "inserted": inserted,
                "updated": updated,
                "unchanged": same,
                "rejected": rejected,
                "legacy_codes": sorted(legacy_codes),
            },
        )
    log.info(
        "entity import: %d rows, %d inserted, %d updated",
        rows,
        inserted,
        updated,
        extra={"rows": rows, "timings_s": {k: round(v, 3) for k, v in timings.items()}},
    )
    return EntityImportResult(
        changed=version is not None,
        registry_version=version if version is not None else await current_version(session),
        committed=version is not None,
        mode=mode,
        dry_run=dry_run,
        version=version,
        rows=rows,
        inserted=inserted,
        updated=updated,
        unchanged=same,
        rejected=rejected,
        errors=errors.first,
        errors_total=errors.total,
        sha256=sha,
    )


async def _report_unsupervised(session: AsyncSession, errors: importer.RowErrors, dept: str, count: int) -> None:
    """Staged rows the department may not write, or that would change the registration fields
    of an entity the collaborative platform feeds, become bad rows (only the first are fetched)."""
    fetched = await repository.rejected_rows(session, limit=errors.limit)
    for line, depts, code in fetched:
        if code == "platform_owned":
            errors.add_row(
                [
                    RowError(
                        line=line,
                        field=None,
                        value=None,
                        reason=platform_sync.OWNED_REASON,
                        reason_zh=platform_sync.OWNED_REASON_ZH,
                    )
                ]
            )
            continue
        why = supervision.reason_of(dept, code)
        errors.add_row(
            [
                RowError(
                    line=line, field="departments", value=";".join(depts), reason=why.reason, reason_zh=why.reason_zh
                )
            ]
        )
    errors.rows += count - len(fetched)
    errors.total += count - len(fetched)


def _source(
    upload: IO[bytes], path: str | None, sha256: str | None, *, spool: bool
) -> tuple[import_pipeline.Source, str, str | None]:
    """(the source, its SHA-256, a spooled copy to delete). Without a ``path``, a copy is
    spooled to a named file when worker processes may need one."""
    upload.seek(0)
    xlsx = importer.is_xlsx(upload.read(8))
    upload.seek(0)
    if sha256 is not None and path is not None:
        size = upload.seek(0, os.SEEK_END)
        upload.seek(0)
        return import_pipeline.Source(upload, path, xlsx, size), sha256, None
    sha = hashlib.sha256()
    out = tempfile.NamedTemporaryFile(prefix="jc-import-", delete=False) if spool and not xlsx else None  # noqa: SIM115
    size = 0
    try:
        for chunk in iter(lambda: upload.read(1 << 20), b""):
            sha.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    upload.seek(0)
    spooled = out.name if out is not None else None
    return import_pipeline.Source(upload, spooled or path, xlsx, size), sha.hexdigest(), spooled


async def sync_credit_classes(
    session: AsyncSession, *, data: CreditClassSync, actor: Principal
) -> CreditClassSyncResult:
    """Apply (USCC, class, classified_at) rows from the credit system, with history."""
    seen: dict[str, int] = {}
    for i, item in enumerate(data.items):
        if item.uscc in seen:
            raise UnprocessableEntity(
                f"uscc {item.uscc} appears twice (items {seen[item.uscc]} and {i})",
                detail_zh=f"统一社会信用代码 {item.uscc} 重复出现（第 {seen[item.uscc]} 与第 {i} 项）",
                code="duplicate_uscc",
                errors=[{"field": f"body.items.{i}.uscc", "message": "duplicate"}],
            )
        seen[item.uscc] = i
    rows = [(i.uscc, i.credit_class, i.classified_at) for i in data.items]
    dept = restricted_department(actor)
    outcome = await repository.stage_credit_classes(session, rows, dept=dept)
    if outcome["forbidden"]:
        why = supervision.reason_of(dept or "", "not_supervised")
        raise Forbidden(
            f"{len(outcome['forbidden'])} entities: {why.reason}",
            detail_zh=why.reason_zh,
            code="department_scope",
            extra={"usccs": outcome["forbidden"][:1000]},
        )
    version = None
    if outcome["update"]:
        version = await next_version(
            session,
            actor=actor,
            reason="entity.credit_sync",
            details={"received": len(rows), "updated": outcome["update"]},
        )
        await repository.apply_credit_classes(session, version=version, actor=actor.subject)
        await record_audit(
            session,
            actor=actor,
            action="entity.credit_sync",
            object_type="credit_sync",
            object_id=str(version),
            data={"updated": outcome["update"], "unknown": len(outcome["unknown"]), "stale": len(outcome["stale"])},
        )
    return CreditClassSyncResult(
        changed=version is not None,
        registry_version=version if version is not None else await current_version(session),
        version=version,
        received=len(rows),
        updated=outcome["update"],
        unchanged=outcome["same"],
        stale=outcome["stale"],
        unknown=outcome["unknown"],
    )
