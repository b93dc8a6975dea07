"""Rate limits shared by every worker of a host (api/rate_limit.py), and /metrics counting
every worker: through the limiter itself, and through `csguide serve --workers 2`."""

import json
import sqlite3
import time

import httpx2 as httpx

from api.rate_limit import (
    FILE_NAME,
    LocalRateLimiter,
    SharedRateLimiter,
    open_rate_limiter,
)
from api.security import hash_key
from tests.helpers import server_process


def test_two_processes_worth_of_limiters_share_one_bucket(tmp_path):
    first, second = SharedRateLimiter(tmp_path / FILE_NAME), SharedRateLimiter(tmp_path / FILE_NAME)
    answers = [limiter.take("widget", 4) == 0 for limiter in (first, second) * 3]
    assert answers.count(True) == 4  # not 4 each
    wait = second.take("widget", 4)
    assert 10 < wait <= 15  # 4 a minute: a token every 15 s
    assert first.take("agents", 4) == 0  # another key, another bucket


def test_the_buckets_outlive_a_restarted_worker(tmp_path):
    before = SharedRateLimiter(tmp_path / FILE_NAME)
    for _ in range(2):
        assert before.take("widget", 2) == 0
    restarted = SharedRateLimiter(tmp_path / FILE_NAME)
    assert restarted.take("widget", 2) > 0


def test_tokens_come_back_at_the_rate(tmp_path):
    limiter = SharedRateLimiter(tmp_path / FILE_NAME)
    assert limiter.take("fast", 600) == 0  # 10 a second
    db = sqlite3.connect(tmp_path / FILE_NAME)
    db.execute("UPDATE buckets SET tokens = 0, updated = ?", (time.time() - 0.25,))
    db.commit()
    assert limiter.take("fast", 600) == 0  # 2.5 tokens back: one taken
    assert limiter.take("fast", 600) == 0
    assert limiter.take("fast", 600) > 0


def test_a_damaged_store_is_started_afresh(tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    limiter = open_rate_limiter(tmp_path)
    assert isinstance(limiter, SharedRateLimiter)
    assert limiter.take("widget", 1) == 0 and limiter.take("widget", 1) > 0


def test_an_unwritable_data_dir_limits_per_process(tmp_path, caplog):
    blocked = tmp_path / "var"
    blocked.write_text("a file where the data dir should be")
    limiter = open_rate_limiter(blocked)
    assert isinstance(limiter, LocalRateLimiter)
    assert "each worker process limits on its own" in caplog.text
    assert limiter.take("widget", 1) == 0 and limiter.take("widget", 1) > 0


def test_two_workers_keep_one_limit_and_count_one_set_of_metrics(seed_settings, tmp_path):
    """Before, each worker had its own bucket (65 answers in 8 s for 30 a minute) and /metrics
    showed whichever worker answered."""
    import shutil

    data_dir = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data_dir, symlinks=True)
    key = "csg_two-workers"
    env = {
        "CSGUIDE_DATA_DIR": str(data_dir),
        "CSGUIDE_API_KEYS": json.dumps(
            [{"name": "floor", "sha256": hash_key(key), "rate_per_minute": 30}]
        ),
    }
    with server_process(env, workers=2) as (base, _):
        started = time.monotonic()
        statuses = []
        for _ in range(80):  # a new connection each: both workers answer
            response = httpx.get(
                f"{base}/v1/search", params={"q": "klientu"}, headers={"X-API-Key": key}
            )
            statuses.append(response.status_code)
        elapsed = time.monotonic() - started
        refilled = int(elapsed * 30 / 60) + 1
        assert 30 <= statuses.count(200) <= 30 + refilled, (statuses.count(200), elapsed)
        assert statuses.count(200) + statuses.count(429) == 80

        seen = set()
        for _ in range(6):
            text = httpx.get(f"{base}/metrics").text
            line = next(
                line
                for line in text.splitlines()
                if line.startswith("csguide_requests_total{")
                and 'route="/v1/search"' in line
                and 'status="429"' in line
            )
            seen.add(float(line.rsplit(" ", 1)[1]))
        assert seen == {float(statuses.count(429))}  # every worker's, whoever answers


_WORKER = """
import os, sys
from api.metrics import Metrics, connections_open
metrics = Metrics()
metrics.set_version(sys.argv[1])
connections_open.inc(5)
if sys.argv[2] == "render":
    sys.stdout.write(metrics.render().decode())
"""


def test_the_live_gauges_of_a_worker_that_died_are_dropped(tmp_path):
    """A worker killed without shutting down kept its open connections and its served
    version in /metrics for good."""
    import os
    import subprocess
    import sys

    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def worker(version: str, action: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", _WORKER, version, action],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    worker("000001-old", "exit")  # dies without a word: its files stay
    assert list(tmp_path.glob("gauge_live*"))
    text = worker("000002-new", "render")
    assert 'csguide_index_version_info{version="000002-new"} 1.0' in text
    assert "000001-old" not in text
    assert "csguide_connections_open 5.0" in text  # the living worker's own, only


def test_a_clock_read_before_waiting_for_the_lock_earns_no_seconds_twice(tmp_path):
    """A process that read the clock, then waited for another's write, wrote an older time:
    the same interval refilled the bucket twice (15 tokens where 10 were earned)."""
    limiter = SharedRateLimiter(tmp_path / FILE_NAME)
    assert limiter.take("k", 60) == 0
    db = sqlite3.connect(tmp_path / FILE_NAME)
    later = time.time() + 5
    db.execute("UPDATE buckets SET tokens = 0, updated = ?", (later,))
    db.commit()
    limiter.take("k", 60)  # its clock is 5 s behind the last write
    (updated,) = db.execute("SELECT updated FROM buckets").fetchone()
    assert updated == later
