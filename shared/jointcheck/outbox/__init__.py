"""Transactional outbox (sender side) and idempotent inbox (receiver side).

A service that wants another to learn of something writes an event row into its own
``outbox_events`` table **in the same transaction** as the change itself
(:func:`enqueue_event`). A background :class:`OutboxDispatcher`, started in the app
lifespan, delivers pending events over HTTP to the destination's ``POST
/internal/events`` with exponential backoff; after ``outbox_max_attempts`` failures,
or at once on a permanent rejection (400/409/422), an event goes to the ``dead``
state, listed at ``GET /ops/outbox`` and re-queueable by an admin. Events with the
same destination and ``ordering_key`` are delivered strictly in the order written; a
dead one holds its successors until re-queued. Receivers record every event id in
``inbox_events`` in the same transaction as applying it, so a redelivered event is
acknowledged and not applied twice.

Delivery holds no transaction across the network: events are claimed with a lease in one
short transaction and their outcome recorded in another (:mod:`.dispatcher`). Destinations
that are not our services (GSXT) get a transport (:mod:`.transport`), whose outcome hook
updates the owning service's record in the same transaction as the outbox row.

Modules: :mod:`.tables` (schema), :mod:`.sender` (enqueue, audit), :mod:`.dispatcher`
(delivery), :mod:`.transport` (other destinations), :mod:`.receiver` (inbox route),
:mod:`.ops` (operator routes), :mod:`.repository` (every query).
"""

from jointcheck.outbox.dispatcher import PERMANENT_REJECTIONS, OutboxDispatcher, backoff_delay
from jointcheck.outbox.ops import OutboxEventRead, OutboxPage, OutboxSummary, ops_router
from jointcheck.outbox.receiver import EventAck, EventHandler, EventHandlers, IncomingEvent, internal_router
from jointcheck.outbox.sender import enqueue_event, record_audit
from jointcheck.outbox.tables import add_outbox_tables
from jointcheck.outbox.transport import (
    OUTCOMES,
    Delivery,
    OutboxRow,
    OutboxTransport,
    Outcome,
    OutcomeHook,
)

__all__ = [
    "OUTCOMES",
    "PERMANENT_REJECTIONS",
    "Delivery",
    "EventAck",
    "EventHandler",
    "EventHandlers",
    "IncomingEvent",
    "OutboxDispatcher",
    "OutboxEventRead",
    "OutboxPage",
    "OutboxRow",
    "OutboxSummary",
    "OutboxTransport",
    "Outcome",
    "OutcomeHook",
    "add_outbox_tables",
    "backoff_delay",
    "enqueue_event",
    "internal_router",
    "ops_router",
    "record_audit",
]
