"""Tips, articles, languages and the operations endpoints."""

from pipeline.settings import Settings
from tests.api.conftest import assert_problem

CALLBACK = "zh/why-customer-service-matters/9bcaea1a32"


def test_tip_in_the_callers_language_with_its_languages(client):
    body = client.get(f"/v1/tips/{CALLBACK}", params={"lang": "ru"}).json()
    assert body["id"] == CALLBACK and body["lang"] == "ru" and body["lang_source"] == "param"
    assert body["answer_lang"] == "ru"
    assert body["title"] == "Обещайте точное время обратного звонка"
    assert body["source"]["title"] == "承诺回电时间"
    assert {(x["lang"], x["provenance"]) for x in body["languages"]} == {
        ("zh", "original"),
        ("lv", "editor"),
        ("it", "editor"),
        ("ru", "editor"),
        ("en", "editor"),
    }


def test_tip_language_from_accept_language(client):
    body = client.get(f"/v1/tips/{CALLBACK}", headers={"Accept-Language": "lv"}).json()
    assert (body["answer_lang"], body["lang"], body["lang_source"]) == ("lv", "lv", "header")


def test_unknown_tip_and_article_are_404_problems(client):
    assert_problem(client.get("/v1/tips/zh/nope/0000000000"), 404, "not-found")
    assert_problem(client.get("/v1/articles/zh/nope"), 404, "not-found")
    assert_problem(client.get("/v1/tips/../../etc/passwd"), 404, "not-found")


def test_articles(client):
    body = client.get("/v1/articles", params={"lang": "en"}).json()
    titles = {a["id"]: a["title"] for a in body["articles"]}
    assert titles["zh/why-customer-service-matters"] == "Why Is Customer Service So Important?"
    assert {a["tip_count"] for a in body["articles"]} == {5, 18, 27, 13}
    assert body["answer_lang"] == "en" and {a["lang"] for a in body["articles"]} == {"en"}
    assert {a["source_lang"] for a in body["articles"]} == {"lv", "it", "zh", "ru"}
    article = client.get(
        "/v1/articles/ru/customer-service-what-to-know", params={"lang": "it"}
    ).json()
    assert article["original_title"] == "Обслуживание клиента: что нужно знать?"
    assert article["answer_lang"] == "it" and article["source_lang"] == "ru"
    assert article["tip_count"] == len(article["tips"]) == 13
    assert [t["position"] for t in article["tips"]] == list(range(13))
    assert {t["lang"] for t in article["tips"]} == {"it"}


def test_languages(client):
    body = client.get("/v1/languages").json()
    assert [x["lang"] for x in body["languages"]] == ["lv", "it", "zh", "ru", "en"]
    lv = body["languages"][0]
    assert lv["tip_count"] == 63 and lv["by_provenance"] == {
        "original": 5,
        "editor": 58,
        "machine": 0,
        "none": 0,
    }
    assert body["models"] == [] and body["index_version"]


def test_health_ready_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["tip_count"] == 63 and ready["article_count"] == 4
    client.get("/v1/search", params={"q": "klientu"})
    text = client.get("/metrics").text
    assert 'csguide_requests_total{method="GET",route="/v1/search",status="200"}' in text
    assert 'csguide_request_duration_seconds_bucket{le="0.005",route="/v1/search"}' in text
    assert f'csguide_index_version_info{{version="{ready["index_version"]}"}} 1.0' in text


def test_not_ready_before_anything_is_published(tmp_path):
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(Settings(data_dir=tmp_path / "empty"))) as fresh:
        assert fresh.get("/healthz").status_code == 200
        assert_problem(fresh.get("/readyz"), 503, "not-published")
        assert_problem(fresh.get("/v1/search", params={"q": "x"}), 503, "not-published")


def test_openapi_documents_examples_in_every_language(client):
    spec = client.get("/openapi.json").json()
    q = next(p for p in spec["paths"]["/v1/search"]["get"]["parameters"] if p["name"] == "q")
    assert set(q["examples"]) == {"lv", "it", "zh", "ru", "en"}
    assert client.get("/docs").status_code == 200


def test_articles_come_a_page_at_a_time(client):
    everything = client.get("/v1/articles", params={"limit": 500}).json()
    assert (everything["total"], everything["limit"], everything["offset"]) == (4, 500, 0)
    ids = [a["id"] for a in everything["articles"]]
    pages = [client.get("/v1/articles", params={"limit": 3, "offset": o}).json() for o in (0, 3)]
    assert [a["id"] for page in pages for a in page["articles"]] == ids
    assert [len(page["articles"]) for page in pages] == [3, 1]
    assert all(page["total"] == 4 for page in pages)
    assert client.get("/v1/articles", params={"limit": 501}).status_code == 422
    assert client.get("/v1/articles", params={"offset": 1000}).json()["articles"] == []
    huge = client.get("/v1/articles", params={"limit": 1, "offset": 2**63 - 1})
    assert huge.status_code == 422  # found by the schema fuzz test: it was a 500


def test_languages_name_the_models_that_built_the_served_version(tmp_path, articles_only):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from pipeline.ingest import run_ingest
    from pipeline.settings import Settings
    from tests.fakes import FakeTranslator

    settings = Settings(content_dir=articles_only, data_dir=tmp_path / "var")
    fake = FakeTranslator()
    run_ingest(settings, translator=fake)
    with TestClient(create_app(settings)) as fresh:
        models = fresh.get("/v1/languages").json()["index_models"]
    assert models["lv→en"] == fake.model_for("lv", "en")
    assert len(models) == 4 * 4  # every pair from an article language to another language
