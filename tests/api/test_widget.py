"""The <csguide-search> widget in a real browser: Debian's headless Chromium, driven by
Playwright, against `csguide serve` on loopback with the bundled content."""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.helpers import REPO, running_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def server(seed_settings):
    with running_server(seed_settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), (
        "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    page.close()


def test_latvian_search_and_the_chinese_original(server, page):
    page.goto(f"{server}/?lang=lv")
    widget = page.locator("csguide-search")
    search = widget.locator("input")
    assert search.get_attribute("aria-label") == "Meklēt klientu apkalpošanas padomus"
    search.type("atzvanīšanas laiks", delay=20)  # typed: search as you type, debounced
    results = widget.locator("li[role=option]")
    results.first.wait_for()
    first = results.first
    assert first.locator("h3").inner_text() == "Apsoliet atzvanīšanas laiku"
    assert first.get_attribute("lang") == "lv"
    assert first.locator("mark").first.inner_text().lower() in {"atzvanīšanas", "laiku"}
    assert "Oriģinālvaloda: 中文" in first.locator(".meta").inner_text()
    assert widget.locator("[role=status]").inner_text().startswith("Atrasti")
    toggle = first.locator("button.toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    original = first.locator(".original")
    assert original.is_visible()
    assert original.locator("h4").inner_text() == "承诺回电时间"
    assert original.inner_text().count("要像重视自己的时间一样重视客户的时间") == 1
    assert "zh/why-customer-service-matters" in original.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-lv.png"), full_page=True)
    assert page.console_errors == []


def test_results_follow_a_word_typed_letter_by_letter(server, page):
    """While the agent is still typing a word (and with a letter wrong), the tip is there,
    the word it completes highlighted whole."""
    page.goto(f"{server}/?lang=lv")
    widget = page.locator("csguide-search")
    search = widget.locator("input")
    results = widget.locator("li[role=option]")
    search.type("atzvan", delay=60)  # half of "atzvanīšanas"
    results.first.wait_for()
    first = results.first
    assert first.locator("h3").inner_text() == "Apsoliet atzvanīšanas laiku"
    assert "atzvanīšanas" in [m.inner_text().lower() for m in first.locator("mark").all()]
    search.fill("")
    search.type("atzvanišnas laiks", delay=30)  # a letter missing, no diacritics
    page.wait_for_function(
        "() => document.querySelector('csguide-search').shadowRoot"
        ".querySelector('li[role=option] h3')?.textContent === 'Apsoliet atzvanīšanas laiku'"
    )
    assert page.console_errors == []


def test_did_you_mean_offers_the_nearest_query_that_finds_tips(server, page):
    page.goto(f"{server}/?lang=en")
    widget = page.locator("csguide-search")
    widget.locator("input").fill("custmr")  # two letters off: too many for a 6-letter word
    widget.locator("input").press("Enter")
    offer = widget.locator("[role=status] button.suggestion")
    offer.wait_for()
    assert widget.locator("[role=status]").inner_text().startswith("No tips found")
    assert "Did you mean" in widget.locator("[role=status]").inner_text()
    assert offer.inner_text() == "customer"
    offer.click()
    widget.locator("li[role=option]").first.wait_for()
    assert widget.locator("input").input_value() == "customer"
    assert page.console_errors == []


def test_the_demo_pages_browser_choice_follows_the_browsers_language(server, browser):
    context = browser.new_context(locale="lv-LV")
    page = context.new_page()
    try:
        page.goto(f"{server}/")  # no ?lang=: the "(browser)" choice
        widget = page.locator("csguide-search")
        search = widget.locator("input")
        assert search.get_attribute("aria-label") == "Meklēt klientu apkalpošanas padomus"
        search.type("callback", delay=20)
        widget.locator("li[role=option]").first.wait_for()
        assert widget.locator("li[role=option]").first.get_attribute("lang") == "lv"
    finally:
        context.close()


def test_keyboard_navigation_and_enter(server, page):
    page.goto(f"{server}/?lang=en")
    search = page.locator("csguide-search input")
    search.fill("answer before the third ring")
    search.press("Enter")
    results = page.locator("csguide-search li[role=option]")
    results.first.wait_for()
    assert "third ring" in results.first.inner_text()
    search.press("ArrowDown")
    assert results.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")
    assert results.nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")  # opens the first tip's original (Italian)
    assert results.first.locator(".original").is_visible()
    assert "terzo anello" in results.first.locator(".original").inner_text()
    assert page.console_errors == []


def test_an_api_error_reads_as_a_sentence(seed_settings, browser):
    """An intranet page whose widget lacks the API key the server requires."""
    key_entry = '[{"name": "intranet", "sha256": "' + "0" * 64 + '"}]'
    with running_server(seed_settings, {"CSGUIDE_API_KEYS": key_entry}) as base:
        page = browser.new_page()
        page.goto(f"{base}/?lang=it")
        page.locator("csguide-search input").fill("servizio clienti")
        page.locator("csguide-search input").press("Enter")
        alert = page.locator("csguide-search [role=alert]")
        alert.wait_for()
        assert alert.inner_text() == (
            "Il servizio dei consigli non ha accettato la chiave di accesso di questa pagina."
        )
        assert page.locator("csguide-search li[role=option]").count() == 0
        page.close()


def test_empty_results_and_unreachable_service(server, page):
    page.goto(f"{server}/?lang=ru")
    page.locator("csguide-search input").fill("qqqzzzxxx")
    page.locator("csguide-search input").press("Enter")
    status = page.locator("csguide-search [role=status]")
    status.filter(has_text="советов не найдено").wait_for()
    page.locator("csguide-search").evaluate(
        "el => el.setAttribute('api-base', 'http://127.0.0.1:9')"
    )
    page.locator("csguide-search input").fill("жалоба")
    page.locator("csguide-search input").press("Enter")
    alert = page.locator("csguide-search [role=alert]")
    alert.wait_for()
    assert alert.inner_text().startswith("Не удалось связаться с сервисом советов")


def test_language_defaults_to_the_page_then_the_browser(server, browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/")
    # The demo page's "(browser)" choice sets the browser's language on the widget …
    assert page.locator("csguide-search button[type=submit]").inner_text() == "搜索"
    # … while a widget without a lang attribute takes its page's language first
    page.locator("csguide-search").evaluate("el => { el.removeAttribute('lang'); }")
    page.locator("csguide-search").evaluate("el => el.applyStrings()")
    assert page.locator("csguide-search button[type=submit]").inner_text() == "Search"
    page.evaluate("document.documentElement.removeAttribute('lang')")
    page.locator("csguide-search").evaluate("el => el.applyStrings()")
    assert page.locator("csguide-search button[type=submit]").inner_text() == "搜索"
    context.close()


def test_narrow_screens(server, browser):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{server}/?lang=zh")
    page.locator("csguide-search input").fill("回电时间")
    page.locator("csguide-search li[role=option]").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # nothing overflows sideways
    page.screenshot(path=str(ARTIFACTS / "widget-zh-narrow.png"), full_page=True)
    page.close()


def test_table_and_list_tips_read_as_a_table_and_as_lines(tmp_path, browser):
    from pipeline.ingest import run_ingest
    from pipeline.settings import Settings
    from tests.fakes import FakeTranslator
    from tests.helpers import write_article

    write_article(
        tmp_path / "content",
        "it/rimborsi.md",
        "# Rimborsi\n\n## Tempi di rimborso\n\n| Caso | Tempo |\n|---|---|\n"
        "| Prodotto integro | 14 giorni |\n| Prodotto difettoso | 30 giorni |\n\n"
        "## Procedura\n\nPrima del rimborso:\n\n1. verificate l'ordine;\n"
        "2. annotate il motivo del rimborso.\n",
    )
    settings = Settings(content_dir=tmp_path / "content", data_dir=tmp_path / "data")
    assert run_ingest(settings, translator=FakeTranslator(pairs=[])).exit_code == 0
    with running_server(settings) as base:
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(f"{base}/?lang=it")
        page.locator("csguide-search input").fill("rimborso")
        page.locator("csguide-search input").press("Enter")
        results = page.locator("csguide-search li[role=option]")
        results.nth(1).wait_for()
        table = page.locator("csguide-search table.tip-table")
        assert table.locator("th").all_inner_texts() == ["Caso", "Tempo"]
        assert table.locator("tbody tr").count() == 2
        assert table.locator("tbody tr").first.locator("td").all_inner_texts() == [
            "Prodotto integro",
            "14 giorni",
        ]
        listed = page.locator("csguide-search .text", has_text="Prima del rimborso")
        assert listed.inner_text().split("\n") == [
            "Prima del rimborso:",
            "1. verificate l'ordine;",
            "2. annotate il motivo del rimborso.",
        ]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "widget-table-tip.png"))
        page.close()


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/docs", ".opblock-summary-path[data-path='/v1/search']"),
        ("/redoc", "h2:has-text('Search tips')"),
    ],
)
def test_api_docs_render_with_no_network_beyond_the_server(server, browser, path, rendered):
    """An air-gapped intranet: every request that leaves the server is refused, and the docs
    must still render (FastAPI's own pages load their scripts from a CDN)."""
    page = browser.new_page()
    outside: list[str] = []
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    def only_the_server(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    page.goto(f"{server}{path}")
    page.locator(rendered).first.wait_for(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"docs{path.replace('/', '-')}.png"))
    assert outside == []
    # Under the page's Content-Security-Policy (self and hashed inline scripts only).
    assert not [line for line in console if "Content Security Policy" in line]
    page.close()


def _events(page) -> list:
    """Every POST /v1/events the page sends, in order (Playwright requests)."""
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/v1/events") else None)
    return sent


def _search(page, query: str) -> dict:
    """Search from the widget's box (Enter); the answer's JSON body."""
    search = page.locator("csguide-search input")
    search.fill(query)
    with page.expect_response(lambda r: "/v1/search?" in r.url) as answered:
        search.press("Enter")
    page.locator("csguide-search li[role=option]").first.wait_for()
    return answered.value.json()


def test_opening_a_result_and_voting_on_it_are_sent_as_events(server, page):
    sent = _events(page)
    page.goto(f"{server}/?lang=en")
    answer = _search(page, "answer before the third ring")
    assert answer["search_id"]
    results = page.locator("csguide-search li[role=option]")
    second = results.nth(1)
    toggle = second.locator("button.toggle")
    feedback = second.locator(".feedback")
    assert not feedback.is_visible()  # not before the result is opened
    with page.expect_response(lambda r: r.url.endswith("/v1/events")) as recorded:
        toggle.click()
    assert recorded.value.status == 202
    opened = recorded.value.request
    assert opened.method == "POST"
    assert opened.headers["content-type"] == "application/json"
    assert opened.post_data_json == {
        "search_id": answer["search_id"],
        "type": "open",
        "tip_id": answer["results"][1]["id"],
        "position": 2,
    }
    group = feedback.get_by_role("group", name="Helpful?")
    assert group.is_visible()
    assert group.get_by_role("button", name="Yes").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    second.screenshot(path=str(ARTIFACTS / "widget-helpful.png"))

    # Closed and opened again: still one "open" for this result in this search
    toggle.click()
    assert not feedback.is_visible()
    toggle.click()
    assert feedback.is_visible()

    no = group.get_by_role("button", name="No")
    no.focus()
    with page.expect_response(lambda r: r.url.endswith("/v1/events")) as recorded:
        page.keyboard.press("Enter")  # keyboard operable
    assert recorded.value.status == 202
    assert recorded.value.request.post_data_json == {
        "search_id": answer["search_id"],
        "type": "not_helpful",
        "tip_id": answer["results"][1]["id"],
        "position": 2,
    }
    assert feedback.inner_text() == "Thanks for your feedback!"
    assert feedback.get_by_role("button").count() == 0  # one vote per result per search
    assert second.get_attribute("aria-selected") == "true"  # focus stays on the result
    page.keyboard.press("ArrowUp")  # and the list is still navigable from there
    assert results.first.get_attribute("aria-selected") == "true"
    page.wait_for_timeout(300)
    assert [r.post_data_json["type"] for r in sent] == ["open", "not_helpful"]
    second.screenshot(path=str(ARTIFACTS / "widget-helpful-thanks.png"))

    # A new search is new results: opening the same tip there is a new "open"
    answer = _search(page, "answer before the third ring third")
    tip = answer["results"][0]["id"]
    with page.expect_request(lambda r: r.url.endswith("/v1/events")) as again:
        results.first.locator("button.toggle").click()
    assert again.value.post_data_json["search_id"] == answer["search_id"]
    assert (again.value.post_data_json["tip_id"], again.value.post_data_json["position"]) == (
        tip,
        1,
    )
    assert page.console_errors == []


def test_the_latvian_helpful_control(server, page):
    sent = _events(page)
    page.goto(f"{server}/?lang=lv")
    answer = _search(page, "atzvanīšanas laiks")
    first = page.locator("csguide-search li[role=option]").first
    first.locator("button.toggle").click()
    group = first.get_by_role("group", name="Vai noderēja?")
    assert group.locator("button").all_inner_texts() == ["Jā", "Nē"]
    assert first.locator(".feedback").get_attribute("lang") == "lv"  # the widget's, not the tip's
    with page.expect_response(lambda r: r.url.endswith("/v1/events")) as recorded:
        group.get_by_role("button", name="Jā").click()
    assert recorded.value.status == 202
    assert first.locator(".feedback").inner_text() == "Paldies par atsauksmi!"
    page.wait_for_timeout(300)
    assert [(r.post_data_json["type"], r.post_data_json["tip_id"]) for r in sent] == [
        ("open", answer["results"][0]["id"]),
        ("helpful", answer["results"][0]["id"]),
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-lv-helpful.png"), full_page=True)
    assert page.console_errors == []


def test_events_are_best_effort(server, page):
    """A failing events endpoint shows the agent nothing; without a search_id nothing is sent."""
    sent = _events(page)
    page.route("**/v1/events", lambda route: route.fulfill(status=503))
    page.goto(f"{server}/?lang=en")
    _search(page, "answer before the third ring")
    first = page.locator("csguide-search li[role=option]").first
    first.locator("button.toggle").click()
    first.get_by_role("button", name="Yes").click()
    assert first.locator(".feedback").inner_text() == "Thanks for your feedback!"
    assert page.locator("csguide-search [role=alert]").count() == 0
    assert page.locator("csguide-search [role=status]").inner_text().endswith("found")
    page.route("**/v1/events", lambda route: route.abort())  # the network fails outright
    page.locator("csguide-search li[role=option]").nth(1).locator("button.toggle").click()
    assert page.locator("csguide-search [role=alert]").count() == 0
    assert len(sent) == 3
    page.console_errors.clear()  # the browser's own "Failed to load resource" lines

    def no_analytics(route):  # a server that records no analytics
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "search_id": None})

    page.route("**/v1/search?*", no_analytics)
    _search(page, "customer")
    first.locator("button.toggle").click()
    assert first.locator(".original").is_visible()
    assert first.locator(".feedback").count() == 0  # no vote that would go nowhere
    page.wait_for_timeout(300)
    assert len(sent) == 3
    assert not [e for e in page.console_errors if "Failed to load" not in e]


def test_events_carry_the_widgets_api_key(seed_settings, browser):
    from api.security import hash_key

    key = "csg_widget-events"
    keys = '[{"name": "intranet", "sha256": "' + hash_key(key) + '"}]'
    with running_server(seed_settings, {"CSGUIDE_API_KEYS": keys}) as base:
        page = browser.new_page()
        page.goto(f"{base}/?lang=it")
        page.locator("csguide-search").evaluate(f"el => el.setAttribute('api-key', '{key}')")
        _search(page, "rispondere al telefono")
        toggle = page.locator("csguide-search li[role=option] button.toggle").first
        with page.expect_response(lambda r: r.url.endswith("/v1/events")) as recorded:
            toggle.click()
        assert recorded.value.status == 202
        assert recorded.value.request.headers["x-api-key"] == key
        assert recorded.value.request.post_data_json["type"] == "open"
        page.close()
