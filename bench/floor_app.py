"""csguide with the search engine left out, for ``bench.profile``'s "what is left" figures.

    .venv/bin/python -m bench.floor_app PORT

The app ``api.main.create_app`` builds, where the published index answers every search with
one page it found once per version and answer language (for :data:`FIXED_QUERY`): the
route, the parameters' checks, the language detection, the response's JSON, the analytics,
the middlewares and the server do their work for every request as in ``csguide serve``
(served by the same :func:`api.server.run_server`); only the engine's own work
(``PublishedIndex.search``: candidates, ranking, records, highlighting) is gone. The page is
a full one, so a floor a little above what queries with fewer or shorter hits would cost. A
bench instrument only: it answers wrongly on purpose.
"""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from api.main import create_app as create_csguide_app
from api.server import run_server
from pipeline.search import PublishedIndex, SearchPage
from tests.helpers import answering, free_port

REPO = Path(__file__).resolve().parents[1]
#: The query whose page every search gets: words most tips hold in every language (a full page).
FIXED_QUERY = "klientu apkalpošana customer service"

Search = Callable[..., SearchPage]


def one_page_search(search: Search) -> Search:
    """``search`` (``PublishedIndex.search``) answering every query with the page it gives
    :data:`FIXED_QUERY`, found once per version, answer language and page."""
    pages: dict[tuple[str, str, int, int, str | None], SearchPage] = {}

    def one_page(index: PublishedIndex, query: str, lang: str, **options: Any) -> SearchPage:
        key = (
            index.version.name,
            lang,
            options.get("limit", 10),
            options.get("offset", 0),
            options.get("source_lang"),
        )
        if key not in pages:
            pages[key] = search(index, FIXED_QUERY, lang, **options)
        return pages[key]

    one_page.one_page = True  # type: ignore[attr-defined]
    return one_page


def create_app() -> FastAPI:
    """The app, with the published index's search replaced in this process (once)."""
    if not getattr(PublishedIndex.search, "one_page", False):
        PublishedIndex.search = one_page_search(PublishedIndex.search)  # type: ignore[method-assign]
    return create_csguide_app()


def serve_command(port: int) -> list[str]:
    """The command that serves this app on ``port`` (with ``CSGUIDE_DATA_DIR`` set)."""
    return [sys.executable, "-m", "bench.floor_app", str(port)]


@contextmanager
def floor_server(data: Path, scratch: Path) -> Iterator[str]:
    """This app served as ``csguide serve`` serves csguide (one worker, the response cache
    off, its metrics in a directory of its own as ``serve`` gives them)."""
    port = free_port()
    metrics = scratch / "floor-metrics"
    metrics.mkdir(exist_ok=True)
    env = os.environ | {
        "CSGUIDE_DATA_DIR": str(data),
        "CSGUIDE_SEARCH_CACHE": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    process = subprocess.Popen(
        serve_command(port), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answering(f"{base}/readyz"):
            process.terminate()
            _, err = process.communicate(timeout=20)
            raise AssertionError(f"the app without the engine did not start: {err.decode()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    run_server("bench.floor_app:create_app", "127.0.0.1", int(sys.argv[1]))
