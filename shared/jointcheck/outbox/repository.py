"""Every query on ``outbox_events`` and ``inbox_events``.

Ordering rule, in SQL: an event with an ``ordering_key`` may be sent only when no earlier
event (smaller ``seq``) with the same ``(destination, ordering_key)`` is still *open* —
pending, retrying, being delivered or dead (not delivered, not discarded). See :func:`claim_due`.

Leases: :func:`lease_due` claims the heads for a while (``claim_token``, ``claimed_until``)
and commits; the outcome is recorded later by :func:`mark_delivered`, :func:`mark_dead`,
:func:`schedule_retry` or :func:`release_claims`, each only while the row still carries the
token (a dispatcher whose lease ran out and was taken over records nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

# Open events: still to be delivered, or dead (the index ix_outbox_events_key_open covers them).
_OPEN = "IN ('pending', 'dead')"
# An earlier open event of the same queue (``o`` is the event at hand).
_EARLIER_OPEN = (
    f"e.destination = o.destination AND e.ordering_key = o.ordering_key AND e.seq < o.seq AND e.status {_OPEN}"
)
_BEHIND_DEAD = (
    "o.status = 'pending' AND o.ordering_key IS NOT NULL AND EXISTS "
    f"(SELECT 1 FROM outbox_events e WHERE {_EARLIER_OPEN} AND e.status = 'dead')"
)
_READ_COLUMNS = (
    "o.id, o.seq, o.destination, o.topic, o.ordering_key, o.payload, o.request_id, o.status, o.attempts, "
    "o.next_attempt_at, o.last_error, o.created_at, o.delivered_at, o.claimed_until, head.id AS blocked_by, "
    "COALESCE(behind.n, 0) AS holds"
)
# The first undelivered event ahead of a pending one, and how many wait behind an open one.
_READ_JOINS = (
    "LEFT JOIN LATERAL (SELECT e.id FROM outbox_events e WHERE o.status = 'pending' "
    f"AND o.ordering_key IS NOT NULL AND {_EARLIER_OPEN} ORDER BY e.seq LIMIT 1) head ON true "
    f"LEFT JOIN LATERAL (SELECT count(*) AS n FROM outbox_events e WHERE o.status {_OPEN} "
    "AND o.ordering_key IS NOT NULL AND e.destination = o.destination AND e.ordering_key = o.ordering_key "
    f"AND e.seq > o.seq AND e.status {_OPEN}) behind ON true"
)


async def insert_event(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    destination: str,
    topic: str,
    ordering_key: str | None,
    payload_json: str,
    request_id: str | None,
) -> None:
    if ordering_key is not None:
        # Writers of one queue take turns until commit, so ``seq`` order is commit order:
        # a later-numbered event can never become visible before an earlier one.
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))"),
            {"lock": f"outbox|{destination}|{ordering_key}"},
        )
    await session.execute(
        text(
            "INSERT INTO outbox_events (id, destination, topic, ordering_key, payload, request_id) "
            "VALUES (:id, :destination, :topic, :ordering_key, CAST(:payload AS jsonb), :request_id)"
        ),
        {
            "id": event_id,
            "destination": destination,
            "topic": topic,
            "ordering_key": ordering_key,
            "payload": payload_json,
            "request_id": request_id,
        },
    )


_CLAIM_COLUMNS = (
    "o.id, o.seq, o.destination, o.topic, o.ordering_key, o.payload, o.request_id, o.attempts, o.created_at"
)


async def claim_due(session: AsyncSession, limit: int) -> Sequence[Row[Any]]:
    """Lock up to ``limit`` due, unleased events, each the head of its queue, in written order.

    Safe with several dispatchers: an event whose predecessor another dispatcher holds — locked
    in its claiming transaction, or leased while it delivers — is not the head (the
    predecessor is still open), and a predecessor is only seen as delivered once that
    delivery's outcome has committed.
    """
    return (
        await session.execute(
            text(
                f"SELECT {_CLAIM_COLUMNS} FROM outbox_events o "
                "WHERE o.status = 'pending' AND o.next_attempt_at <= now() "
                "AND (o.claimed_until IS NULL OR o.claimed_until <= now()) AND (o.ordering_key IS NULL OR "
                f"NOT EXISTS (SELECT 1 FROM outbox_events e WHERE {_EARLIER_OPEN})) "
                "ORDER BY o.seq LIMIT :n FOR UPDATE OF o SKIP LOCKED"
            ),
            {"n": limit},
        )
    ).all()


async def lease_due(session: AsyncSession, limit: int, *, token: uuid.UUID, lease_seconds: float) -> Sequence[Row[Any]]:
    """:func:`claim_due`, then lease the rows to ``token`` for ``lease_seconds`` (commit at once:
    the lease, not a lock, keeps others off while the event is delivered)."""
    rows = await claim_due(session, limit)
    if rows:
        await session.execute(
            text(
                "UPDATE outbox_events SET claim_token = :t, claimed_until = now() + make_interval(secs => :s) "
                "WHERE id = ANY(:ids)"
            ),
            {"t": token, "s": lease_seconds, "ids": [r.id for r in rows]},
        )
    return rows


_HELD = "id = :id AND claim_token = :t AND status = 'pending'"
_UNCLAIM = "claim_token = NULL, claimed_until = NULL"


async def mark_delivered(session: AsyncSession, event_id: uuid.UUID, *, token: uuid.UUID) -> bool:
    """Delivered, if ``token`` still holds the event (else nothing changes: False)."""
    result = await session.execute(
        text(
            f"UPDATE outbox_events SET status='delivered', delivered_at=now(), attempts=attempts+1, "
            f"last_error=NULL, {_UNCLAIM} WHERE {_HELD}"
        ),
        {"id": event_id, "t": token},
    )
    return result.rowcount == 1


async def mark_dead(
    session: AsyncSession, event_id: uuid.UUID, *, token: uuid.UUID, attempts: int, error: str | None
) -> bool:
    result = await session.execute(
        text(f"UPDATE outbox_events SET status='dead', attempts=:a, last_error=:e, {_UNCLAIM} WHERE {_HELD}"),
        {"id": event_id, "t": token, "a": attempts, "e": error},
    )
    return result.rowcount == 1


async def schedule_retry(
    session: AsyncSession, event_id: uuid.UUID, *, token: uuid.UUID, attempts: int, error: str | None, delay: float
) -> bool:
    result = await session.execute(
        text(
            f"UPDATE outbox_events SET attempts=:a, last_error=:e, {_UNCLAIM}, "
            f"next_attempt_at = now() + make_interval(secs => :d) WHERE {_HELD}"
        ),
        {"id": event_id, "t": token, "a": attempts, "e": error, "d": delay},
    )
    return result.rowcount == 1


async def release_claims(session: AsyncSession, event_ids: Sequence[uuid.UUID], *, token: uuid.UUID) -> None:
    """Give back leased events not tried this round (due again at once, attempts unchanged)."""
    if event_ids:
        await session.execute(
            text(f"UPDATE outbox_events SET {_UNCLAIM} WHERE id = ANY(:ids) AND claim_token = :t"),
            {"ids": list(event_ids), "t": token},
        )


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    """Events per status, plus ``blocked``: pending events held behind a dead one."""
    rows = (await session.execute(text("SELECT status, count(*) AS n FROM outbox_events GROUP BY status"))).all()
    counts = {r.status: r.n for r in rows}
    counts["blocked"] = (
        await session.execute(text(f"SELECT count(*) FROM outbox_events o WHERE {_BEHIND_DEAD}"))
    ).scalar_one()
    return counts


async def list_events(
    session: AsyncSession, *, status: str, before_seq: int | None, limit: int
) -> Sequence[RowMapping]:
    """Events in a status (``blocked``: pending behind a dead one), newest first."""
    where = _BEHIND_DEAD if status == "blocked" else "o.status = :status"
    params: dict[str, Any] = {"status": status, "n": limit}
    if before_seq is not None:
        where += " AND o.seq < :before"
        params["before"] = before_seq
    return (
        (
            await session.execute(
                text(
                    f"SELECT {_READ_COLUMNS} FROM outbox_events o {_READ_JOINS} WHERE {where} ORDER BY o.seq DESC LIMIT :n"
                ),
                params,
            )
        )
        .mappings()
        .all()
    )


async def get_read(session: AsyncSession, event_id: uuid.UUID) -> RowMapping | None:
    return (
        (
            await session.execute(
                text(f"SELECT {_READ_COLUMNS} FROM outbox_events o {_READ_JOINS} WHERE o.id = :id"), {"id": event_id}
            )
        )
        .mappings()
        .first()
    )


async def requeue_dead(session: AsyncSession, event_id: uuid.UUID) -> tuple[str, str] | None:
    """Make a dead event pending again; its ``(destination, topic)``, or None if it is not dead."""
    row = (
        await session.execute(
            text(
                "UPDATE outbox_events SET status='pending', attempts=0, next_attempt_at=now() "
                "WHERE id=:id AND status='dead' RETURNING destination, topic"
            ),
            {"id": event_id},
        )
    ).first()
    return (row.destination, row.topic) if row else None


async def discard_dead(session: AsyncSession, event_id: uuid.UUID, *, reason: str) -> tuple[str, str] | None:
    """Give up on a dead event (it will never be sent); its ``(destination, topic)``, or None if it is not dead."""
    row = (
        await session.execute(
            text(
                "UPDATE outbox_events SET status='discarded', "
                "last_error = concat_ws(' | ', 'discarded: ' || :reason, last_error) "
                "WHERE id=:id AND status='dead' RETURNING destination, topic"
            ),
            {"id": event_id, "reason": reason},
        )
    ).first()
    return (row.destination, row.topic) if row else None


async def status_of(session: AsyncSession, event_id: uuid.UUID) -> str | None:
    return (await session.execute(text("SELECT status FROM outbox_events WHERE id=:id"), {"id": event_id})).scalar()


async def record_inbox(session: AsyncSession, *, event_id: uuid.UUID, source: str, topic: str) -> bool:
    """Remember a received event; False if it was received before."""
    inserted = (
        await session.execute(
            text(
                "INSERT INTO inbox_events (event_id, source, topic) VALUES (:id, :source, :topic) "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
            ),
            {"id": event_id, "source": source, "topic": topic},
        )
    ).first()
    return inserted is not None
