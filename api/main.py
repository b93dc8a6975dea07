"""The csguide HTTP API: ``create_app()`` builds it (``csguide serve`` runs it with uvicorn)."""

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
from fastapi import FastAPI

from api.analytics import start_analytics
from api.cache import ResponseCache
from api.errors import (
    MAX_HEADER_BYTES,
    HeaderSizeLimit,
    document_problems,
    install_problem_handlers,
)
from api.http_edges import HeadAsGet, ProblemCORSMiddleware, StandardHeaders
from api.lanes import Lane, LeanLane
from api.metrics import Metrics, forget_worker_metrics, install_metrics
from api.published import PublishedIndexHolder
from api.rate_limit import LocalRateLimiter, open_rate_limiter
from api.routes import admin, articles, events, health, languages, search, tips, widget
from api.routes.docs import install_docs
from api.server import quiet_server_logs
from pipeline.settings import Settings, get_settings

DESCRIPTION = """
Customer-service tips from editors' articles in Latvian, Italian, Chinese and Russian,
searchable and readable in lv, it, zh, ru and en. Every result comes in the caller's language
with its original beside it and says whether it is the original, an editor's translation, a
machine translation, or untranslated. Errors are RFC 9457 problem details.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    holder: PublishedIndexHolder = app.state.holder
    # The served version is opened before the first request, off the event loop, and every
    # later one in the background (api/published.py).
    await anyio.to_thread.run_sync(partial(holder.refresh, force=True))
    holder.open_in_background()
    app.state.analytics = await anyio.to_thread.run_sync(start_analytics, app.state.settings)
    try:
        yield
    finally:
        analytics, app.state.analytics = app.state.analytics, None
        if analytics is not None:
            await anyio.to_thread.run_sync(analytics.close)
        await anyio.to_thread.run_sync(holder.close)
        # A worker that stops takes its live gauges (open connections) out of the shared view.
        forget_worker_metrics()


#: csguide reports through /metrics (Prometheus). FastAPI's own OpenTelemetry, in the versions
#: that have it, asked the global providers on every request whether it was on: 20-40 µs of
#: a search's CPU, for nothing when no provider is set up.
_NO_OPENTELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI).parameters
    else {}
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    quiet_server_logs()
    # No redirect to the path with or without a trailing slash: Starlette builds its Location
    # from the request's Host header, so a foreign Host sent callers to another server.
    app = FastAPI(
        title="csguide",
        version="1",
        description=DESCRIPTION,
        redirect_slashes=False,
        docs_url=None,  # served from the installed package instead: api/routes/docs.py
        redoc_url=None,
        lifespan=_lifespan,
        **_NO_OPENTELEMETRY,
    )
    app.state.settings = settings
    app.state.holder = PublishedIndexHolder(settings.data_dir)
    app.state.metrics = Metrics()
    app.state.limiter = (
        open_rate_limiter(settings.data_dir) if settings.api_keys else LocalRateLimiter()
    )
    app.state.search_cache = ResponseCache[object](settings.search_cache)
    app.state.analytics = None  # started with the app (lifespan): api/analytics.py
    install_problem_handlers(app)
    # added first: the innermost, next to the router
    app.add_middleware(
        LeanLane,
        lanes=[
            Lane(search.DOCUMENTED, search.handle_search),
            Lane(tips.DOCUMENTED, tips.handle_tip),
        ],
    )
    install_metrics(app, app.state.metrics)
    app.add_middleware(HeaderSizeLimit, limit=MAX_HEADER_BYTES)
    if settings.cors_origins:
        app.add_middleware(
            ProblemCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST"],
            allow_headers=["X-API-Key", "Accept-Language", "Content-Type"],
            # A page told "429, try again later" can read when: Retry-After.
            expose_headers=["Retry-After"],
            max_age=600,
        )
    app.add_middleware(
        StandardHeaders,
        frame_ancestors=settings.frame_ancestors,
        keys_on=bool(settings.api_keys),
    )
    app.add_middleware(HeadAsGet)
    for module in (search, tips, articles, events, languages, health, widget, admin):
        app.include_router(module.router)
    install_docs(app)
    _document_problems(app, settings)
    return app


def _document_problems(app: FastAPI, settings: Settings) -> None:
    build = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            app.openapi_schema = _enforced_limits(document_problems(build()), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _enforced_limits(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The query length the server enforces is a setting; the contract says that one, not the
    parameter's hard cap."""
    for parameter in schema["paths"]["/v1/search"]["get"]["parameters"]:
        if parameter["name"] == "q":
            parameter["schema"]["maxLength"] = settings.max_query_chars
    return schema
