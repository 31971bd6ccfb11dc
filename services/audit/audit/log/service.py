"""Rules of the hash-chained audit log: append under a lock, verify by recomputation."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from audit.log import repository
from audit.log.models import AuditEvent
from audit.log.schemas import ChainVerdict
from jointcheck.contracts import AuditRecord
from jointcheck.outbox import IncomingEvent

GENESIS_HASH = "0" * 64


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, entry: AuditEvent) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON (RFC 8785 subset)."""
    body = {
        "seq": entry.seq,
        "event_id": str(entry.event_id),
        "source": entry.source,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "occurred_at": _ts(entry.occurred_at),
        "recorded_at": _ts(entry.recorded_at),
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical.encode("utf-8")).hexdigest()


async def append(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    source: str,
    actor: dict[str, Any] | None,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    occurred_at: datetime,
) -> AuditEvent:
    """Append one entry; concurrent appends are serialised by a transaction lock."""
    await repository.lock_chain(session)
    last = await repository.last_entry(session)
    entry = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        event_id=event_id,
        source=source,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data,
        occurred_at=occurred_at,
        recorded_at=datetime.now(UTC),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(entry.prev_hash, entry)
    session.add(entry)
    await session.flush()
    return entry


async def verify_chain(session: AsyncSession) -> ChainVerdict:
    """Recompute every link; name the first entry that does not match."""
    prev = GENESIS_HASH
    count = 0
    expected_seq = 1
    async for entry in repository.stream_entries(session):
        count += 1
        if entry.seq != expected_seq:
            return ChainVerdict(
                ok=False,
                entries=count,
                head_hash=prev,
                first_broken_seq=entry.seq,
                reason=f"sequence gap: expected {expected_seq}",
            )
        if entry.prev_hash != prev:
            return ChainVerdict(
                ok=False,
                entries=count,
                head_hash=prev,
                first_broken_seq=entry.seq,
                reason="prev_hash does not match the previous entry",
            )
        if entry_hash(prev, entry) != entry.hash:
            return ChainVerdict(
                ok=False,
                entries=count,
                head_hash=prev,
                first_broken_seq=entry.seq,
                reason="entry content does not match its hash",
            )
        prev = entry.hash
        expected_seq += 1
    return ChainVerdict(ok=True, entries=count, head_hash=prev)


async def handle_audit_record(session: AsyncSession, record: AuditRecord, event: IncomingEvent) -> None:
    """Outbox handler for topic ``audit.record`` (payload validated into :class:`AuditRecord`): append."""
    await append(
        session,
        event_id=event.id,
        source=event.source,
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        data=record.data,
        occurred_at=record.occurred_at,
    )
