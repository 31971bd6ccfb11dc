"""Prometheus series of the platform sync (on the service's own ``/metrics``).

``registry_platform_sync_lag_events`` — the platform's newest sequence number minus the
cursor applied, as this replica last saw it; ``registry_platform_sync_rejected_events_total``
— events rejected; ``registry_platform_sync_last_success_timestamp_seconds`` — when a run
last finished with nothing failing. The alert rules are in ``deploy/alerts/``.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.lag = Gauge(
            "registry_platform_sync_lag_events",
            "Platform feed: newest sequence number minus the applied cursor",
            registry=registry,
        )
        self.rejected = Counter(
            "registry_platform_sync_rejected_events", "Platform feed events rejected", registry=registry
        )
        self.applied = Counter(
            "registry_platform_sync_events", "Platform feed events applied, by outcome", ["outcome"], registry=registry
        )
        self.runs = Counter(
            "registry_platform_sync_runs", "Platform sync runs, by status", ["status"], registry=registry
        )
        self.last_success = Gauge(
            "registry_platform_sync_last_success_timestamp_seconds",
            "When a platform sync run last succeeded (Unix time)",
            registry=registry,
        )

    def page_applied(self, counts: dict[str, int], *, lag: int) -> None:
        for outcome, n in counts.items():
            if outcome == "rejected":
                self.rejected.inc(n)
            elif outcome != "pulled":
                self.applied.labels(outcome).inc(n)
        self.lag.set(max(lag, 0))

    def run_finished(self, status: str, *, lag: int) -> None:
        self.runs.labels(status).inc()
        self.lag.set(max(lag, 0))
        if status == "succeeded":
            self.last_success.set(time.time())
