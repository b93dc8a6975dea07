"""Requests at the edges of HTTP that clients really send: undecodable or invisible queries,
HEAD, a foreign Host, odd Accept-Language weights, refused CORS preflights. Each is answered
as a problem or a normal answer, never a plain-text error or a redirect elsewhere."""

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import hash_key
from pipeline.settings import ApiKey
from tests.api.conftest import assert_problem


@pytest.mark.parametrize(
    "raw_q",
    ["%FF%FE", "%C0%AF", "%ED%A0%80", "klients%FF"],  # bytes no UTF-8 text has; a lone surrogate
)
def test_a_query_that_is_not_utf8_is_refused(client, raw_q):
    body = assert_problem(client.get(f"/v1/search?q={raw_q}&lang=lv"), 422, "invalid-parameter")
    assert body["errors"] == [
        {"field": "query.q", "message": "not valid UTF-8 (percent-encode UTF-8)"}
    ]


def test_a_replacement_character_typed_on_purpose_is_still_a_query(client):
    assert client.get("/v1/search", params={"q": "klients \ufffd", "lang": "lv"}).status_code == 200


@pytest.mark.parametrize("q", ["\u200b\u200b", "\u00ad", " \u2060 \ufeff "])
def test_a_query_of_invisible_characters_is_empty(client, q):
    body = assert_problem(client.get("/v1/search", params={"q": q}), 422, "invalid-parameter")
    assert body["errors"][0] == {"field": "query.q", "message": "the query is empty"}


@pytest.mark.parametrize("path", ["/v1/search?q=klients&lang=lv", "/healthz", "/v1/languages", "/"])
def test_head_answers_like_get_without_a_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]


def test_a_foreign_host_is_never_redirected_to(client):
    for path in ("/v1/search/?q=a", "/docs/", "/v1/languages/"):
        response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert "location" not in response.headers
        assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("lv;q=nan, it;q=0.5", "it"),
        ("lv;q=inf, it;q=0.5", "it"),
        ("lv;q=2, ru;q=0.9", "ru"),
        ("lv;q=1e0, zh;q=0.3", "zh"),
        ("lv;q=0.800, it;q=0.9", "it"),
    ],
)
def test_accept_language_weights_follow_the_rfc(client, header, lang):
    body = client.get("/v1/search", params={"q": "klients"}, headers={"Accept-Language": header})
    assert (body.json()["answer_lang"], body.json()["lang_source"]) == (lang, "header")


@pytest.fixture
def cors(seed_settings):
    settings = seed_settings.model_copy(
        update={
            "cors_origins": ["https://intranet.example"],
            "api_keys": [ApiKey(name="w", sha256=hash_key("csg_w"), rate_per_minute=1)],
        }
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_refused_preflight_is_a_problem(cors):
    response = cors.options(
        "/v1/search",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    body = assert_problem(response, 400, "cors-refused")
    assert body["detail"] == "Disallowed CORS origin."


def test_a_cross_origin_page_can_read_retry_after(cors):
    headers = {"Origin": "https://intranet.example", "X-API-Key": "csg_w"}
    cors.get("/v1/search", params={"q": "klients"}, headers=headers)
    limited = cors.get("/v1/search", params={"q": "klients"}, headers=headers)
    assert limited.status_code == 429 and limited.headers["retry-after"]
    assert "retry-after" in limited.headers["access-control-expose-headers"].lower()


def test_made_up_methods_add_no_metric_series(seed_settings):
    with TestClient(create_app(seed_settings)) as fresh:
        for number in range(200):
            assert fresh.request(f"BREW{number}", "/healthz").status_code == 405
        metrics = fresh.get("/metrics").text
    series = [line for line in metrics.splitlines() if line.startswith("csguide_requests_total")]
    methods = {line.split('method="')[1].split('"')[0] for line in series}
    assert methods == {"other"}  # /metrics counts its own request after answering
    assert len(series) == 1


def test_a_server_with_a_damaged_pointer_serves_the_newest_good_version(tmp_path, seed_settings):
    import shutil

    data = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data)
    served = (data / "CURRENT").read_text().strip()
    (data / "CURRENT").write_text("\x00\x01 garbage")
    with TestClient(create_app(seed_settings.model_copy(update={"data_dir": data}))) as fresh:
        ready = fresh.get("/readyz")
        assert ready.status_code == 200 and ready.json()["index_version"] == served
        assert fresh.get("/v1/search", params={"q": "klients", "lang": "lv"}).status_code == 200
        (data / "versions" / served / "manifest.json").unlink()  # deleted under the server
        gone = assert_problem(fresh.get("/readyz"), 503, "not-ready")
        assert served in gone["detail"]


def test_security_headers_everywhere_and_a_policy_on_pages(seed_settings):
    settings = seed_settings.model_copy(
        update={"frame_ancestors": ["'self'", "https://intranet.example"]}
    )
    with TestClient(create_app(settings)) as fresh:
        for path in ("/", "/docs", "/redoc", "/v1/search?q=klients&lang=lv", "/healthz"):
            response = fresh.get(path)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
        page = fresh.get("/")
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'self' https://intranet.example" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "content-security-policy" not in fresh.get("/healthz").headers


def test_negotiated_answers_say_what_they_vary_by(client, seed_settings):
    for path in ("/v1/search?q=klients", "/v1/languages", "/v1/articles"):
        assert client.get(path).headers["vary"] == "Accept-Language"
    assert "vary" not in client.get("/healthz").headers
    keyed = seed_settings.model_copy(
        update={"api_keys": [ApiKey(name="w", sha256=hash_key("csg_w"))]}
    )
    with TestClient(create_app(keyed)) as fresh:
        answer = fresh.get("/v1/search", params={"q": "klients"}, headers={"X-API-Key": "csg_w"})
        assert answer.headers["vary"] == "Accept-Language, X-API-Key"


def test_the_contract_states_the_limits_and_languages_enforced(client, seed_settings):
    parameters = {
        p["name"]: p
        for p in client.get("/openapi.json").json()["paths"]["/v1/search"]["get"]["parameters"]
    }
    assert parameters["q"]["schema"]["maxLength"] == seed_settings.max_query_chars == 500
    source = parameters["source_lang"]["schema"]
    assert {"lv", "it", "zh", "ru"} == set(source["anyOf"][0]["enum"])
    body = assert_problem(
        client.get("/v1/search", params={"q": "klients", "source_lang": "en"}),
        422,
        "invalid-parameter",
    )
    assert body["errors"][0]["field"] == "query.source_lang"


def test_a_server_with_no_pointer_but_versions_serves_the_newest(tmp_path, seed_settings):
    """An ingest killed after renaming its version into place, before writing CURRENT."""
    import shutil

    data = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data)
    served = (data / "CURRENT").read_text().strip()
    (data / "CURRENT").unlink()
    with TestClient(create_app(seed_settings.model_copy(update={"data_dir": data}))) as fresh:
        ready = fresh.get("/readyz")
        assert ready.status_code == 200 and ready.json()["index_version"] == served
