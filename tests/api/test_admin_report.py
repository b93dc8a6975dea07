"""/admin/report: the editors' report as a page, behind an admin key, with its charts drawn on
the server; in Debian's Chromium against the real `csguide serve`, with nothing loaded from
anywhere but the server."""

import json
import shutil
import time

import httpx2 as httpx
import pytest
from playwright.sync_api import sync_playwright

from api.security import hash_key
from tests.api.test_widget import ARTIFACTS, CHROMIUM, FLAGS
from tests.helpers import server_process

ADMIN_KEY = "csg_admin-for-tests"


@pytest.fixture(scope="module")
def server(seed_settings, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("admin") / "var"
    shutil.copytree(
        seed_settings.data_dir, data_dir, ignore=shutil.ignore_patterns("analytics*", "rate*")
    )
    env = {
        "CSGUIDE_DATA_DIR": str(data_dir),
        "CSGUIDE_ADMIN_KEYS": json.dumps([hash_key(ADMIN_KEY)]),
    }
    with server_process(env) as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            for query, lang in [
                ("atzvanīšanas laiks", "lv"),
                ("atzvanisanas laiks", "lv"),
                ("zzqxqzzv", "lv"),
                ("klientu apkalpošana", "lv"),
                ("rimborso", "it"),
                ("投诉", "zh"),
            ]:
                body = http.get("/v1/search", params={"q": query, "lang": lang}).json()
                if body["results"]:
                    http.post(
                        "/v1/events",
                        json={
                            "search_id": body["search_id"],
                            "type": "open",
                            "tip_id": body["results"][0]["id"],
                            "position": 1,
                        },
                    )
            deadline = time.monotonic() + 10
            while (
                "6 searches"
                not in http.get("/admin/report", headers={"X-Admin-Key": ADMIN_KEY}).text
            ):  # written about once a second
                assert time.monotonic() < deadline, "the searches never reached the report"
                time.sleep(0.2)
        yield base


def test_the_report_needs_an_admin_key(server):
    for headers in ({}, {"X-Admin-Key": "csg_wrong"}, {"Authorization": "Basic bm9wZTpub3Bl"}):
        answer = httpx.get(f"{server}/admin/report", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["www-authenticate"].startswith("Basic ")


def test_the_report_page_in_a_browser_with_nothing_from_outside(server):
    assert CHROMIUM.exists()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context = browser.new_context(
                viewport={"width": 1100, "height": 900},
                http_credentials={"username": "editor", "password": ADMIN_KEY},
            )
            page = context.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{server}/admin/report?since=7d")
            assert page.locator("h1").inner_text() == "What agents look for"
            latvian = page.locator("#lang-lv")
            assert "4 searches, 25% found nothing" in latvian.locator(".summary").inner_text()
            gaps = latvian.locator("table", has_text="Found nothing")
            assert "zzqxqzzv" in gaps.inner_text()
            assert latvian.locator("figure svg").count() == 2
            assert page.locator("#lang-it").is_visible() and page.locator("#lang-zh").is_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "admin-report.png"), full_page=True)
            page.select_option("select[name=lang]", "lv")
            page.click("button[type=submit]")
            page.wait_for_url("**lang=lv**")
            assert page.locator("#lang-it").count() == 0 and page.locator("#lang-lv").count() == 1
            assert all(url.startswith(server) for url in requested), requested
            assert errors == []
        finally:
            browser.close()
