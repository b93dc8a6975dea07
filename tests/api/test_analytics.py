"""Search analytics (issue 17): what the server records, what POST /v1/events accepts, and
what `csguide report` makes of it — against the real server, store and command."""

import asyncio
import json
import shutil
import sqlite3
import time

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.analytics import Recorder, SearchIds
from api.main import create_app
from api.metrics import analytics_dropped
from api.security import hash_key
from pipeline.analytics.report import build_report
from pipeline.analytics.store import (
    FILE_NAME,
    AnalyticsError,
    EventRecord,
    PostgresAnalytics,
    SearchRecord,
    SqliteAnalytics,
)
from pipeline.cli import app as cli
from pipeline.ingest import run_ingest
from pipeline.settings import ApiKey, Settings, get_settings
from tests.api.conftest import assert_problem
from tests.helpers import server_process
from tests.postgres import throwaway_postgres

EMAIL = "anna.berzina@example.lv"
NOTHING = "zzqxqzzv"


def _report(data_dir, monkeypatch, *args: str, database_url: str | None = None) -> dict:
    monkeypatch.setenv("CSGUIDE_DATA_DIR", str(data_dir))
    if database_url:
        monkeypatch.setenv("CSGUIDE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["report", "--json", *args])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def postgres():
    """A real PostgreSQL cluster for this module (Debian's server, a throwaway cluster)."""
    with throwaway_postgres() as url:
        yield url


def _new_database(postgres_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.replace("/postgres?", f"/{name}?")


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_searches_and_events_on_the_real_server_make_the_report(
    tmp_path, articles_only, monkeypatch, request, store
):
    """No editor translations and no models: every tip other than a language's own is
    untranslated there, so one an agent opens is a translation priority. With PostgreSQL,
    as two hosts behind a load balancer: the searches on one, the events on the other (each
    host has its own data dir; they share the database, and with it the ids' secret)."""
    settings = Settings(data_dir=tmp_path / "var", content_dir=articles_only)
    assert run_ingest(settings).status == "published"
    env = {"CSGUIDE_DATA_DIR": str(settings.data_dir)}
    database_url = None
    if store == "postgresql":
        database_url = _new_database(request.getfixturevalue("postgres"), "report_test")
        env["CSGUIDE_DATABASE_URL"] = database_url
        other_dir = tmp_path / "other-host"
        shutil.copytree(settings.data_dir, other_dir)
        other_env = {**env, "CSGUIDE_DATA_DIR": str(other_dir)}
    with (
        server_process(env) as (base, _),
        server_process(other_env if database_url else env) as (other, _),
        httpx.Client(base_url=base, timeout=10) as http,
    ):

        def search(q: str) -> dict:
            body = http.get("/v1/search", params={"q": q, "lang": "lv"}).json()
            assert isinstance(body["search_id"], str)
            return body

        found = search("客户服务")  # Chinese tips, for a Latvian agent: none translated
        untranslated = next(
            (position, hit)
            for position, hit in enumerate(found["results"], start=1)
            if hit["translation"]["provenance"] == "none"
        )
        position, hit = untranslated
        assert search(NOTHING)["total"] == 0
        assert search(f"  {NOTHING.upper()} ")["total"] == 0  # the same query, grouped
        assert search(f"{EMAIL} klientu")["total"] > 0
        for kind in ("open", "not_helpful"):
            answer = httpx.post(
                f"{other}/v1/events",
                json={
                    "search_id": found["search_id"],
                    "type": kind,
                    "tip_id": hit["id"],
                    "position": position,
                },
            )
            assert (answer.status_code, answer.content) == (202, b"")
    # stopped: the servers wrote what they had queued

    if database_url:
        import psycopg

        with psycopg.connect(database_url) as connection:
            queries = [row[0] for row in connection.execute("SELECT query FROM searches")]
        assert "<email> klientu" in queries and not any(EMAIL in q for q in queries)
        assert not list(settings.data_dir.glob(f"{FILE_NAME}*"))  # nothing kept beside
    else:
        stored = b"".join(p.read_bytes() for p in settings.data_dir.glob(f"{FILE_NAME}*"))
        assert EMAIL.encode() not in stored and b"<email> klientu" in stored

    report = _report(settings.data_dir, monkeypatch, "--lang", "lv", database_url=database_url)
    assert (report["searches"], report["events"]) == (4, 2)
    lv = report["languages"]["lv"]
    assert lv["searches"] == 4 and lv["zero_result_searches"] == 2
    assert lv["zero_result_queries"] == [{"query": NOTHING, "count": 2}]
    assert {"query": "<email> klientu", "count": 1} in lv["top_queries"]
    assert lv["open_rate"] == 0.25 and lv["mean_position_opened"] == position
    assert lv["most_opened"] == [{"tip_id": hit["id"], "count": 1}]
    assert lv["most_not_helpful"] == [{"tip_id": hit["id"], "count": 1}]
    first = lv["translation_priorities"][0]
    assert (first["tip_id"], first["provenance"], first["opened"]) == (hit["id"], "none", 1)
    assert first["demand"] == first["shown"] + first["opened"] == 2
    shown_ids = {h["id"] for h in found["results"] if h["translation"]["provenance"] == "none"}
    assert {p["tip_id"] for p in lv["translation_priorities"]} <= shown_ids
    assert set(report["languages"]) == {"lv"}
    assert [day["searches"] for day in lv["per_day"]] == [4]
    get_settings.cache_clear()
    try:
        text = CliRunner().invoke(
            cli,
            ["report", "--lang", "lv"],
            env={"CSGUIDE_DATA_DIR": str(settings.data_dir), "CSGUIDE_DATABASE_URL": database_url},
        )
    finally:
        get_settings.cache_clear()
    assert "Found nothing" in text.output and NOTHING in text.output


def test_a_database_that_cannot_be_reached_is_named_without_its_password(tmp_path):
    from pipeline.analytics.store import AnalyticsError, open_store

    url = "postgresql://csguide:s3cret@127.0.0.1:1/nowhere?connect_timeout=2"
    with pytest.raises(AnalyticsError, match="check CSGUIDE_DATABASE_URL") as raised:
        open_store(tmp_path, url)
    assert "s3cret" not in str(raised.value) and "csguide:***@127.0.0.1:1" in str(raised.value)


def _copy_published(seed_settings, data_dir) -> None:
    """The session's published seed index, without what other tests' servers recorded."""
    import shutil

    shutil.copytree(
        seed_settings.data_dir,
        data_dir,
        ignore=shutil.ignore_patterns("analytics*", "rate-limits*"),
    )


@pytest.fixture
def recording(seed_settings, tmp_path):
    """The real app over the seed index, recording into a data dir of its own."""

    data_dir = tmp_path / "var"
    _copy_published(seed_settings, data_dir)
    settings = seed_settings.model_copy(update={"data_dir": data_dir})
    with TestClient(create_app(settings)) as client:
        yield client


def _searched(client) -> tuple[str, str]:
    body = client.get("/v1/search", params={"q": "klientu", "lang": "lv"}).json()
    return body["search_id"], body["results"][0]["id"]


def _event(client, search_id, tip_id="lv/none/0000000000", **change):
    body = {"search_id": search_id, "type": "open", "tip_id": tip_id, "position": 1} | change
    return client.post("/v1/events", json=body)


def test_events_name_what_is_wrong_with_them(recording):
    search_id, tip_id = _searched(recording)
    assert _event(recording, search_id, tip_id).status_code == 202
    forged = search_id[:-2] + ("AA" if not search_id.endswith("AA") else "BB")
    body = assert_problem(_event(recording, forged, tip_id), 422, "invalid-parameter")
    assert body["errors"] == [
        {"field": "body.search_id", "message": "not a search of this service"}
    ]
    body = assert_problem(_event(recording, search_id), 422, "invalid-parameter")
    assert body["errors"] == [{"field": "body.tip_id", "message": "no such tip"}]
    body = assert_problem(
        _event(recording, search_id, tip_id, type="like", position=0), 422, "invalid-parameter"
    )
    assert {e["field"] for e in body["errors"]} == {"body.type", "body.position"}
    assert_problem(_event(recording, "x" * 500), 422, "invalid-parameter")
    assert_problem(recording.post("/v1/events", content=b"{not json"), 422, "invalid-parameter")


def test_an_id_signed_with_another_data_dirs_secret_is_not_ours():
    ours, theirs = SearchIds(b"a" * 32), SearchIds(b"b" * 32)
    assert ours.issued_at(ours.new()) is not None
    assert ours.issued_at(theirs.new()) is None
    assert ours.issued_at("not.an-id") is None and ours.issued_at("....") is None


def test_with_analytics_off_nothing_is_recorded(seed_settings, tmp_path):

    data_dir = tmp_path / "var"
    _copy_published(seed_settings, data_dir)
    settings = seed_settings.model_copy(update={"data_dir": data_dir, "analytics": False})
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/search", params={"q": "klientu"}).json()["search_id"] is None
        assert_problem(_event(client, "AAAA.BBBB"), 404, "not-found")
    assert not (data_dir / FILE_NAME).exists()


def test_events_share_the_keys_rate_limit(seed_settings, tmp_path):

    data_dir = tmp_path / "var"
    _copy_published(seed_settings, data_dir)
    key = "csg_events"
    settings = seed_settings.model_copy(
        update={
            "data_dir": data_dir,
            "api_keys": [ApiKey(name="widget", sha256=hash_key(key), rate_per_minute=3)],
        }
    )
    with TestClient(create_app(settings), headers={"X-API-Key": key}) as client:
        search_id, tip_id = _searched(client)
        for _ in range(2):
            assert _event(client, search_id, tip_id).status_code == 202
        assert_problem(_event(client, search_id, tip_id), 429, "rate-limited")  # the 4th


def _search(n: int, at: float) -> SearchRecord:
    return SearchRecord(f"s{n}", at, "lv", "lv", "klientu", 3, 1.0, None, ("a", "b"))


def test_a_full_queue_drops_analytics_and_never_waits(tmp_path):
    """The store locked by another writer: the recorder's thread waits on it, its queue
    fills, and recording returns at once, counting what it dropped."""
    store = SqliteAnalytics(tmp_path / FILE_NAME)
    blocker = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    recorder = Recorder(store, keep_days=90, queue_size=5)
    before = analytics_dropped._value.get()
    started = time.perf_counter()
    for n in range(200):
        recorder.record(_search(n, time.time()))
    assert time.perf_counter() - started < 0.5
    assert analytics_dropped._value.get() - before >= 190
    blocker.execute("ROLLBACK")
    recorder.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    """An empty store of each kind."""
    if request.param == "sqlite":
        return SqliteAnalytics(tmp_path / FILE_NAME)
    name = f"store_{request.node.name.split('[')[0][-20:]}_{time.monotonic_ns()}"
    return PostgresAnalytics(_new_database(request.getfixturevalue("postgres"), name))


def test_records_older_than_the_retention_are_deleted(any_store):
    store = any_store
    now = time.time()
    store.write(
        [_search(1, now - 3 * 86400), _search(2, now)],
        [EventRecord(now - 3 * 86400, "s1", "open", "a", 1, None)],
    )
    recorder = Recorder(store, keep_days=2)  # prunes as it starts
    deadline = time.monotonic() + 5
    while store.rows("SELECT COUNT(*) FROM searches")[0][0] != 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert store.rows("SELECT search_id FROM searches") == [("s2",)]
    assert store.rows("SELECT shown FROM searches") == [("a\nb",)]
    assert store.rows("SELECT COUNT(*) FROM events") == [(0,)]
    recorder.close()


def test_every_opening_of_a_store_signs_with_its_one_secret(any_store):
    """Workers and hosts sharing a store accept each other's search ids."""
    again = (
        SqliteAnalytics(any_store.path)
        if isinstance(any_store, SqliteAnalytics)
        else PostgresAnalytics(any_store._db.info.dsn)
    )
    assert len(any_store.secret()) == 32 and again.secret() == any_store.secret()
    ours, theirs = SearchIds(any_store.secret()), SearchIds(again.secret())
    assert theirs.issued_at(ours.new()) is not None
    again.close()
    any_store.close()


def test_a_store_of_another_layout_is_refused_with_the_fix(tmp_path):
    import sqlite3 as sqlite

    old = sqlite.connect(tmp_path / FILE_NAME)
    old.execute("CREATE TABLE searches (search_id TEXT PRIMARY KEY, at REAL)")  # 2838ea8's
    old.commit()
    old.close()
    with pytest.raises(AnalyticsError, match="move it aside"):
        SqliteAnalytics(tmp_path / FILE_NAME)


def test_a_search_answers_the_same_with_the_store_gone(recording):
    """Analytics failing must not fail a search."""
    analytics = recording.app.state.analytics
    analytics.recorder.store.close()  # every write fails from now on
    response = recording.get("/v1/search", params={"q": "klientu", "lang": "lv"})
    assert response.status_code == 200 and response.json()["total"] > 0
    asyncio.run(asyncio.sleep(1.5))  # the recorder's thread meets the closed store, and goes on
    assert recording.get("/v1/search", params={"q": "klientu"}).status_code == 200


def test_searches_count_on_their_own_utc_day_in_both_stores(any_store):
    """An afternoon's searches stay on their day (PostgreSQL rounds a cast to integer)."""
    afternoon = 86400 * 20_000 + 15 * 3600  # 2024-10-04 15:00 UTC
    any_store.write([_search(1, afternoon), _search(2, afternoon + 600)], [])
    report = build_report(any_store, afternoon - 86400, None, "lv")
    assert [(d.day, d.searches) for d in report.languages["lv"].per_day] == [("2024-10-04", 2)]
    any_store.close()


def test_every_store_masks_the_queries_it_is_given(any_store):
    """Masking is the store's: whatever writes to it, a pasted phone number or address never
    lands (the route hands the query over as typed, off its hot path)."""
    typed = "Zvans +371 2612 3456  klientam anna.berzina@example.lv"
    any_store.write([_search(1, time.time())._replace(query=typed)], [])
    assert any_store.rows("SELECT query FROM searches") == [("zvans <phone> klientam <email>",)]
