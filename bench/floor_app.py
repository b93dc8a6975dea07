"""csguide with the search engine left out, for ``bench.profile``'s "what is left" figures.

The app ``api.main.create_app`` builds, where the published index answers every search with
one page it found once per answer language (for a fixed query): the route, the parameters'
checks, the language detection, the response's JSON, the analytics, the middlewares and the
server do their work for every request as they do in ``csguide serve``; only the engine's
own work (``PublishedIndex.search``: candidates, ranking, records, highlighting) is gone.
Served with the same protocol class as ``csguide serve`` (:func:`serve_command`). A bench
instrument only: it answers wrongly on purpose.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from api.main import create_app as create_csguide_app
from pipeline.search import PublishedIndex, SearchPage
from tests.helpers import answering, free_port

REPO = Path(__file__).resolve().parents[1]

#: The query whose page every search gets: words most tips hold in every language (a full page).
FIXED_QUERY = "klientu apkalpošana customer service"


def create_app() -> FastAPI:
    """The app, with the published index's search replaced in this process."""
    found = PublishedIndex.search
    pages: dict[tuple[int, str, int, int, str | None], SearchPage] = {}

    def one_page(self: PublishedIndex, query: str, lang: str, **options: Any) -> SearchPage:
        key = (
            id(self),
            lang,
            options.get("limit", 10),
            options.get("offset", 0),
            options.get("source_lang"),
        )
        if key not in pages:
            pages[key] = found(self, FIXED_QUERY, lang, **options)
        return pages[key]

    PublishedIndex.search = one_page  # type: ignore[method-assign]
    return create_csguide_app()


def serve_command(port: int) -> list[str]:
    """This app as ``csguide serve`` runs the real one (one worker): uvicorn, its app factory,
    csguide's guarded httptools protocol, uvloop, no access log."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.floor_app:create_app",
        "--factory",
        "--port",
        str(port),
        "--http",
        "api.server:GuardedHttpToolsProtocol",
        "--loop",
        "auto",
        "--timeout-keep-alive",
        "5",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


@contextmanager
def floor_server(data: Path, scratch: Path) -> Iterator[str]:
    """This app served as ``csguide serve`` serves csguide (one worker, the response
    cache off, its metrics in a directory of its own as ``serve`` gives them)."""
    port = free_port()
    metrics = scratch / "floor-metrics"
    metrics.mkdir(exist_ok=True)
    env = os.environ | {
        "CSGUIDE_DATA_DIR": str(data),
        "CSGUIDE_SEARCH_CACHE": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    process = subprocess.Popen(serve_command(port), cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        assert answering(f"{base}/readyz"), "the app without the engine did not start"
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
