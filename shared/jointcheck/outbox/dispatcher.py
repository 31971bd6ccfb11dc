"""Delivering events: a background dispatcher sends due events to their destination.

Delivery is at least once (receivers are idempotent on the event id; GSXT on the record id),
with exponential backoff; an event is dead after ``outbox_max_attempts`` failures or at once
on a permanent rejection (400/409/422). Events sharing ``(destination, ordering_key)`` go
strictly in written order: only the head of each such queue is ever picked (see
:func:`jointcheck.outbox.repository.claim_due`), so a dead event holds its successors.

No transaction is held across a network call. A round (:meth:`OutboxDispatcher.dispatch_once`):

1. **claim** — one short transaction picks the due heads (``FOR UPDATE SKIP LOCKED``) and
   leases them to this round's token for ``outbox_lease_seconds``, then commits;
2. **deliver** — each event, with no transaction open: a POST to the destination service's
   ``/internal/events``, or the destination's registered transport
   (:mod:`jointcheck.outbox.transport`), within ``outbox_delivery_timeout``;
3. **record** — one short transaction per event records the outcome only if the row still
   carries the token (and runs the transport's outcome hook in it).

While an event is leased it is still open, so its successors wait; a dispatcher killed
mid-delivery leaves the lease to run out, and the event is then delivered again (the
destination's idempotency makes that harmless). A round stops starting deliveries when its
lease could run out during the next one, and gives the rest back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Mapping

import httpx

from jointcheck.db import Database
from jointcheck.http import ServiceTokenSource, shared_http_client
from jointcheck.observability import REQUEST_ID_HEADER, Metrics, reset_request_id, set_request_id
from jointcheck.outbox import repository
from jointcheck.outbox.transport import Delivery, OutboxRow, OutboxTransport, Outcome, outcome_hook
from jointcheck.settings import ServiceSettings

log = logging.getLogger("jointcheck.outbox")

PERMANENT_REJECTIONS = frozenset({400, 409, 422})
#: Seconds kept in hand between a delivery's timeout and the end of the lease.
LEASE_MARGIN = 2.0


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter, never below half the nominal delay."""
    nominal = min(cap, base * (2 ** max(0, attempts - 1)))
    return nominal * (0.5 + random.random() / 2)


class OutboxDispatcher:
    """Delivers pending outbox events; several replicas may run (SKIP LOCKED claims, leases)."""

    def __init__(
        self,
        *,
        settings: ServiceSettings,
        db: Database,
        metrics: Metrics | None = None,
        transports: Mapping[str, OutboxTransport] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.metrics = metrics
        self.transports = dict(transports or {})
        self.tokens = ServiceTokenSource(settings)
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name=f"outbox-{self.settings.service_name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            self._wake.set()
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stop.is_set():
            delivered = 0
            try:
                delivered = await self.dispatch_once()
            except Exception:  # keep the loop alive whatever happens (db restart…)
                log.exception("outbox dispatch round failed")
            if delivered == 0 and not self._stop.is_set():
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.outbox_poll_interval)
                except TimeoutError:
                    pass
                self._wake.clear()

    async def dispatch_once(self) -> int:
        """Deliver one batch of due events; returns how many were delivered.

        A batch holds at most one event per ordering key (the head of its queue); the
        successor becomes the head once this delivery's outcome commits, in the next round.
        """
        s = self.settings
        token = uuid.uuid4()
        claimed_at = time.monotonic()
        async with self.db.transaction() as session:
            rows = [
                OutboxRow.of(r)
                for r in await repository.lease_due(
                    session, s.outbox_batch_size, token=token, lease_seconds=s.outbox_lease_seconds
                )
            ]
        delivered = 0
        failed_destinations: set[str] = set()
        unsent: list[uuid.UUID] = []
        for i, row in enumerate(rows):
            if row.destination in failed_destinations:
                unsent.append(row.id)  # the destination just failed: don't hammer it this round
                continue
            left = s.outbox_lease_seconds - (time.monotonic() - claimed_at)
            if left < s.outbox_delivery_timeout + LEASE_MARGIN:
                unsent.extend(r.id for r in rows[i:])  # the lease could run out mid-delivery
                break
            delivery = await self._deliver(row)
            try:
                if await self._record(row, token, delivery):
                    delivered += 1
            except Exception:  # the outcome is not recorded: the lease runs out, the event goes again
                log.exception("outbox event %s: recording the outcome failed", row.id)
            if delivery.outcome != "delivered":
                failed_destinations.add(row.destination)
        if unsent:
            async with self.db.transaction() as session:
                await repository.release_claims(session, unsent, token=token)
        return delivered

    async def _record(self, row: OutboxRow, token: uuid.UUID, delivery: Delivery) -> bool:
        """Record one outcome in its own short transaction, under the lease's token; True if
        the event was delivered (and recorded)."""
        s = self.settings
        attempts = row.attempts + 1
        outcome: Outcome
        if delivery.outcome == "delivered":
            outcome = "delivered"
        elif delivery.outcome == "rejected":
            outcome = "rejected"
        elif attempts >= s.outbox_max_attempts:
            outcome = "dead"
        else:
            outcome = "retrying"
        hook = outcome_hook(self.transports.get(row.destination))
        delay = backoff_delay(attempts, s.outbox_backoff_base, s.outbox_backoff_max)
        async with self.db.transaction() as session:
            if outcome == "delivered":
                held = await repository.mark_delivered(session, row.id, token=token)
            elif outcome == "retrying":
                held = await repository.schedule_retry(
                    session, row.id, token=token, attempts=attempts, error=delivery.error, delay=delay
                )
            else:
                held = await repository.mark_dead(session, row.id, token=token, attempts=attempts, error=delivery.error)
            if not held:
                log.warning(
                    "outbox event %s to %s: the lease ran out and another dispatcher took it over; "
                    "this outcome (%s) is not recorded",
                    row.id,
                    row.destination,
                    outcome,
                    extra={"event_id": str(row.id), "topic": row.topic},
                )
                return False
            if hook is not None:
                await hook(session, row.after(attempts=attempts, response=delivery.response), outcome, delivery.error)
        if self.metrics:
            if outcome == "delivered":
                self.metrics.outbox_delivered.labels(s.service_name, row.destination).inc()
            else:
                self.metrics.outbox_failures.labels(s.service_name, row.destination).inc()
            if outcome in ("dead", "rejected"):
                self.metrics.outbox_dead.labels(s.service_name, row.destination).inc()
        if outcome in ("dead", "rejected"):
            log.error(
                "outbox event %s to %s is dead: %s",
                row.id,
                row.destination,
                delivery.error,
                extra={"event_id": str(row.id), "topic": row.topic, "ordering_key": row.ordering_key},
            )
        elif outcome == "retrying":
            log.warning(
                "outbox event %s to %s failed (attempt %d), retry in %.1fs: %s",
                row.id,
                row.destination,
                attempts,
                delay,
                delivery.error,
            )
        return outcome == "delivered"

    async def _deliver(self, row: OutboxRow) -> Delivery:
        transport = self.transports.get(row.destination)
        token = set_request_id(row.request_id or str(row.id))
        try:
            if transport is None:
                return await self._post_event(row)
            try:
                return await asyncio.wait_for(transport.deliver(row), timeout=self.settings.outbox_delivery_timeout)
            except TimeoutError:
                return Delivery("failed", f"no answer within {self.settings.outbox_delivery_timeout}s")
            except Exception as exc:  # a transport's bug is a failed attempt, not a dead dispatcher
                log.exception("outbox transport for %s failed on event %s", row.destination, row.id)
                return Delivery("failed", f"{type(exc).__name__}: {exc}"[:1000])
        finally:
            reset_request_id(token)

    async def _post_event(self, row: OutboxRow) -> Delivery:
        """One of our services: POST the event to its ``/internal/events``."""
        s = self.settings
        try:
            url = s.service_url(row.destination) + "/internal/events"
        except KeyError:
            return Delivery("failed", f"no transport and no URL for destination {row.destination!r}")
        body = {
            "id": str(row.id),
            "source": s.service_name,
            "topic": row.topic,
            "payload": row.payload,
            "created_at": row.created_at.isoformat(),
        }
        headers = {
            "Authorization": f"Bearer {self.tokens.token()}",
            "Idempotency-Key": str(row.id),
            REQUEST_ID_HEADER: row.request_id or str(row.id),
        }
        for attempt in (1, 2):
            try:
                resp = await shared_http_client(s).post(
                    url, json=body, headers=headers, timeout=s.outbox_delivery_timeout
                )
                break
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                # A pooled keep-alive connection the peer has closed (it restarted): the
                # receiver is idempotent on the event id, so sending again at once is safe.
                if attempt == 2:
                    return Delivery("failed", f"{type(exc).__name__}: {exc}"[:1000])
            except httpx.HTTPError as exc:
                return Delivery("failed", f"{type(exc).__name__}: {exc}"[:1000])
        if 200 <= resp.status_code < 300:
            return Delivery("delivered")
        error = f"HTTP {resp.status_code}: {resp.text[:800]}"
        return Delivery("rejected" if resp.status_code in PERMANENT_REJECTIONS else "failed", error)
