"""Prometheus metrics: requests and latency per route, the index version served, and the
client connections the server closed itself.

Under ``csguide serve`` every worker writes its values to files in one directory
(prometheus_client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``, set by ``serve`` before
any worker starts), and ``/metrics`` adds them up: the same counts whichever worker answers.
Without that directory (an app made in tests, one process) the values live in the process.
"""

import os
import time
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.forked import process_alive

# Searches take milliseconds: buckets from 1 ms to 2.5 s.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
#: Label values come from closed sets: a client inventing methods (or statuses a proxy makes
#: up) must not grow a label series per request, which Prometheus keeps for ever.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Why the server closed a client's connection (api/server.py): a closed set of labels.
CONNECTION_CLOSE_REASONS = (
    "idle",
    "slow_head",
    "idle_for_new",
    "refused_busy",
    "stalled_reader",
    "malformed",
    "head_too_large",
)
# Process-wide, as the connections are; each app's registry includes them.
connections_closed = Counter(
    "csguide_connections_closed",
    "Client connections the server closed itself, by reason",
    ("reason",),
    registry=None,
)
analytics_dropped = Counter(
    "csguide_analytics_dropped",
    "Search and event records dropped (queue full or store failing); searches never are",
    registry=None,
)
connections_open = Gauge(
    "csguide_connections_open",
    "Client connections open (all workers)",
    multiprocess_mode="livesum",
    registry=None,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "csguide_requests",
            "HTTP requests",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "csguide_request_duration_seconds",
            "Time to answer a request",
            ("route",),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.index_version = Gauge(
            "csguide_index_version_info",
            "Index versions: 1 for each one a live worker serves, 0 for one served before",
            ("version",),
            registry=self.registry,
            # Several workers may serve different versions for a moment during a switch.
            multiprocess_mode="livemax",
        )
        for collector in (connections_closed, connections_open, analytics_dropped):
            self.registry.register(collector)
        self._version: str | None = None

    def set_version(self, version: str | None) -> None:
        if version == self._version:
            return
        if self._version:
            # Set to 0, not removed: a removed label lives on in another worker's file.
            self.index_version.labels(version=self._version).set(0)
        self._version = version
        if version:
            self.index_version.labels(version=version).set(1)

    def render(self) -> bytes:
        directory = os.environ.get(MULTIPROCESS_DIR_ENV)
        if not directory:
            return generate_latest(self.registry)
        forget_dead_workers(directory)
        registry = CollectorRegistry()
        # prometheus_client leaves its multiprocess helpers without annotations
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


class MetricsMiddleware:
    """Plain ASGI middleware (Starlette's BaseHTTPMiddleware costs about a millisecond a
    request): counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(template).observe(time.perf_counter() - start)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            status_label = str(status) if 100 <= status <= 599 else "other"
            self.metrics.requests.labels(template, method, status_label).inc()


def forget_dead_workers(directory: str) -> None:
    """Drop the live gauges (open connections, versions served) of workers that died without
    shutting down (killed, or restarted by uvicorn as hung): they would count for ever.
    Counters of dead workers stay, as counters should."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), directory)  # type: ignore[no-untyped-call]


def forget_worker_metrics() -> None:
    directory = os.environ.get(MULTIPROCESS_DIR_ENV)
    if directory:
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def install_metrics(app: FastAPI, metrics: Metrics) -> None:
    app.add_middleware(MetricsMiddleware, metrics=metrics)
