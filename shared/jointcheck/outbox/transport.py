"""Per-destination transports: delivering outbox events to systems that are not our services.

By default the dispatcher POSTs an event to the destination service's ``/internal/events``.
A service may register a transport for a destination that is not one of ours —
``create_service_app(..., outbox_transports={"gsxt": GsxtTransport(settings, on_outcome=…)})``
— which delivers the row its own way (GSXT: :class:`jointcheck.clients.gsxt.GsxtTransport`
publishes the payload) and says how it went (:class:`Delivery`). Order, leases, backoff,
dead letters and the ops routes work the same for every destination.

A transport may also have an outcome hook, ``on_outcome(session, row, outcome, error)``, run
inside the short transaction that records the outcome on the outbox row — so the owning
service updates its own record (a publication's status and last error) atomically with it.
``outcome`` is one of :data:`OUTCOMES`:

* ``delivered`` — the destination took it (``row.response``: what it answered, e.g. the receipt);
* ``retrying`` — it failed and is tried again at the backoff time (``error``);
* ``rejected`` — the destination refused it for good: the event is dead (``error``, and
  ``row.response`` with the destination's problem document when it sent one);
* ``dead`` — it failed ``outbox_max_attempts`` times: dead (``error``);
* ``requeued`` / ``discarded`` — an operator re-queued the dead event, or gave up on it
  (``/ops/outbox/{id}/requeue`` and ``/discard``; ``error`` is the discard's reason).

A hook that raises rolls its transaction back: the outcome is not recorded, the lease runs
out and the event is delivered again — which the destination's idempotency makes harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

#: What a transport reports for one attempt.
DeliveryOutcome = Literal["delivered", "failed", "rejected"]
#: What an outcome hook is told.
Outcome = Literal["delivered", "retrying", "rejected", "dead", "requeued", "discarded"]
OUTCOMES: tuple[Outcome, ...] = ("delivered", "retrying", "rejected", "dead", "requeued", "discarded")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """An outbox event as a transport and a hook see it. ``attempts``: attempts made, this one
    included (when a hook runs); ``response``: what the destination answered this time."""

    id: uuid.UUID
    seq: int
    destination: str
    topic: str
    ordering_key: str | None
    payload: dict[str, Any]
    request_id: str | None
    attempts: int
    created_at: datetime
    response: dict[str, Any] | None = None

    @classmethod
    def of(cls, row: Any) -> OutboxRow:
        """From a database row (attribute or mapping access)."""
        get = row.get if isinstance(row, Mapping) else lambda k: getattr(row, k)
        return cls(
            id=get("id"),
            seq=get("seq"),
            destination=get("destination"),
            topic=get("topic"),
            ordering_key=get("ordering_key"),
            payload=get("payload"),
            request_id=get("request_id"),
            attempts=get("attempts"),
            created_at=get("created_at"),
        )

    def after(self, *, attempts: int, response: dict[str, Any] | None) -> OutboxRow:
        return replace(self, attempts=attempts, response=response)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one attempt went: ``failed`` is retried with backoff, ``rejected`` is dead at once."""

    outcome: DeliveryOutcome
    error: str | None = None
    response: dict[str, Any] | None = None


OutcomeHook = Callable[[AsyncSession, OutboxRow, Outcome, str | None], Awaitable[None]]


@runtime_checkable
class OutboxTransport(Protocol):
    """Delivers events of one destination. Must answer within ``outbox_delivery_timeout``
    (the dispatcher cancels it after that, as a failed attempt). May define ``on_outcome``
    (an :data:`OutcomeHook`)."""

    async def deliver(self, row: OutboxRow) -> Delivery: ...


def outcome_hook(transport: object | None) -> OutcomeHook | None:
    """The transport's ``on_outcome`` hook, if it has one."""
    hook = getattr(transport, "on_outcome", None)
    return hook if callable(hook) else None
