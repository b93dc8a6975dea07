"""GET /v1/tips/{id} on the lean lane: the same answers as its documented endpoint, and the
bytes its response model serialises."""

import shutil
from urllib.parse import quote

from fastapi.testclient import TestClient

from api.main import create_app
from api.rate_limit import LocalRateLimiter
from api.schemas import TipLanguage, TipResponse
from pipeline.ingest import run_ingest
from pipeline.languages import INDEX_LANGS
from pipeline.search import PublishedIndex
from pipeline.settings import Settings
from tests.api.conftest import without_lean_lane
from tests.conftest import BUNDLED_CONTENT
from tests.helpers import write_article

CALLBACK = "zh/why-customer-service-matters/9bcaea1a32"

_TABLE_ARTICLE = """# Atmaksas termiņi

Klientam vienmēr nosauciet atmaksas termiņu.

| Pakalpojums | Termiņš |
| --- | --- |
| Karte | 14 dienas |
| Pārskaitījums | 3 darba dienas |
"""


def _tip_ids(settings: Settings) -> list[str]:
    with PublishedIndex.open_current(settings.data_dir) as index:
        searcher = index.searcher("lv")
        return [str(searcher.stored_fields(n)["id"]) for n in range(searcher.doc_count_all())]


Request = tuple[str, str, dict, dict]  # method, path, query parameters, headers


def _both_ways(settings: Settings, requests: list[Request], root_path: str = ""):
    """Each request to the app as served (the lean lane) and to the same app without the lane
    (FastAPI's router and dependencies): the same status, headers and body, byte for byte.
    Both answer from the same records, so this checks which requests the lane takes and its
    checks and their order; the body itself is checked against the response model below."""
    lean, reference = create_app(settings), without_lean_lane(create_app(settings))
    for app in (lean, reference):  # a bucket each: the two must answer alike, not share one
        app.state.limiter = LocalRateLimiter()
    with (
        TestClient(lean, root_path=root_path) as fast,
        TestClient(reference, root_path=root_path) as slow,
    ):
        for method, path, params, headers in requests:
            answers = [
                c.request(method, path, params=params, headers=headers) for c in (fast, slow)
            ]
            assert answers[0].status_code == answers[1].status_code, (path, params, answers)
            assert _headers(answers[0]) == _headers(answers[1]), (path, params, headers)
            assert answers[0].content == answers[1].content, (path, params, headers)
            yield (path, params, headers), answers[0]


def _headers(response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.multi_items() if name != "date"]


def test_the_lean_tip_route_answers_as_the_documented_endpoint(seed_settings):
    ids = _tip_ids(seed_settings)
    requests: list[Request] = [
        ("GET", f"/v1/tips/{tip}", {"lang": lang}, {}) for tip in ids for lang in INDEX_LANGS
    ]
    requests += [
        ("GET", f"/v1/tips/{CALLBACK}", {}, {}),  # the default language
        ("GET", f"/v1/tips/{CALLBACK}", {}, {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}),
        ("GET", f"/v1/tips/{CALLBACK}", {}, {"Accept-Language": "zh-TW"}),
        ("GET", f"/v1/tips/{CALLBACK}", {}, {"Accept-Language": "de-DE"}),
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "zh-Hant"}, {}),
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": ["it", "ru"]}, {}),  # a repeated name: the last
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "lv", "unknown": "1"}, {}),
        ("GET", f"/v1/tips/{quote(CALLBACK, safe='')}", {"lang": "it"}, {}),  # %2F: the same id
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "de"}, {}),
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "not a tag!"}, {}),
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "x" * 40}, {}),
        ("GET", "/v1/tips/zh/nope/0000000000", {}, {}),
        ("GET", "/v1/tips/zh/nope/0000000000", {"lang": "de"}, {}),  # the language is checked first
        ("GET", "/v1/tips/", {"lang": "lv"}, {}),  # an empty id
        ("GET", "/v1/tips/客户/回电", {}, {}),
        ("GET", f"/v1/tips/{CALLBACK}/", {}, {}),  # not that id
        # a decoded %0A: the route's pattern takes a final newline as the end of the path,
        # and one inside the id as no match
        ("GET", f"/v1/tips/{CALLBACK}%0A", {"lang": "it"}, {}),
        ("GET", "/v1/tips/zh/a%0Ab", {}, {}),
        ("GET", "/v1/tips", {}, {}),
        ("HEAD", f"/v1/tips/{CALLBACK}", {"lang": "it"}, {}),
        ("HEAD", "/v1/tips/zh/nope/0000000000", {}, {}),
        ("POST", f"/v1/tips/{CALLBACK}", {}, {}),
    ]
    statuses = [response.status_code for _, response in _both_ways(seed_settings, requests)]
    assert statuses.count(200) == len(ids) * len(INDEX_LANGS) + 10
    assert set(statuses) == {200, 404, 405, 422}


def test_nothing_published_is_a_503_before_any_other_check(tmp_path):
    empty = Settings(content_dir=tmp_path / "content", data_dir=tmp_path / "var")
    requests: list[Request] = [
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "x" * 40}, {}),
        ("GET", "/v1/tips/zh/nope/0000000000", {}, {}),
    ]
    answers = [response for _, response in _both_ways(empty, requests)]
    assert [r.status_code for r in answers] == [503, 503]


def test_the_lean_tip_route_is_counted_under_its_route(client):
    client.get(f"/v1/tips/{CALLBACK}", params={"lang": "it"})
    client.get("/v1/tips/zh/nope/0000000000")
    text = client.get("/metrics").text
    for status in ("200", "404"):
        assert (
            f'csguide_requests_total{{method="GET",route="/v1/tips/{{tip_id:path}}",'
            f'status="{status}"}}'
        ) in text


def test_the_lean_lane_reads_paths_behind_a_root_path(seed_settings):
    """Behind ``--root-path`` the server gives the full path: the lane answers the paths the
    router would, and no others."""
    requests: list[Request] = [
        ("GET", f"/csguide/v1/tips/{CALLBACK}", {"lang": "it"}, {}),
        ("GET", f"/v1/tips/{CALLBACK}", {"lang": "it"}, {}),
        ("GET", f"/csguidex/v1/tips/{CALLBACK}", {"lang": "it"}, {}),
        # (a search's answer carries its own search id: a refused one compares whole)
        ("GET", "/csguide/v1/search", {"q": "klientu", "limit": "0"}, {}),
        ("GET", "/csguidex/v1/search", {"q": "klientu", "limit": "0"}, {}),
        ("GET", "/csguide", {}, {}),
    ]
    answers = _both_ways(seed_settings, requests, root_path="/csguide")
    assert [r.status_code for _, r in answers] == [200, 200, 404, 422, 404, 404]


def test_the_lean_tip_route_checks_keys_as_the_documented_endpoint(keyed_settings):
    path = f"/v1/tips/{CALLBACK}"
    requests = [
        ("GET", path, {}, {}),
        ("GET", path, {"lang": "x" * 40}, {}),  # the key is checked before the parameters
        ("GET", path, {}, {"X-API-Key": "wrong"}),
        ("GET", path, {}, {"X-API-Key": "riga-secret"}),
        ("GET", path, {"lang": "de"}, {"X-API-Key": "riga-secret"}),
        ("GET", "/v1/tips/zh/nope/0000000000", {}, {"X-API-Key": "riga-secret"}),
        ("GET", path, {}, {"X-API-Key": "tight-secret"}),  # each app's one a minute
        ("GET", path, {}, {"X-API-Key": "tight-secret"}),
    ]
    answers = [response for _, response in _both_ways(keyed_settings, requests)]
    assert [r.status_code for r in answers] == [401, 401, 401, 200, 422, 404, 200, 429]
    assert answers[3].json()["answer_lang"] == "lv"  # the key's language


def test_the_tip_is_the_bytes_the_response_model_serialises(tmp_path):
    """The tip's answer is joined from its records' JSON as stored: it must be byte for byte
    what TipResponse serialises from the validated records, for translated, outdated,
    untranslated, table and Chinese tips, in every language."""
    content = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, content)
    write_article(content, "lv/atmaksa.md", _TABLE_ARTICLE)  # no translations: "none"
    edited = content / "lv/good-vs-excellent-customer-service.txt"
    # its editor translations now name an older original: outdated
    edited.write_text(edited.read_text().replace("ir arī ārkārtējs.", "ir ārkārtīgi svarīgi."))
    settings = Settings(content_dir=content, data_dir=tmp_path / "var")
    assert run_ingest(settings).exit_code == 0
    seen = {"none": False, "outdated": False, "table": False, "zh": False}
    with (
        PublishedIndex.open_current(settings.data_dir) as index,
        TestClient(create_app(settings)) as client,
    ):
        for tip_id in _tip_ids(settings):
            records = {code: index.tip(tip_id, code) for code in INDEX_LANGS}
            for lang in INDEX_LANGS:
                response = client.get(f"/v1/tips/{tip_id}", params={"lang": lang})
                record = records[lang]
                assert record is not None
                expected = TipResponse(
                    **record.model_dump(),
                    answer_lang=lang,
                    lang_source="param",
                    languages=[
                        TipLanguage(
                            lang=code,
                            provenance=r.translation.provenance,
                            outdated=r.translation.outdated,
                        )
                        for code, r in records.items()
                        if r is not None and r.translation.provenance != "none"
                    ],
                )
                assert response.status_code == 200
                assert response.content == expected.model_dump_json().encode(), (tip_id, lang)
                seen["none"] |= record.translation.provenance == "none"
                seen["outdated"] |= record.translation.outdated
                seen["table"] |= record.table is not None
                seen["zh"] |= record.source.lang == "zh"
    assert all(seen.values()), seen  # every shape was compared at least once
