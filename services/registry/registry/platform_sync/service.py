"""Pulling the collaborative platform's change feed into the registry.

A run fetches a page from the last cursor **outside any transaction**, then applies it in
one short transaction: the feed's state row is locked (replicas take turns; a replica that
finds the cursor moved drops its page and goes on from the new cursor), the page's changes
become **one registry version** (earlier versions, and every frame as of them, stay as they
were), the cursor moves and the run's counters grow — all committed together, so a crash
between pages neither skips nor repeats a change.

Who owns what: the platform owns an entity's registration fields (:data:`PLATFORM_FIELDS`)
and wins; the supervising departments, tags and the legacy override stay local. Events
that fail validation (a bad check character, an unknown industry) are rejected by
sequence number and listed in the run, never half-applied.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.clients import PlatformClient
from jointcheck.codes import (
    CodeValueError,
    EntityType,
    InvalidUSCC,
    RegistrationStatus,
    normalize_division_code,
    normalize_industry_code,
    normalize_uscc,
    validate_uscc,
)
from jointcheck.contracts import PlatformEvent, PlatformPage
from jointcheck.contracts.platform import ENDING_ACTIONS
from jointcheck.db import Database
from jointcheck.errors import Conflict, DomainError
from jointcheck.outbox import record_audit
from registry.config import Settings
from registry.entities.models import Entity
from registry.platform_sync import repository
from registry.platform_sync.metrics import SyncMetrics
from registry.platform_sync.models import PlatformSyncRun
from registry.platform_sync.schemas import SyncRunRead
from registry.versioning.service import next_version

log = logging.getLogger("registry.platform_sync")

#: Fields the platform owns on entities it feeds; a local edit of them is refused.
PLATFORM_FIELDS = ("name", "entity_type", "industry_code", "division_code", "address", "status", "registered_on")
SOURCE_NAME = "the collaborative supervision platform (national enterprise credit information publicity system)"
SOURCE_NAME_ZH = "国家企业信用信息公示系统（协同监管平台）"
OWNED_REASON = (
    f"the entity's registration fields (name, type, industry, division, address, status, founding "
    f"date) come from {SOURCE_NAME}; a file may change only its departments, tags and class"
)
OWNED_REASON_ZH = f"该市场主体的登记信息来自{SOURCE_NAME_ZH}，导入文件只能修改其监管部门、标签和信用风险分类"
#: A run with no page applied for this long is taken for dead (a page takes at most the
#: platform timeout times its retries, and seconds to apply).
ABANDON_AFTER_S = 900.0
COUNTERS = ("pulled", "inserted", "updated", "deregistered", "classes_changed", "unchanged", "rejected")


class Rejected(Exception):
    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


def _registration(event: PlatformEvent) -> dict[str, Any]:
    """The event's registration fields, validated and normalised (or :class:`Rejected`)."""
    reg = event.registration
    if reg is None:
        raise Rejected("a registration event without its registration fields", "登记类事件缺少登记信息")
    if any("\x00" in (v or "") for v in (reg.name, reg.address, reg.registered_on)):
        raise Rejected("a NUL character in the registration fields", "登记信息含有 NUL 字符")
    name = reg.name.strip()
    if not 1 <= len(name) <= 256:
        raise Rejected("name must have 1 to 256 characters", "名称须为 1 至 256 个字符")
    if len(reg.address) > 500:
        raise Rejected("address longer than 500 characters", "住所超过 500 个字符")
    try:
        entity_type = EntityType(reg.entity_type).value
    except ValueError:
        raise Rejected(f"unknown entity type {reg.entity_type[:40]!r}", "市场主体类型无效") from None
    try:
        industry = normalize_industry_code(reg.industry_code)
        division = normalize_division_code(reg.division_code)
    except CodeValueError as exc:
        raise Rejected(f"industry or division code: {str(exc)[:120]}", "行业代码或行政区划代码无效") from None
    status = ENDING_ACTIONS.get(event.action, reg.status)
    try:
        status = RegistrationStatus(status).value
    except ValueError:
        raise Rejected(f"unknown registration status {status[:40]!r}", "登记状态无效") from None
    registered_on = None
    if reg.registered_on:
        try:
            registered_on = date.fromisoformat(reg.registered_on)
        except ValueError:
            raise Rejected(f"founding date {reg.registered_on[:40]!r} is not YYYY-MM-DD", "成立日期格式无效") from None
    return {
        "name": name,
        "entity_type": entity_type,
        "industry_code": industry,
        "division_code": division,
        "address": reg.address,
        "status": status,
        "registered_on": registered_on,
    }


@dataclass
class PageResult:
    counts: dict[str, int]
    rejects: list[dict[str, Any]]
    version: int | None


def _plan(
    page: PlatformPage, current: dict[str, Entity]
) -> tuple[dict[str, dict[str, Any]], dict[str, int], list[dict[str, Any]]]:
    """Replay the page's events over the current rows: each changed code's final state,
    the counts per kind of change, and the rejected events."""
    counts = dict.fromkeys(COUNTERS, 0)
    rejects: list[dict[str, Any]] = []
    states: dict[str, dict[str, Any] | None] = {}
    for uscc, row in current.items():
        states[uscc] = (
            None
            if row.deleted
            else {a: getattr(row, a) for a in (*PLATFORM_FIELDS, "credit_class", "classified_at", "source")}
        )
    changed: set[str] = set()
    for event in page.events:
        counts["pulled"] += 1
        try:
            uscc = _code(event, current)
            state = states.get(uscc)
            if event.action == "credit_class":
                kind = _apply_class(event, state)
            else:
                kind, state = _apply_registration(event, state)
                states[uscc] = state
        except Rejected as exc:
            counts["rejected"] += 1
            rejects.append(
                {
                    "seq": event.seq,
                    "uscc": _printable(event.uscc[:40]),
                    "action": event.action,
                    "reason": _printable(exc.reason),
                    "reason_zh": _printable(exc.reason_zh),
                }
            )
            continue
        counts[kind] += 1
        if kind != "unchanged":
            changed.add(uscc)
    return {u: states[u] for u in changed if states[u] is not None}, counts, rejects  # type: ignore[misc]


def _code(event: PlatformEvent, current: dict[str, Entity]) -> str:
    try:
        uscc = normalize_uscc(event.uscc)
    except (InvalidUSCC, CodeValueError, ValueError):
        raise Rejected("not a unified social credit code", "不是统一社会信用代码") from None
    try:
        validate_uscc(uscc)
    except InvalidUSCC as exc:
        known = current.get(uscc)
        if not (exc.reason == "check" and known is not None and known.legacy_code):
            raise Rejected(f"uscc: {exc.detail}", f"统一社会信用代码：{exc.detail_zh}") from None
    return uscc


def _printable(text: str) -> str:
    """What a report may hold (JSONB refuses NUL)."""
    return text.replace("\x00", "\\0")


def _normalized(raw: str) -> str | None:
    try:
        return normalize_uscc(raw) if raw.isprintable() else None
    except (InvalidUSCC, CodeValueError, ValueError):
        return None


def _apply_class(event: PlatformEvent, state: dict[str, Any] | None) -> str:
    if state is None:
        raise Rejected(
            "credit class for an entity the registry does not hold", "名录库中没有该市场主体，无法更新信用风险分类"
        )
    if event.credit_class is not None and event.credit_class not in ("A", "B", "C", "D"):
        raise Rejected(f"credit class {event.credit_class[:8]!r} is not A/B/C/D", "信用风险分类须为 A/B/C/D")
    at = event.classified_at or event.occurred_at
    if at.tzinfo is None:
        raise Rejected("classified_at needs a time zone", "分类时间须带时区")
    if state["classified_at"] is not None and at < state["classified_at"]:
        return "unchanged"  # an older assessment than the one on record
    if state["credit_class"] == event.credit_class and state["classified_at"] == at:
        return "unchanged"
    state["credit_class"], state["classified_at"] = event.credit_class, at
    return "classes_changed"


def _apply_registration(event: PlatformEvent, state: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    values = _registration(event)
    if state is None:
        return "inserted", {**values, "credit_class": None, "classified_at": None, "source": "platform"}
    if all(state[f] == values[f] for f in PLATFORM_FIELDS) and state["source"] == "platform":
        return "unchanged", state
    ending = values["status"] != "active" and state["status"] != values["status"]
    state.update(values, source="platform")
    return ("deregistered" if ending else "updated"), state


async def apply_page(
    session: AsyncSession,
    *,
    feed: str,
    page: PlatformPage,
    expected_cursor: int,
    run_id: uuid.UUID,
    actor: Principal,
    max_listed: int,
) -> PageResult | int:
    """Apply one page in the caller's transaction; the new cursor if another replica moved it first."""
    st = await repository.state(session, feed, lock=True)
    if st.cursor != expected_cursor:
        return st.cursor
    usccs = sorted({c for c in (_normalized(e.uscc) for e in page.events) if c and len(c) == 18 and c.isalnum()})
    current = await repository.current_entities(session, usccs)
    final, counts, rejects = _plan(page, current)
    version = None
    if final:
        version = await next_version(
            session,
            actor=actor,
            reason="entity.platform_sync",
            details={"feed": feed, "after": page.after, "cursor": page.next_cursor, "entities": len(final)},
        )
        rows, close = [], []
        for uscc in sorted(final):
            s = final[uscc]
            old = current.get(uscc)
            if old is not None:
                close.append(old.row_id)
            rows.append(
                (
                    uscc,
                    s["name"],
                    s["entity_type"],
                    s["industry_code"],
                    s["division_code"],
                    s["address"],
                    s["status"],
                    s["registered_on"],
                    s["credit_class"],
                    s["classified_at"],
                    list(old.departments) if old is not None else [],
                    list(old.tags) if old is not None else [],
                    old.legacy_code if old is not None else False,
                    s["source"],
                    version,
                    False,
                    actor.subject,
                    "platform_sync",
                )
            )
        await repository.write_entities(session, close_row_ids=close, rows=rows)
    await repository.move_cursor(session, feed, cursor=page.next_cursor, newest_seq=page.newest_seq)
    await repository.add_page_to_run(
        session,
        run_id,
        counts=counts,
        cursor=page.next_cursor,
        newest_seq=page.newest_seq,
        version=version,
        rejects=rejects,
        max_listed=max_listed,
    )
    if version is not None or rejects:
        await record_audit(
            session,
            actor=actor,
            action="entity.platform_sync",
            object_type="platform_sync_run",
            object_id=str(run_id),
            data={
                "version": version,
                "after": page.after,
                "cursor": page.next_cursor,
                **counts,
                "rejected_seqs": [r["seq"] for r in rejects[:100]],
            },
        )
    return PageResult(counts=counts, rejects=rejects, version=version)


async def run(
    db: Database,
    client: PlatformClient,
    settings: Settings,
    *,
    actor: Principal,
    trigger: str,
    metrics: SyncMetrics | None = None,
    max_pages: int | None = None,
) -> PlatformSyncRun:
    """One pull from the last cursor until the platform has nothing newer (or ``max_pages``)."""
    feed = settings.platform_feed
    started = time.perf_counter()
    async with db.transaction() as session:
        await repository.abandon_stale_runs(session, feed, older_than_s=ABANDON_AFTER_S)
        st = await repository.state(session, feed)
        cursor, newest = st.cursor, st.newest_seq
        run_row = await repository.start_run(
            session, feed=feed, trigger=trigger, actor=actor.subject, cursor=cursor, newest_seq=newest
        )
        run_id = run_row.id
    status, error = "succeeded", None
    for _ in range(max_pages or settings.platform_max_pages_per_run):
        try:
            page = await client.changes(
                settings.platform_division,
                after=cursor,
                limit=settings.platform_page_size,
                timeout=settings.platform_timeout,
            )
            _check_page(page, cursor)
        except (DomainError, ValidationError, httpx.HTTPError, ValueError) as exc:
            status, error = "failed", _describe(exc)
            log.warning("platform sync: fetching after %d failed: %s", cursor, error)
            break
        try:
            async with db.transaction() as session:
                result = await apply_page(
                    session,
                    feed=feed,
                    page=page,
                    expected_cursor=cursor,
                    run_id=run_id,
                    actor=actor,
                    max_listed=settings.platform_max_rejects_listed,
                )
        except Exception as exc:  # rolled back whole: the cursor stays before this page
            status, error = "failed", f"applying the page after {cursor} failed: {type(exc).__name__}"[:500]
            log.exception("platform sync: applying the page after %d failed", cursor)
            break
        if isinstance(result, int):  # another replica applied it: go on from where it is
            cursor = result
            continue
        cursor, newest = page.next_cursor, page.newest_seq
        if metrics is not None:
            metrics.page_applied(result.counts, lag=newest - cursor)
        if not page.has_more:
            break
    async with db.transaction() as session:
        row = await repository.finish_run(session, run_id, status=status, error=error, cursor=cursor, newest_seq=newest)
        await record_audit(
            session,
            actor=actor,
            action="entity.platform_sync_run",
            object_type="platform_sync_run",
            object_id=str(run_id),
            data={
                "status": status,
                "error": error,
                "trigger": trigger,
                "cursor_from": row.cursor_from,
                "cursor_to": cursor,
                **{k: getattr(row, k) for k in COUNTERS},
                "versions": row.versions,
            },
        )
    if metrics is not None:
        metrics.run_finished(status, lag=newest - cursor)
    log.info(
        "platform sync %s: %s, cursor %d → %d of %d",
        run_id,
        status,
        row.cursor_from,
        cursor,
        newest,
        extra={"seconds": round(time.perf_counter() - started, 3), "pulled": row.pulled},
    )
    return row


def _check_page(page: PlatformPage, cursor: int) -> None:
    """The platform must answer the page asked for, in sequence order."""
    last = cursor
    for e in page.events:
        if e.seq <= last:
            raise ValueError(f"the platform's page after {cursor} is out of order at seq {e.seq}")
        last = e.seq
    if (
        page.after != cursor
        or (page.events and page.next_cursor != last)
        or (not page.events and page.next_cursor != cursor)
    ):
        raise ValueError(
            f"the platform answered a page after {page.after} (next {page.next_cursor}) to one after {cursor}"
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.detail or exc.title_en
    if isinstance(exc, ValidationError):
        return f"the platform's page does not follow the contract ({exc.error_count()} errors)"
    return f"{type(exc).__name__}: {exc}"[:500]


def read_run(row: PlatformSyncRun) -> dict[str, Any]:
    return SyncRunRead.model_validate(
        {
            **{c: getattr(row, c) for c in SyncRunRead.model_fields if c != "lag"},
            "lag": max(row.newest_seq - row.cursor_to, 0),
        }
    ).model_dump(mode="json")


def ensure_not_platform_owned(entity: Entity, changes: dict[str, Any], *, action: str) -> None:
    """A local change of a field the platform owns, on an entity it feeds, is refused (409)."""
    if entity.source != "platform":
        return
    fields = sorted(f for f in PLATFORM_FIELDS if f in changes and _plain(changes[f]) != _plain(getattr(entity, f)))
    if action == "delete" or fields:
        what = ", ".join(fields) if fields else "the entity"
        raise Conflict(
            f"{what} of entity {entity.uscc} come from {SOURCE_NAME}; change them there, not locally",
            detail_zh=f"市场主体 {entity.uscc} 的{'、'.join(fields) if fields else '登记信息'}来自{SOURCE_NAME_ZH}，"
            "须在该平台变更，不能在本地修改",
            code="platform_owned_field",
            extra={"source": "platform", "fields": fields or list(PLATFORM_FIELDS)},
        )


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value
