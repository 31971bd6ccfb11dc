"""Writing events: into this service's outbox, inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.observability import get_request_id
from jointcheck.outbox import repository

MAX_KEY_LENGTH = 200  # the column's width; longer keys are stored as their digest


def _stored_key(ordering_key: str | None) -> str | None:
    if ordering_key is None or len(ordering_key) <= MAX_KEY_LENGTH:
        return ordering_key
    return "sha256:" + hashlib.sha256(ordering_key.encode()).hexdigest()


async def enqueue_event(
    session: AsyncSession,
    *,
    destination: str,
    topic: str,
    payload: dict[str, Any],
    ordering_key: str | None = None,
    event_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Write an event into this service's outbox, inside the caller's transaction.

    Events with the same ``destination`` and ``ordering_key`` (e.g. ``task:<id>``) reach the
    destination in the order they were written, whatever fails in between: a later event
    waits while an earlier one retries, and stays held while an earlier one is dead.
    Without a key, events are delivered in no guaranteed order.
    """
    eid = event_id or uuid.uuid4()
    await repository.insert_event(
        session,
        event_id=eid,
        destination=destination,
        topic=topic,
        ordering_key=_stored_key(ordering_key),
        payload_json=json.dumps(payload, ensure_ascii=False, default=str),
        request_id=get_request_id(),
    )
    return eid


async def record_audit(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Send an entry to the audit service's hash-chained log, through the outbox.

    Entries about one object reach the log in the order they were written.
    """
    return await enqueue_event(
        session,
        destination="audit",
        topic="audit.record",
        ordering_key=f"{object_type}:{object_id}",
        payload={
            "actor": actor.audit_actor() if actor else None,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data or {},
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    )
