"""Replaying a draw: fetch the evidence (no transaction open), verify it off the event loop,
store the verdict in one short transaction. A failing verdict is loud: an error log line
naming the draw, a Prometheus counter, an entry in the audit chain."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from prometheus_client import Counter

from audit.log import service as chain
from audit.replays import checks, repository
from audit.replays.checks import Evidence, Registration
from audit.replays.models import ChainVerification, Replay
from jointcheck.clients import RegistryClient, ResultsClient, SamplingClient
from jointcheck.db import Database
from jointcheck.errors import DomainError, InvalidState, NotFound
from jointcheck.http import ServiceCallError
from jointcheck.observability import Metrics

log = logging.getLogger("audit.replays")
REPLAYABLE = ("executed", "voided")


class WitnessMetrics:
    """The audit service's own counters, in its app's Prometheus registry."""

    def __init__(self, metrics: Metrics) -> None:
        self.replays = Counter(
            "audit_replays_total", "Draw replays by verdict", ["service", "verdict"], registry=metrics.registry
        )
        self.replay_failures = Counter(
            "audit_replay_failures_total",
            "Draw replays that failed, by first failed check",
            ["service", "check"],
            registry=metrics.registry,
        )
        self.chain_failures = Counter(
            "audit_chain_verification_failures_total",
            "Verifications of the audit chain that found it broken",
            ["service"],
            registry=metrics.registry,
        )
        self.service = metrics.service


def witness_metrics(app: Any) -> WitnessMetrics:
    found = getattr(app.state, "witness_metrics", None)
    if found is None:
        found = app.state.witness_metrics = WitnessMetrics(app.state.metrics)
    return found


@dataclass(frozen=True)
class Callees:
    sampling: SamplingClient
    registry: RegistryClient
    results: ResultsClient


def _upstream_status(exc: DomainError) -> int | None:
    return exc.extra.get("upstream_status") if isinstance(exc, ServiceCallError) else None


async def _draw_info(sampling: SamplingClient, draw_id: str):
    try:
        return await sampling.draw(draw_id)
    except ServiceCallError as exc:
        if _upstream_status(exc) in (404, 422):
            raise NotFound(
                f"sampling has no draw {draw_id}", detail_zh="随机抽取服务中不存在该抽取", code="draw_not_found"
            ) from None
        raise


async def _registry_files(
    callees: Callees, kind: str, ann: dict[str, Any]
) -> tuple[dict[str, str] | None, tuple[str, ...] | None]:
    """The registry's own answer for the draw's inputs as of the recorded version (None: it has none),
    and, for teams, the selected ids of the task's objects draw."""
    version = ann.get("registry_version")
    try:
        if kind == "objects":
            frame = await callees.registry.entity_frame(ann["scope"], as_of=version)
            return {"frame": frame.text}, None
        if kind == "experts":
            frame = await callees.registry.expert_frame(sorted(ann["fields"]), as_of=version)
            return {"frame": frame.text}, None
        objects = await callees.sampling.bundle_json(str(ann["objects_draw_id"]))
        selected = tuple(s["id"] for s in objects["result"]["selected"])
        pool = await callees.registry.inspector_pool(list(ann["team"]["required_departments"]), as_of=version)
        recusals = await callees.registry.recusal_pairs(
            date.fromisoformat(ann["recusals_on"]), list(selected), as_of=version
        )
        return {"pool": pool.text, "recusals": recusals.text}, selected
    except ServiceCallError as exc:
        status = _upstream_status(exc)
        if status is not None and 400 <= status < 500:
            log.warning("registry has no answer for a %s draw as of version %s: %s", kind, version, exc.detail)
            return None, None
        raise
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("announcement of a %s draw names no usable frame: %s", kind, exc)
        return None, None


async def gather(callees: Callees, *, draw_id: str, registrations: tuple[Registration, ...]) -> tuple[Evidence, Any]:
    """Everything a replay judges, fetched concurrently with no transaction open."""
    info = await _draw_info(callees.sampling, draw_id)
    if info.status not in REPLAYABLE:
        raise InvalidState(
            f"draw {draw_id} is {info.status}: only executed (or voided after executing) draws replay",
            detail_zh="只有已执行的抽取可以复核",
            current_state=info.status,
            code="draw_not_executed",
        )
    # What to ask the registry and results comes from the announcement audit registered, not from sampling.
    ann: dict[str, Any] = {}
    for reg in registrations:
        try:
            parsed = json.loads(reg.announcement)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            ann = parsed
            break
    kind = ann.get("kind", info.kind)

    async def bundle() -> Any:
        try:
            return await callees.sampling.bundle_json(draw_id)
        except ServiceCallError as exc:
            if _upstream_status(exc) in (404, 409):
                raise InvalidState(
                    f"draw {draw_id} has no bundle (no result)",
                    detail_zh="该抽取没有抽取包（尚无结果）",
                    current_state=info.status,
                    code="draw_not_executed",
                ) from None
            raise

    async def recent() -> frozenset[str] | None:
        since = (ann.get("exclusion") or {}).get("since") if kind == "objects" else None
        if not isinstance(since, str):
            return None
        try:
            day = date.fromisoformat(since)
        except ValueError:
            return None
        return frozenset((await callees.results.recently_inspected(day)).usccs)

    async def registry() -> tuple[dict[str, str] | None, tuple[str, ...] | None]:
        if not ann:
            return None, None
        return await _registry_files(callees, kind, ann)

    body, (files, selected), recently = await asyncio.gather(bundle(), registry(), recent())
    evidence = Evidence(
        draw_id=draw_id,
        bundle=body,
        registrations=registrations,
        entropy_at=info.entropy_at,
        registry=files,
        recently_inspected=recently,
        objects_selected=selected,
    )
    return evidence, info


async def replay(
    db: Database,
    *,
    callees: Callees,
    draw_id: str,
    trigger: str,
    requested_by: str,
    metrics: WitnessMetrics | None,
    workers: int = 1,
) -> Replay:
    started_at, t0 = datetime.now(UTC), time.perf_counter()
    async with db.transaction() as session:
        registrations = await repository.registrations(session, draw_id)
    evidence, info = await gather(callees, draw_id=draw_id, registrations=registrations)
    verdict = await asyncio.to_thread(checks.verify, evidence, workers=workers)
    del evidence
    duration_ms = int((time.perf_counter() - t0) * 1000)
    reg_ann = next((r for r in registrations), None)
    version = None
    if reg_ann is not None:
        try:
            version = json.loads(reg_ann.announcement).get("registry_version")
        except (ValueError, AttributeError):
            version = None
    async with db.transaction() as session:
        row = Replay(
            id=uuid.uuid4(),
            draw_id=draw_id,
            task_id=info.task_id,
            kind=info.kind,
            trigger=trigger,
            ok=verdict.ok,
            failed_check=verdict.failed_check,
            detail=verdict.detail,
            checks=[{"check": o.check, "ok": o.ok, "detail": o.detail} for o in verdict.checks],
            registry_version=version if isinstance(version, int) else None,
            announcement_sha256=reg_ann.announcement_sha256 if reg_ann else None,
            requested_by=requested_by,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            duration_ms=duration_ms,
        )
        session.add(row)
        await session.flush()
        if not verdict.ok:
            await chain.append(
                session,
                event_id=uuid.uuid4(),
                source="audit",
                actor={"subject": requested_by},
                action="replay.failed",
                object_type="draw",
                object_id=draw_id,
                occurred_at=row.finished_at,
                data={
                    "replay_id": str(row.id),
                    "draw_id": draw_id,
                    "task_id": info.task_id,
                    "kind": info.kind,
                    "check": verdict.failed_check,
                    "detail": (verdict.detail or "")[:2000],
                },
            )
    if metrics is not None:
        metrics.replays.labels(metrics.service, "ok" if verdict.ok else "failed").inc()
        if not verdict.ok:
            metrics.replay_failures.labels(metrics.service, verdict.failed_check).inc()
    if verdict.ok:
        log.info("replay of draw %s: OK (%d ms)", draw_id, duration_ms)
    else:
        log.error(
            "REPLAY FAILED for draw %s (task %s): check %s: %s",
            draw_id,
            info.task_id,
            verdict.failed_check,
            verdict.detail,
            extra={"draw_id": draw_id, "replay_id": str(row.id), "check": verdict.failed_check},
        )
    return row


async def replay_due(
    db: Database, *, callees: Callees, max_age_seconds: float, metrics: WitnessMetrics | None, workers: int = 1
) -> list[Replay]:
    """Replay every executed draw never replayed, or last replayed more than ``max_age_seconds`` ago."""
    done: list[Replay] = []
    cursor: str | None = None
    while True:
        draws, cursor = await callees.sampling.draws(status="executed", cursor=cursor, limit=200)
        ids = [str(d.id) for d in draws]
        async with db.transaction() as session:
            last = await repository.last_replayed(session, ids)
        now = datetime.now(UTC)
        for draw_id in ids:
            seen = last.get(draw_id)
            if seen is not None and (now - seen).total_seconds() < max_age_seconds:
                continue
            try:
                done.append(
                    await replay(
                        db,
                        callees=callees,
                        draw_id=draw_id,
                        trigger="schedule",
                        requested_by="audit-scheduler",
                        metrics=metrics,
                        workers=workers,
                    )
                )
            except DomainError as exc:
                log.warning("draw %s could not be replayed now: %s", draw_id, exc.detail or exc.code)
        if cursor is None:
            return done


async def verify_chain(db: Database, *, trigger: str, metrics: WitnessMetrics | None) -> ChainVerification:
    """Recompute the whole chain and keep the verdict; a broken chain is loud."""
    async with db.transaction() as session:
        verdict = await chain.verify_chain(session)
    async with db.transaction() as session:
        row = ChainVerification(
            ok=verdict.ok,
            entries=verdict.entries,
            head_hash=verdict.head_hash,
            first_broken_seq=verdict.first_broken_seq,
            reason=verdict.reason,
            trigger=trigger,
        )
        session.add(row)
        await session.flush()
        if not verdict.ok:
            await chain.append(
                session,
                event_id=uuid.uuid4(),
                source="audit",
                actor={"subject": "audit-scheduler"},
                action="chain.broken",
                object_type="audit_chain",
                object_id="audit_events",
                occurred_at=datetime.now(UTC),
                data={
                    "verification_id": row.id,
                    "first_broken_seq": verdict.first_broken_seq,
                    "reason": verdict.reason,
                },
            )
    if not verdict.ok:
        if metrics is not None:
            metrics.chain_failures.labels(metrics.service).inc()
        log.error(
            "AUDIT CHAIN BROKEN at seq %s: %s",
            verdict.first_broken_seq,
            verdict.reason,
            extra={"first_broken_seq": verdict.first_broken_seq},
        )
    return row
