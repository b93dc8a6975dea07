"""Prometheus metrics: requests and latency per route, and the index version served."""

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Searches take milliseconds: buckets from 1 ms to 2.5 s.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


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

    def set_version(self, version: str | None) -> None:
        self.index_version.clear()
        if version:
            self.index_version.labels(version=version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def install_metrics(app: FastAPI, metrics: Metrics) -> None:
    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.latency.labels(template).observe(time.perf_counter() - start)
        metrics.requests.labels(template, request.method, str(response.status_code)).inc()
        return response
