"""Delivering events: a background dispatcher POSTs due events to their destination.

Delivery is at least once (receivers are idempotent on the event id), with exponential
backoff; an event is dead after ``outbox_max_attempts`` failures or at once on a permanent
rejection (400/409/422). Events sharing ``(destination, ordering_key)`` go strictly in
written order: only the head of each such queue is ever picked (see
:func:`jointcheck.outbox.repository.claim_due`), so a dead event holds its successors.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any, Literal

import httpx

from jointcheck.db import Database
from jointcheck.http import ServiceTokenSource, shared_http_client
from jointcheck.observability import REQUEST_ID_HEADER, Metrics, reset_request_id, set_request_id
from jointcheck.outbox import repository
from jointcheck.settings import ServiceSettings

log = logging.getLogger("jointcheck.outbox")

PERMANENT_REJECTIONS = frozenset({400, 409, 422})


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter, never below half the nominal delay."""
    nominal = min(cap, base * (2 ** max(0, attempts - 1)))
    return nominal * (0.5 + random.random() / 2)


class OutboxDispatcher:
    """Delivers pending outbox events; several replicas may run (SKIP LOCKED)."""

    def __init__(self, *, settings: ServiceSettings, db: Database, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.db = db
        self.metrics = metrics
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
        successor becomes the head once this delivery commits, in the next round.
        """
        s = self.settings
        delivered = 0
        async with self.db.transaction() as session:
            rows = await repository.claim_due(session, s.outbox_batch_size)
            failed_destinations: set[str] = set()
            for row in rows:
                if row.destination in failed_destinations:
                    continue  # the destination just failed: don't hammer it this round
                outcome, error = await self._deliver(row)
                if outcome == "delivered":
                    delivered += 1
                    await repository.mark_delivered(session, row.id)
                    if self.metrics:
                        self.metrics.outbox_delivered.labels(s.service_name, row.destination).inc()
                    continue
                failed_destinations.add(row.destination)
                attempts = row.attempts + 1
                if self.metrics:
                    self.metrics.outbox_failures.labels(s.service_name, row.destination).inc()
                if outcome == "rejected" or attempts >= s.outbox_max_attempts:
                    await repository.mark_dead(session, row.id, attempts=attempts, error=error)
                    if self.metrics:
                        self.metrics.outbox_dead.labels(s.service_name, row.destination).inc()
                    log.error(
                        "outbox event %s to %s is dead: %s",
                        row.id,
                        row.destination,
                        error,
                        extra={"event_id": str(row.id), "topic": row.topic, "ordering_key": row.ordering_key},
                    )
                else:
                    delay = backoff_delay(attempts, s.outbox_backoff_base, s.outbox_backoff_max)
                    await repository.schedule_retry(session, row.id, attempts=attempts, error=error, delay=delay)
                    log.warning(
                        "outbox event %s to %s failed (attempt %d), retry in %.1fs: %s",
                        row.id,
                        row.destination,
                        attempts,
                        delay,
                        error,
                    )
        return delivered

    async def _deliver(self, row: Any) -> tuple[Literal["delivered", "failed", "rejected"], str | None]:
        s = self.settings
        url = s.service_url(row.destination) + "/internal/events"
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
        token = set_request_id(row.request_id or str(row.id))
        try:
            for attempt in (1, 2):
                try:
                    resp = await shared_http_client(s).post(url, json=body, headers=headers, timeout=10.0)
                    break
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                    # A pooled keep-alive connection the peer has closed (it restarted): the
                    # receiver is idempotent on the event id, so sending again at once is safe.
                    if attempt == 2:
                        return "failed", f"{type(exc).__name__}: {exc}"[:1000]
                except httpx.HTTPError as exc:
                    return "failed", f"{type(exc).__name__}: {exc}"[:1000]
        finally:
            reset_request_id(token)
        if 200 <= resp.status_code < 300:
            return "delivered", None
        error = f"HTTP {resp.status_code}: {resp.text[:800]}"
        return ("rejected" if resp.status_code in PERMANENT_REJECTIONS else "failed"), error
