"""Request ids, JSON logs and Prometheus metrics.

``X-Request-ID`` is accepted from the caller (if it looks sane) or generated at the
edge, kept in a context variable for the whole request, written into every log line,
echoed in the response and forwarded by the inter-service client and the outbox.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def get_request_id() -> str | None:
    """The current request id, if inside a request (or a job that set one)."""
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    """32 hex digits of a random (version 4) UUID, as ``uuid.uuid4().hex``, at a fifth of its cost
    (one is made for every request that brings none)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    _skip = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
        "message",
        "asctime",
        "color_message",
    }

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        # Every request writes a line: one encoder, and the time's seconds formatted once a second.
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self._time(record.created),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = _request_id.get()
        if rid:
            entry["request_id"] = rid
        skip = self._skip
        for key, value in record.__dict__.items():
            if key not in skip and key[0] != "_":
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self._encode(entry)


def configure_logging(service: str, level: str = "INFO", json_logs: bool = True) -> None:
    """Route the root logger (and uvicorn's) through one JSON handler on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    if json_logs:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    # Neither format shows the caller's file and line, the thread or the process: do not
    # collect them for every record (the logging HOWTO's "Optimization"; an access line is
    # written for every request).
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Our middleware writes the access line (with the request id); silence uvicorn's.
    logging.getLogger("uvicorn.access").disabled = True


class Metrics:
    """Per-app Prometheus registry (several apps may live in one test process)."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["service", "method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.outbox_delivered = Counter(
            "outbox_events_delivered_total",
            "Outbox events delivered",
            ["service", "destination"],
            registry=self.registry,
        )
        self.outbox_failures = Counter(
            "outbox_delivery_failures_total",
            "Failed outbox delivery attempts",
            ["service", "destination"],
            registry=self.registry,
        )
        self.outbox_dead = Counter(
            "outbox_events_dead_total",
            "Outbox events moved to dead-letter",
            ["service", "destination"],
            registry=self.registry,
        )
        self.inbox_events = Counter(
            "inbox_events_total",
            "Events received at /internal/events: applied, or a redelivery acknowledged as duplicate",
            ["service", "source", "status"],
            registry=self.registry,
        )
        self.service = service
        #: ``async (db, metrics)`` callables run before each scrape to set a service's own gauges.
        self.refreshers: list[Any] = []

    def watch_database(self, db: Any) -> None:
        """Export the database pools' counts (a :class:`jointcheck.db.Database`), read at scrape time."""
        self.registry.register(_PoolCollector(self.service, db))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _PoolCollector:
    """``db_pool_*``: per pool (``write``, ``read``) its size, connections in use and idle, and
    since start its checkouts, the checkouts that waited (and how long in all), the connections
    opened. Connections opened growing under steady load is churn; waits growing means the
    pool is too small for the load (or a slow query holds connections)."""

    def __init__(self, service: str, db: Any) -> None:
        self.service = service
        self.db = db

    def collect(self) -> Any:
        labels = ["service", "pool"]
        size = GaugeMetricFamily("db_pool_size", "Connections the pool keeps", labels=labels)
        in_use = GaugeMetricFamily("db_pool_checked_out", "Connections in use now", labels=labels)
        idle = GaugeMetricFamily("db_pool_idle", "Idle connections now", labels=labels)
        checkouts = CounterMetricFamily("db_pool_checkouts", "Connections handed out", labels=labels)
        waits = CounterMetricFamily("db_pool_waits", "Checkouts that found no idle connection", labels=labels)
        waited = CounterMetricFamily("db_pool_wait_seconds", "Time checkouts spent waiting", labels=labels)
        opened = CounterMetricFamily("db_pool_connections_opened", "Connections opened", labels=labels)
        for name, pool in self.db.pools().items():
            stats = self.db.stats[name]
            values = [self.service, name]
            size.add_metric(values, pool.size())
            in_use.add_metric(values, pool.checkedout())
            idle.add_metric(values, pool.checkedin())
            checkouts.add_metric(values, stats.checkouts)
            waits.add_metric(values, stats.waits)
            waited.add_metric(values, stats.wait_seconds)
            opened.add_metric(values, stats.connections_opened)
        return [size, in_use, idle, checkouts, waits, waited, opened]


#: Routes whose requests write no access line (scrapes and probes).
_NOT_LOGGED = frozenset({"/metrics", "/healthz"})


class RequestContextMiddleware:
    """Pure ASGI middleware: request id, access log line, metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, logger_name: str = "jointcheck.access") -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger(logger_name)
        # The labelled series of each (method, route template, status): bounded by the routes.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for k, v in scope.get("headers", ()):
            if k == b"x-request-id":
                incoming = v.decode("latin-1")
                if _SANE_ID.match(incoming):
                    rid = incoming
                break
        if rid is None:
            rid = new_request_id()
        rid_header = (b"x-request-id", rid.encode("latin-1"))
        token = _request_id.set(rid)
        start = perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), rid_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = perf_counter() - start
            route = scope.get("route")
            route_path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            if route_path not in _NOT_LOGGED and self.log.isEnabledFor(logging.INFO):
                path = scope.get("path", "")
                self.log.info(
                    "%s %s %s %.1fms",
                    method,
                    path,
                    status,
                    elapsed * 1000,
                    extra={"method": method, "path": path, "status": status, "duration_ms": round(elapsed * 1000, 2)},
                )
            series = self._series.get((method, route_path, status))
            if series is None:
                series = self._series[(method, route_path, status)] = (
                    self.metrics.requests.labels(self.metrics.service, method, route_path, str(status)),
                    self.metrics.latency.labels(self.metrics.service, method, route_path),
                )
            series[0].inc()
            series[1].observe(elapsed)
            _request_id.reset(token)
