"""bench/floor_app.py, the bench's csguide without the engine: it must serve as csguide does,
with every search answered by the one page it found for its fixed query."""

import httpx2

from bench.floor_app import FIXED_QUERY, floor_server


def test_the_app_without_the_engine_answers_every_search_with_one_page(seed_settings, tmp_path):
    with floor_server(seed_settings.data_dir, tmp_path) as base:
        first = httpx2.get(f"{base}/v1/search", params={"q": "atzvanīt", "lang": "en"})
        other = httpx2.get(f"{base}/v1/search", params={"q": "回电 时间", "lang": "en"})
        fixed = httpx2.get(f"{base}/v1/search", params={"q": FIXED_QUERY, "lang": "en"})
        refused = httpx2.get(f"{base}/v1/search", params={"q": " ", "lang": "en"})
    assert first.status_code == other.status_code == fixed.status_code == 200
    pages = [response.json() for response in (first, other, fixed)]
    assert len(pages[0]["results"]) == 10
    assert pages[0]["results"] == pages[1]["results"] == pages[2]["results"]
    assert [page["query"] for page in pages] == ["atzvanīt", "回电 时间", FIXED_QUERY]
    assert refused.status_code == 422  # the route's checks still run
    assert refused.headers["content-type"] == "application/problem+json"
