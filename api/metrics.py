"""Prometheus metrics: requests and latency per route, and the index version served."""

import time

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Searches take milliseconds: buckets from 1 ms to 2.5 s.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
#: Label values come from closed sets: a client inventing methods (or statuses a proxy makes
#: up) must not grow a label series per request, which Prometheus keeps for ever.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


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
            "The index version being served (value 1, version in the label)",
            ("version",),
            registry=self.registry,
        )
        self._version: str | None = None

    def set_version(self, version: str | None) -> None:
        if version == self._version:
            return
        self._version = version
        self.index_version.clear()
        if version:
            self.index_version.labels(version=version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)


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


def install_metrics(app: FastAPI, metrics: Metrics) -> None:
    app.add_middleware(MetricsMiddleware, metrics=metrics)
