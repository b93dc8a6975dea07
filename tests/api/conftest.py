import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import hash_key
from pipeline.settings import ApiKey


@pytest.fixture
def keyed_settings(seed_settings):
    """The seed settings with two API keys: "riga-secret" (answers in Latvian) and
    "tight-secret" (one request a minute)."""
    return seed_settings.model_copy(
        update={
            "api_keys": [
                ApiKey(name="riga", sha256=hash_key("riga-secret"), lang="lv"),
                ApiKey(name="tight", sha256=hash_key("tight-secret"), rate_per_minute=1),
            ]
        }
    )


@pytest.fixture(scope="session")
def client(seed_settings):
    """The real app over the real index of the bundled content."""
    with TestClient(create_app(seed_settings)) as test_client:
        yield test_client


def assert_problem(response, status, kind):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"/problems/{kind}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


def without_lean_lane(app):
    """The same app without the lean lane (:mod:`api.lanes`): its routes reach the router, and
    are answered by their documented endpoints through FastAPI's own dependency and
    parameter handling."""
    from api.lanes import LeanLane

    kept = [m for m in app.user_middleware if m.cls is not LeanLane]
    assert len(kept) == len(app.user_middleware) - 1
    app.user_middleware[:] = kept
    return app
