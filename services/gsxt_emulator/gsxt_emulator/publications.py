"""The emulator's publication desk: GSXT's intake as the results service meets it.

Faithful where a sender can tell: every record is validated (required fields and shape, a
valid USCC check character, known result categories and their rules — the very check of
:func:`jointcheck.contracts.check_publication`) and a bad one is refused with a 4xx
problem+json naming why; records are kept per ``record_id`` (= ``Idempotency-Key``): the
same record again gets the same receipt (200, ``Idempotent-Replayed: true``) and is counted
as a duplicate, never stored twice; the same id with another body is 409 ``record_conflict``.

Faults (:class:`Faults`, set by ``PUT /emulator/faults``) make it misbehave the ways a
real gateway does, for the next N calls or for a while: fail with 5xx, hang (answer only
after ``hang_ms`` — longer than a caller's timeout — and *then process the record*, the
worst case for a sender: it gave up on a call that in fact succeeded), or answer slowly.
:class:`Counts` record what arrived, so tests can prove a record was accepted exactly once.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from jointcheck.contracts import GsxtPublicationRecord, GsxtReceipt, InvalidPublicationRecord, check_publication
from jointcheck.errors import BadRequest, Conflict, UnprocessableEntity, UpstreamUnavailable
from jointcheck.schemas import Schema

MAX_WINDOW_SECONDS = 3600.0


class Faults(Schema):
    """Fault injection. Calls are answered normally for ``pass_next`` calls first; then, in
    this order: a call arriving while ``hang_for_seconds`` runs waits ``hang_ms`` and is then
    processed; one arriving while ``slow_for_seconds`` runs waits ``slow_ms``; every call waits
    ``delay_ms``; the next ``fail_next`` calls, every call while ``fail_for_seconds`` runs, and
    a ``fail_rate`` share of calls fail with ``fail_status``. Windows start when this is set.
    Applies to publications and the platform feed alike."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"fail_for_seconds": 20, "fail_status": 503}, {"hang_for_seconds": 5}]}
    )

    pass_next: int = Field(0, ge=0, le=1_000_000, description="calls answered normally before the faults apply")
    fail_next: int = Field(0, ge=0, le=1_000_000, description="the next N calls fail")
    fail_for_seconds: float = Field(0.0, ge=0, le=MAX_WINDOW_SECONDS, description="every call fails for T seconds")
    fail_rate: float = Field(0.0, ge=0, le=1, description="share of calls that fail")
    fail_status: int = Field(503, ge=400, le=599, description="status of an emulated failure")
    hang_for_seconds: float = Field(
        0.0, ge=0, le=MAX_WINDOW_SECONDS, description="calls arriving within T seconds hang (no answer for hang_ms)"
    )
    hang_ms: int = Field(30_000, ge=0, le=600_000, description="how long a hung call waits before it is processed")
    slow_for_seconds: float = Field(
        0.0, ge=0, le=MAX_WINDOW_SECONDS, description="calls arriving within T seconds answer after slow_ms"
    )
    slow_ms: int = Field(0, ge=0, le=60_000)
    delay_ms: int = Field(0, ge=0, le=60_000, description="every call waits this long")


class FaultsState(Faults):
    """The faults now: what was set, with the calls and seconds still to go."""

    fail_seconds_left: float = 0.0
    hang_seconds_left: float = 0.0
    slow_seconds_left: float = 0.0


class RecordCounts(Schema):
    requests: int = Field(0, description="publication calls naming this record / 收到的请求")
    accepted: int = Field(0, description="1 once the record is published / 已公示")
    duplicates: int = Field(0, description="the same record again, answered with its receipt / 重复提交")
    conflicts: int = Field(0, description="the same record id with another body (409) / 冲突")
    rejected: int = Field(0, description="refused as invalid (4xx) / 拒收")
    faulted: int = Field(0, description="answered with an emulated failure / 模拟故障")


class Counts(RecordCounts):
    """What the desk received since the last reset; ``records`` per record id."""

    records: dict[str, RecordCounts] = Field(default_factory=dict)


class PublicationRead(GsxtReceipt):
    """A published record with its receipt (GSXT's public page shows the record)."""

    record: GsxtPublicationRecord


class Desk:
    """Records, counts and faults of one emulator process (in memory)."""

    def __init__(self) -> None:
        self.store: dict[str, PublicationRead] = {}
        self.counts = Counts()
        self.set_faults(Faults())

    # ------------------------------------------------------------------ faults
    def set_faults(self, faults: Faults) -> FaultsState:
        now = time.monotonic()
        self.faults = faults
        self._fail_until = now + faults.fail_for_seconds
        self._hang_until = now + faults.hang_for_seconds
        self._slow_until = now + faults.slow_for_seconds
        return self.faults_state()

    def faults_state(self) -> FaultsState:
        now = time.monotonic()
        return FaultsState(
            **self.faults.model_dump(),
            fail_seconds_left=round(max(0.0, self._fail_until - now), 3),
            hang_seconds_left=round(max(0.0, self._hang_until - now), 3),
            slow_seconds_left=round(max(0.0, self._slow_until - now), 3),
        )

    async def apply_faults(self) -> None:
        """Misbehave as configured (raises the emulated failure); returns to answer normally."""
        f = self.faults
        if f.pass_next > 0:
            f.pass_next -= 1
            return
        now = time.monotonic()
        if now < self._hang_until:
            await asyncio.sleep(f.hang_ms / 1000)
        if now < self._slow_until:
            await asyncio.sleep(f.slow_ms / 1000)
        if f.delay_ms:
            await asyncio.sleep(f.delay_ms / 1000)
        why = None
        if f.fail_next > 0:
            f.fail_next -= 1
            why = "fail_next"
        elif time.monotonic() < self._fail_until:
            why = "fail_for_seconds"
        elif f.fail_rate and random.random() < f.fail_rate:
            why = "fail_rate"
        if why:
            raise UpstreamUnavailable(
                f"emulated failure ({why})",
                detail_zh=f"模拟故障（{why}）",
                status=f.fail_status,
                code="emulated_failure",
            )

    # ------------------------------------------------------------------ intake
    def _count(self, record_id: str | None, what: str) -> None:
        setattr(self.counts, what, getattr(self.counts, what) + 1)
        if record_id is not None:
            per = self.counts.records.setdefault(record_id, RecordCounts())
            setattr(per, what, getattr(per, what) + 1)

    async def publish(self, raw: bytes, idempotency_key: str | None) -> tuple[PublicationRead, bool]:
        """Take one publication call: ``(publication, replayed)``; refusals raise domain errors."""
        body: Any = None
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            pass
        named = body.get("record_id") if isinstance(body, dict) else None
        record_id = idempotency_key or (named if isinstance(named, str) and len(named) <= 128 else None)
        self._count(record_id, "requests")
        try:
            await self.apply_faults()
        except UpstreamUnavailable:
            self._count(record_id, "faulted")
            raise
        try:
            record = self._validate(body, raw, idempotency_key)
        except (BadRequest, UnprocessableEntity):
            self._count(record_id, "rejected")
            raise
        digest = record.sha256()
        existing = self.store.get(record.record_id)
        if existing is not None:
            if existing.record_sha256 == digest:
                self._count(record.record_id, "duplicates")
                return existing, True
            self._count(record.record_id, "conflicts")
            raise Conflict(
                f"record {record.record_id} was published with another content; a record is published once",
                detail_zh=f"记录 {record.record_id} 已以不同内容公示；同一记录只公示一次",
                code="record_conflict",
                extra={"record_id": record.record_id, "published_sha256": existing.record_sha256},
            )
        publication = PublicationRead(
            record_id=record.record_id,
            publication_id=uuid.uuid4().hex,
            uscc=record.uscc,
            received_at=datetime.now(UTC),
            record_sha256=digest,
            record=record,
        )
        self.store[record.record_id] = publication
        self._count(record.record_id, "accepted")
        return publication, False

    @staticmethod
    def _validate(body: Any, raw: bytes, idempotency_key: str | None) -> GsxtPublicationRecord:
        if body is None and raw:
            raise BadRequest("the body is not JSON", detail_zh="请求体不是合法的 JSON", code="invalid_json")
        try:
            record = GsxtPublicationRecord.model_validate(body)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"], "type": e["type"]}
                for e in exc.errors()[:50]
            ]
            fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
            raise UnprocessableEntity(
                f"the record is incomplete or malformed: {fields}",
                detail_zh=f"记录缺少必填项或格式有误：{fields}",
                code="invalid_record",
                errors=errors,
            ) from None
        if idempotency_key is not None and idempotency_key != record.record_id:
            raise UnprocessableEntity(
                f"Idempotency-Key {idempotency_key[:128]!r} is not the record id {record.record_id!r}",
                detail_zh=f"Idempotency-Key（{idempotency_key[:128]}）与记录编号（{record.record_id}）不一致",
                code="idempotency_key_mismatch",
            )
        try:
            check_publication(record)
        except InvalidPublicationRecord as exc:
            raise UnprocessableEntity(
                exc.detail,
                detail_zh=exc.detail_zh,
                code=exc.code,
                extra={"field": exc.field, "reason": exc.reason},
            ) from None
        return record

    # ------------------------------------------------------------------ reads and resets
    def publications(self, uscc: str | None, limit: int) -> list[PublicationRead]:
        found = (p for p in self.store.values() if uscc is None or p.uscc == uscc)
        return [p for _, p in zip(range(limit), found, strict=False)]

    def forget(self) -> None:
        """Forget every publication and every count (faults stay as they are)."""
        self.store.clear()
        self.counts = Counts()
