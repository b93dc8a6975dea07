"""API keys (401), per-key rate limits (429 with Retry-After), per-key language, CORS."""

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.rate_limit import FILE_NAME
from api.security import hash_key
from pipeline.settings import ApiKey
from tests.api.conftest import assert_problem

AGENT_KEY, WIDGET_KEY = "csg_agent-key", "csg_widget-key"


@pytest.fixture
def guarded(seed_settings):
    # The buckets outlive an app (as they outlive a worker): each test starts with full ones.
    (seed_settings.data_dir / FILE_NAME).unlink(missing_ok=True)
    settings = seed_settings.model_copy(
        update={
            "api_keys": [
                ApiKey(name="riga-agents", sha256=hash_key(AGENT_KEY), lang="lv"),
                ApiKey(name="widget", sha256=hash_key(WIDGET_KEY), rate_per_minute=3),
            ],
            "cors_origins": ["https://intranet.example"],
        }
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_keys_required_when_configured(guarded):
    body = assert_problem(guarded.get("/v1/search", params={"q": "x"}), 401, "unauthorized")
    assert "X-API-Key" in body["detail"]
    assert_problem(
        guarded.get("/v1/search", params={"q": "x"}, headers={"X-API-Key": "wrong"}),
        401,
        "unauthorized",
    )
    assert guarded.get("/healthz").status_code == 200  # operations stay open
    assert guarded.get("/readyz").status_code == 200


def test_a_keys_default_language(guarded):
    body = guarded.get(
        "/v1/search",
        params={"q": "回电时间"},
        headers={"X-API-Key": AGENT_KEY, "Accept-Language": "en"},
    ).json()
    assert (body["answer_lang"], body["lang_source"], body["query_lang"]) == ("lv", "key", "zh")
    assert body["results"][0]["title"] == "Apsoliet atzvanīšanas laiku"


def test_rate_limit_per_key(guarded):
    headers = {"X-API-Key": WIDGET_KEY}
    for _ in range(3):
        assert guarded.get("/v1/search", params={"q": "x"}, headers=headers).status_code == 200
    limited = guarded.get("/v1/search", params={"q": "x"}, headers=headers)
    body = assert_problem(limited, 429, "rate-limited")
    assert "3 requests a minute" in body["detail"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 20
    # another key has its own budget
    assert (
        guarded.get("/v1/search", params={"q": "x"}, headers={"X-API-Key": AGENT_KEY}).status_code
        == 200
    )


def test_cors_allow_list(guarded):
    allowed = guarded.options(
        "/v1/search",
        headers={
            "Origin": "https://intranet.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-API-Key",
        },
    )
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
    simple = guarded.get(
        "/v1/search",
        params={"q": "x"},
        headers={"Origin": "https://intranet.example", "X-API-Key": AGENT_KEY},
    )
    assert simple.headers["access-control-allow-origin"] == "https://intranet.example"
    denied = guarded.get(
        "/v1/search",
        params={"q": "x"},
        headers={"Origin": "https://evil.example", "X-API-Key": AGENT_KEY},
    )
    assert "access-control-allow-origin" not in denied.headers


def test_keys_are_stored_hashed(guarded):
    # The documented recipe (README: sha256 of the key, hex), checked against sha256sum's answer.
    assert hash_key(AGENT_KEY) == "ef702254c241c5918a98195fba4e8dc42660288c281654c658325e4e45500c15"
    # What the settings hold is no password: sending the stored hash itself is refused.
    stolen = guarded.get(
        "/v1/search", params={"q": "x"}, headers={"X-API-Key": hash_key(AGENT_KEY)}
    )
    assert_problem(stolen, 401, "unauthorized")
    assert (
        guarded.get("/v1/search", params={"q": "x"}, headers={"X-API-Key": AGENT_KEY}).status_code
        == 200
    )
