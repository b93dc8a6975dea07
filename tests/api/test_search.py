"""GET /v1/search: the contract, against the real index of the bundled content."""

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.rate_limit import LocalRateLimiter
from api.security import hash_key
from pipeline.settings import ApiKey
from tests.api.conftest import assert_problem, without_lean_lane

RESULT_KEYS = {
    "id",
    "lang",
    "title",
    "context",
    "text",
    "table",
    "highlight",
    "score",
    "position",
    "source",
    "translation",
}


def test_contract(client):
    response = client.get("/v1/search", params={"q": "回电时间", "lang": "zh", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "search_id",
        "query",
        "query_lang",
        "answer_lang",
        "lang_source",
        "total",
        "limit",
        "offset",
        "results",
        "suggestion",
    }
    assert body["suggestion"] is None  # found: nothing to suggest
    assert (body["query"], body["answer_lang"], body["lang_source"]) == ("回电时间", "zh", "param")
    assert body["limit"] == 3 and body["offset"] == 0 and body["total"] >= 3
    top = body["results"][0]
    assert set(top) == RESULT_KEYS
    assert set(top["source"]) == {"lang", "article", "title", "text"}
    assert set(top["translation"]) == {"provenance", "outdated", "model"}
    assert top["title"] == "承诺回电时间"
    assert "<mark>回电时间</mark>" in top["highlight"]


def test_latvian_query_finds_the_chinese_callback_tip_in_latvian(client):
    body = client.get("/v1/search", params={"q": "atzvanīšanas laiks"}).json()
    assert (body["answer_lang"], body["lang_source"]) == ("lv", "detected")
    top = body["results"][0]
    assert top["lang"] == "lv" and top["title"] == "Apsoliet atzvanīšanas laiku"
    assert top["source"] == {
        "lang": "zh",
        "article": "zh/why-customer-service-matters",
        "title": "承诺回电时间",
        "text": top["source"]["text"],
    }
    assert top["translation"] == {"provenance": "editor", "outdated": False, "model": None}


def test_english_query_finds_the_italian_third_ring_rule_in_english(client):
    body = client.get("/v1/search", params={"q": "answer before the third ring"}).json()
    assert body["answer_lang"] == "en"
    top = body["results"][0]
    assert top["source"]["article"] == "it/customer-service-with-great-profits"
    # 'before' is a stop word; 'phone' is marked as the glossary's "answer the phone"
    assert (
        "<mark>answer</mark> the <mark>phone</mark> before the <mark>third</mark> <mark>ring</mark>"
        in top["highlight"]
    )


def test_query_in_one_language_answered_in_another(client):
    body = client.get(
        "/v1/search",
        params={"q": "answer before the third ring"},
        headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"},
    ).json()
    assert (body["answer_lang"], body["lang_source"], body["query_lang"]) == ("it", "header", "en")
    top = body["results"][0]
    assert top["lang"] == "it" and "prima che il terzo anello" in top["text"]


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru", "en"])
def test_every_result_is_in_the_answered_language_once(client, lang):
    body = client.get(
        "/v1/search",
        params={"q": "клиент cliente klients 客户 customer", "lang": lang, "limit": 50},
    ).json()
    assert body["total"] > 10
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == len(set(ids))
    for result in body["results"]:
        assert result["lang"] == lang or result["translation"]["provenance"] == "none"


def test_a_pasted_query_with_invisible_characters_answers_as_the_clean_one(client):
    clean = client.get("/v1/search", params={"q": "klientu apkalpošana", "lang": "en"}).json()
    pasted = client.get(
        "/v1/search", params={"q": "klien\u200btu apkal\u00adpošana", "lang": "en"}
    ).json()
    assert clean["total"] > 0
    assert [r["id"] for r in pasted["results"]] == [r["id"] for r in clean["results"]]
    assert [r["highlight"] for r in pasted["results"]] == [r["highlight"] for r in clean["results"]]


def test_paging_is_stable(client):
    params = {"q": "клиентов", "lang": "ru"}
    whole = client.get("/v1/search", params={**params, "limit": 12}).json()["results"]
    paged = [
        r
        for offset in (0, 4, 8)
        for r in client.get("/v1/search", params={**params, "limit": 4, "offset": offset}).json()[
            "results"
        ]
    ]
    assert [r["id"] for r in paged] == [r["id"] for r in whole]


def test_source_lang_filter(client):
    body = client.get(
        "/v1/search", params={"q": "customer", "lang": "en", "source_lang": "ru", "limit": 50}
    ).json()
    assert body["results"] and {r["source"]["lang"] for r in body["results"]} == {"ru"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "query.q"),
        ({"q": "   "}, "query.q"),
        ({"q": "x" * 501}, "query.q"),
        ({}, "query.q"),
        ({"q": "ok", "lang": "de"}, "query.lang"),
        ({"q": "ok", "lang": "not a tag!"}, "query.lang"),
        ({"q": "ok", "limit": 0}, "query.limit"),
        ({"q": "ok", "limit": 51}, "query.limit"),
        ({"q": "ok", "limit": "many"}, "query.limit"),
        ({"q": "ok", "offset": -1}, "query.offset"),
        ({"q": "ok", "offset": 10_001}, "query.offset"),
        ({"q": "ok", "source_lang": "xx"}, "query.source_lang"),
    ],
)
def test_client_mistakes_are_422_problems_naming_the_field(client, params, field):
    body = assert_problem(client.get("/v1/search", params=params), 422, "invalid-parameter")
    assert field in {error["field"] for error in body["errors"]}
    assert body["instance"] == "/v1/search"


@pytest.mark.parametrize("length", [501, 2_001, 9_000])
def test_a_query_over_the_configured_length_is_refused_naming_that_length(client, length):
    body = assert_problem(
        client.get("/v1/search", params={"q": "a" * length}), 422, "invalid-parameter"
    )
    assert body["errors"] == [{"field": "query.q", "message": "at most 500 characters"}]


def test_the_configured_query_length_is_the_limit_above_the_default_too(seed_settings):
    longer = seed_settings.model_copy(update={"max_query_chars": 3_000})
    query = " ".join(["klientu apkalpošana"] * 130)  # 2,599 characters
    with TestClient(create_app(longer)) as fresh:
        assert fresh.get("/v1/search", params={"q": query}).status_code == 200
        assert fresh.get("/v1/search", params={"q": "a" * 3_001}).status_code == 422


def test_spaces_around_a_query_are_not_counted_against_its_length(client):
    padded = "klientu" + " " * 600  # not searched, so not counted
    assert client.get("/v1/search", params={"q": padded}).status_code == 200


def test_bcp47_tags(client):
    for tag, lang in (
        ("lv-LV", "lv"),
        ("zh-Hans", "zh"),
        ("zh-TW", "zh"),
        ("zh-CN", "zh"),
        ("EN-gb", "en"),
        ("ru_RU", "ru"),
    ):
        body = client.get("/v1/search", params={"q": "klientu", "lang": tag}).json()
        assert (body["answer_lang"], body["lang_source"]) == (lang, "param"), tag


def test_wrong_method_and_unknown_route_are_problems(client):
    refused = client.post("/v1/search", params={"q": "x"})
    assert_problem(refused, 405, "method-not-allowed")
    assert refused.headers["allow"] == "GET, HEAD"  # HEAD is answered for every GET
    assert_problem(client.get("/v2/nothing"), 404, "not-found")


def test_repeated_queries_come_from_the_response_cache(seed_settings):
    """A repeat is answered from the cache; a request differing in anything that decides the
    answer is not."""
    key, other_key = "k" * 32, "m" * 32
    settings = seed_settings.model_copy(
        update={
            "search_cache": 8,
            "api_keys": [
                ApiKey(name="riga", sha256=hash_key(key), lang="lv"),
                ApiKey(name="rome", sha256=hash_key(other_key), lang="it"),
            ],
            "rate_limit_per_minute": 0,
        }
    )
    app = create_app(settings)
    with TestClient(app, headers={"X-API-Key": key}) as client:
        cache = app.state.search_cache

        def search(**params):
            return client.get("/v1/search", params={"q": "klientu", **params})

        first = search(lang="lv")
        assert (cache.hits, cache.misses) == (0, 1)
        again = search(lang="lv")
        assert _same_search(again.json(), first.json())  # a search of its own, from the cache
        assert (cache.hits, cache.misses) == (1, 1)
        assert search().json()["answer_lang"] == "lv"  # the key's language, another entry
        assert search(source_lang="zh").json()["total"] < first.json()["total"]
        assert search(lang="lv", limit=3).json()["limit"] == 3
        italian = client.get(
            "/v1/search", params={"q": "klientu"}, headers={"Accept-Language": "it"}
        )
        assert italian.json()["answer_lang"] == "lv"  # the key's language wins over the header …
        assert (cache.hits, cache.misses) == (1, 5)  # … but the header is in the key
        rome = client.get("/v1/search", params={"q": "klientu"}, headers={"X-API-Key": other_key})
        assert (
            rome.json()["answer_lang"] == "it"
        )  # the same request from a key with another language
        for limit in range(1, 12):  # more distinct requests than the cache holds
            search(lang="lv", limit=limit)
        assert len(cache) == 8


def test_response_cache_off(seed_settings):
    app = create_app(seed_settings.model_copy(update={"search_cache": 0}))
    with TestClient(app) as client:
        first = client.get("/v1/search", params={"q": "klientu", "lang": "lv"})
        assert _same_search(
            client.get("/v1/search", params={"q": "klientu", "lang": "lv"}).json(), first.json()
        )
        assert len(app.state.search_cache) == 0


# Requests both ways: every labelled query and every kind of client mistake, with and without
# keys, a header language, repeated and unknown parameters.
_AGREEMENT_REQUESTS = [
    ({"q": "klientu apkalposana"}, {}),
    ({"q": "回电", "lang": "ru", "limit": "3", "offset": "1"}, {}),
    ({"q": "refund", "source_lang": "zh"}, {"Accept-Language": "it-IT,it;q=0.9"}),
    ({"q": "custmr"}, {}),
    ({"q": "zzzzqqq"}, {}),
    ({"q": "ok", "unknown": "1"}, {}),
    ({"q": ["first", "second"]}, {}),
    ({"q": "   "}, {}),
    ({"q": "x" * 501}, {}),
    ({"q": "x" * 2001}, {}),
    ({}, {}),
    ({"q": "ok", "lang": "de"}, {}),
    ({"q": "ok", "lang": "not a tag!"}, {}),
    ({"q": "ok", "lang": "x" * 40}, {}),
    ({"q": "ok", "limit": "0", "offset": "-1"}, {}),
    ({"q": "ok", "limit": "many"}, {}),
    ({"q": "ok", "offset": "10001", "source_lang": "xx"}, {}),
    ({"q": ""}, {}),
]


def _same_search(first: dict, second: dict) -> bool:
    """The same answer, each search with its own id."""
    ids = [answer.get("search_id") for answer in (first, second)]
    if "search_id" in first:
        assert all(isinstance(i, str) for i in ids) and ids[0] != ids[1]
    strip = {"search_id": None}
    return (first | strip if "search_id" in first else first) == (
        second | strip if "search_id" in second else second
    )


def _both_ways(settings, requests):
    from bench.search_quality import load_queries

    lean, reference = create_app(settings), without_lean_lane(create_app(settings))
    for app in (lean, reference):  # a bucket each: the two must answer alike, not share one
        app.state.limiter = LocalRateLimiter()
    with TestClient(lean) as fast, TestClient(reference) as slow:
        for params, headers in requests:
            answers = [c.get("/v1/search", params=params, headers=headers) for c in (fast, slow)]
            assert answers[0].status_code == answers[1].status_code, (params, answers[0].text)
            assert answers[0].headers["content-type"] == answers[1].headers["content-type"]
            assert _same_search(answers[0].json(), answers[1].json()), params
            yield params, answers[0]
        for labelled in load_queries():
            params = {"q": labelled.query, "lang": labelled.lang, "limit": "10"}
            assert _same_search(
                fast.get("/v1/search", params=params).json(),
                slow.get("/v1/search", params=params).json(),
            )


def test_the_lean_route_answers_as_the_documented_endpoint(seed_settings):
    """/v1/search is served without FastAPI's per-request dependency solving (LeanLane); the
    endpoint FastAPI documents gives the same status, type and body for every request."""
    statuses = {
        response.status_code for _, response in _both_ways(seed_settings, _AGREEMENT_REQUESTS)
    }
    assert statuses == {200, 422}


def test_the_lean_route_checks_keys_as_the_documented_endpoint(keyed_settings):
    requests = [
        ({"q": "klientu"}, {}),
        ({"q": "klientu"}, {"X-API-Key": "wrong"}),
        ({"q": "refund"}, {"X-API-Key": "riga-secret"}),
        ({"limit": "0"}, {"X-API-Key": "riga-secret"}),
        ({"q": "refund"}, {"X-API-Key": "tight-secret"}),  # each app's one a minute
        ({"q": "refund"}, {"X-API-Key": "tight-secret"}),
    ]
    answers = [(p, r) for p, r in _both_ways(keyed_settings, requests)]
    assert [r.status_code for _, r in answers] == [401, 401, 200, 422, 200, 429]
    assert answers[2][1].json()["answer_lang"] == "lv"  # the key's language


_TABLE_ARTICLE = """# Atmaksas termiņi

Klientam vienmēr nosauciet atmaksas termiņu.

| Pakalpojums | Termiņš | Piezīme |
| --- | --- | --- |
| Karte | 14 dienas | "pēc pieprasījuma" |
| Pārskaitījums | 3 darba dienas | ar \\\\ un <b>zīmēm</b> |
"""


def test_the_response_is_the_bytes_the_response_model_serialises(tmp_path):
    """The search response is joined from each record's JSON (made once per record): it must
    be byte for byte what the documented response model serialises, for plain, table,
    Chinese and untranslated tips, pages, filters, suggestions and empty answers."""
    import shutil

    from api.schemas import SearchResponse
    from bench.search_quality import load_queries
    from pipeline.ingest import run_ingest
    from pipeline.query import answer_search
    from pipeline.search import PublishedIndex
    from pipeline.settings import Settings
    from tests.conftest import BUNDLED_CONTENT
    from tests.helpers import write_article

    content = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, content)
    write_article(content, "lv/atmaksa.md", _TABLE_ARTICLE)
    settings = Settings(content_dir=content, data_dir=tmp_path / "var")
    assert run_ingest(settings).exit_code == 0
    searches = [({"query": q.query, "lang": q.lang}) for q in load_queries()]
    searches += [
        {"query": "atmaksas termiņš karte", "lang": "lv"},  # the table tip
        {"query": "atmaksas termiņš", "lang": "zh"},  # shown in Chinese: untranslated
        {"query": "回电", "lang": "ru"},
        {"query": "custmer complant", "lang": "en"},
        {"query": "custmr", "lang": "en"},  # nothing found: a suggestion
        {"query": "qwxzv", "lang": "it"},  # nothing, no suggestion
        {"query": "klient", "lang": "lv", "offset": 2, "limit": 3},
        {"query": "klient", "lang": "lv", "offset": 500},  # past the end
        {"query": "client", "lang": "it", "source_lang": "zh"},
    ]
    shapes = {"table": False, "suggestion": False, "empty": False}
    with PublishedIndex.open_current(settings.data_dir) as index:
        for search in searches:
            answer = answer_search(index, settings, search.pop("query"), **search)
            expected = SearchResponse(**answer.as_dict()).model_dump_json().encode()
            assert answer.response_json() == expected, search
            shapes["table"] |= any(hit.table is not None for hit in answer.results)
            shapes["suggestion"] |= answer.suggestion is not None
            shapes["empty"] |= not answer.results
    assert all(shapes.values()), shapes  # every shape was compared at least once
