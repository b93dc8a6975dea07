"""bench/floor_app.py, the bench's csguide without the engine: it must serve as csguide does,
with every search answered by the one page it found for its fixed query."""

from typing import Any

import httpx2

from bench.floor_app import FIXED_QUERY, floor_server, one_page_search
from pipeline.search import PublishedIndex, SearchPage


def test_the_engine_is_asked_once_per_version_language_and_page(seed_index):
    asked: list[tuple[str, str, dict[str, Any]]] = []

    def search(index: PublishedIndex, query: str, lang: str, **options: Any) -> SearchPage:
        asked.append((query, lang, options))
        return PublishedIndex.search(index, query, lang, **options)

    one_page = one_page_search(search)
    first = one_page(seed_index, "atzvanīt", "en", limit=10)
    assert one_page(seed_index, "回电 时间", "en", limit=10) is first
    assert one_page(seed_index, "atzvanīt", "lv", limit=10) is not first
    assert one_page(seed_index, "atzvanīt", "en", limit=5) is not first
    one_page(seed_index, "x", "en", limit=10, source_lang="zh")
    assert [(query, lang) for query, lang, _ in asked] == [
        (FIXED_QUERY, "en"),
        (FIXED_QUERY, "lv"),
        (FIXED_QUERY, "en"),
        (FIXED_QUERY, "en"),
    ]
    assert first.query == FIXED_QUERY and len(first.found) == 10


def test_the_app_without_the_engine_serves_as_csguide_serves(seed_settings, tmp_path):
    with floor_server(seed_settings.data_dir, tmp_path) as base:
        first = httpx2.get(f"{base}/v1/search", params={"q": "atzvanīt", "lang": "en"})
        other = httpx2.get(f"{base}/v1/search", params={"q": "回电 时间", "lang": "en"})
        fixed = httpx2.get(f"{base}/v1/search", params={"q": FIXED_QUERY, "lang": "en"})
        refused = httpx2.get(f"{base}/v1/search", params={"q": " ", "lang": "en"})
        # csguide's own server protocol: a request head over its limit is a problem, not text
        too_long = httpx2.get(f"{base}/v1/search", params={"q": "a" * 20_000})
    assert first.status_code == other.status_code == fixed.status_code == 200
    pages = [response.json() for response in (first, other, fixed)]
    assert len(pages[0]["results"]) == 10
    assert pages[0]["results"] == pages[1]["results"] == pages[2]["results"]
    assert [page["query"] for page in pages] == ["atzvanīt", "回电 时间", FIXED_QUERY]
    assert refused.status_code == 422  # the route's checks still run
    assert refused.headers["content-type"] == "application/problem+json"
    assert too_long.status_code == 414
    assert too_long.headers["content-type"] == "application/problem+json"
