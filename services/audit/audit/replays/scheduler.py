"""The witness's schedule: replay due draws, verify the chain — on one replica at a time.

Every replica polls; a job runs on the replica that takes its lease (a row of
``scheduler_leases`` whose ``expires_at`` has passed). When the job is done, ``expires_at``
becomes the time it is next due; a replica that dies mid-job frees it after
``scheduler_lease_seconds``. No transaction is held while the job calls other services.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from typing import Any

from audit.config import Settings
from audit.replays import repository, service
from jointcheck.clients import RegistryClient, ResultsClient, SamplingClient
from jointcheck.db import Database

log = logging.getLogger("audit.scheduler")
REPLAY_JOB, CHAIN_JOB = "replay-draws", "verify-chain"


def callees_for(settings: Settings) -> service.Callees:
    return service.Callees(
        sampling=SamplingClient(settings), registry=RegistryClient(settings), results=ResultsClient(settings)
    )


async def run_due_jobs(
    db: Database, settings: Settings, *, holder: str, callees: service.Callees, metrics: service.WitnessMetrics | None
) -> list[str]:
    """Run whichever jobs are due and free; returns the names of those run here."""
    ran = []
    for name, interval in (
        (CHAIN_JOB, settings.chain_verify_interval_seconds),
        (REPLAY_JOB, settings.replay_interval_seconds),
    ):
        async with db.transaction() as session:
            mine = await repository.take_lease(session, name, holder, settings.scheduler_lease_seconds)
        if not mine:
            continue
        try:
            if name == CHAIN_JOB:
                await service.verify_chain(db, trigger="schedule", metrics=metrics)
            else:
                await service.replay_due(
                    db,
                    callees=callees,
                    max_age_seconds=settings.replay_max_age_seconds,
                    metrics=metrics,
                    workers=settings.replay_workers,
                )
            ran.append(name)
        finally:
            async with db.transaction() as session:
                await repository.next_due(session, name, holder, interval)
    return ran


class Scheduler:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def _loop(self) -> None:
        settings: Settings = self.app.state.settings
        while not self._stop.is_set():
            try:
                await run_due_jobs(
                    self.app.state.db,
                    settings,
                    holder=self.holder,
                    callees=callees_for(settings),
                    metrics=service.witness_metrics(self.app),
                )
            except Exception:
                log.exception("scheduled witness jobs failed; retrying in %ss", settings.scheduler_poll_seconds)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=settings.scheduler_poll_seconds)
            except TimeoutError:
                pass

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="audit-witness-scheduler")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass


async def start_scheduler(app: Any) -> None:
    service.witness_metrics(app)
    if app.state.settings.scheduler_enabled:
        app.state.witness_scheduler = Scheduler(app)
        app.state.witness_scheduler.start()


async def stop_scheduler(app: Any) -> None:
    scheduler = getattr(app.state, "witness_scheduler", None)
    if scheduler is not None:
        await scheduler.stop()
