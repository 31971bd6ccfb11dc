"""The scheduled pull: every ``REGISTRY_PLATFORM_SYNC_INTERVAL`` seconds, in every replica.

Replicas need no leader: each page is applied under the feed's row lock and only if the
cursor is still where the page started, so two replicas never apply a change twice.
"""

from __future__ import annotations

import asyncio
import logging
import random

from fastapi import FastAPI

from jointcheck.auth import Principal
from jointcheck.clients import PlatformClient
from registry.platform_sync import service

log = logging.getLogger("registry.platform_sync")
SCHEDULER = Principal(subject="service:registry:platform-sync", roles=frozenset({"service"}))


async def _loop(app: FastAPI) -> None:
    settings = app.state.settings
    interval = settings.platform_sync_interval
    await asyncio.sleep(interval * random.random())  # replicas started together spread out
    while True:
        try:
            await service.run(
                app.state.db,
                PlatformClient(settings),
                settings,
                actor=SCHEDULER,
                trigger="schedule",
                metrics=app.state.platform_sync_metrics,
            )
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed run is retried at the next tick; the loop never dies
            log.exception("scheduled platform sync failed")
        await asyncio.sleep(interval)


async def start(app: FastAPI) -> None:
    app.state.platform_sync_task = None
    if app.state.settings.platform_sync_interval > 0:
        app.state.platform_sync_task = asyncio.create_task(_loop(app), name="platform-sync")


async def stop(app: FastAPI) -> None:
    task = getattr(app.state, "platform_sync_task", None)
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
