"""Faults, against the real pipeline, the real `csguide` command and a real server.

- every kind of bad article file at once, beside good ones and valid variants;
- an ingest killed with SIGKILL at each of its stages, and two ingests at once;
- oversized request headers.

Covered beside the code they exercise, also against the real app or server:
- 0 failed queries while a new version is published under load: tests/api/test_hot_switch.py;
- generated requests for every operation: tests/api/test_schema_fuzz.py;
- 401, 429 with Retry-After, CORS allow-list: tests/api/test_security.py;
- query length, limit/offset bounds, ids that cannot reach files: tests/api/test_search.py and
  tests/api/test_resources.py;
- versions and rollback: tests/pipeline/test_cli.py and tests/api/test_hot_switch.py.
"""

import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import generate
from pipeline.checkpoints import PAUSE_ENV, STAGES
from pipeline.ingest import run_ingest
from pipeline.publish import current_version, list_versions
from pipeline.search import PublishedIndex
from pipeline.settings import Settings

CSGUIDE = Path(sys.executable).with_name("csguide")


@pytest.fixture(scope="module")
def big_content(tmp_path_factory) -> Path:
    """Enough articles that an ingest runs for a few seconds (a window to kill it in)."""
    content = tmp_path_factory.mktemp("faults") / "content"
    generate(content, per_lang=40)
    return content


def _ingest_process(
    settings: Settings, *args: str, pause_at: str | None = None, keep: int = 3
) -> subprocess.Popen[str]:
    env = os.environ | {
        "CSGUIDE_DATA_DIR": str(settings.data_dir),
        "CSGUIDE_CONTENT_DIR": str(settings.content_dir),
        "CSGUIDE_KEEP_VERSIONS": str(keep),
    }
    if pause_at:
        env[PAUSE_ENV] = pause_at
    return subprocess.Popen(
        [CSGUIDE, "ingest", "--json", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_until_paused(process: subprocess.Popen[str], stage: str) -> None:
    """Read the ingest's stderr until it says it stopped at ``stage``."""
    seen = ""
    deadline = time.monotonic() + 120
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while f"paused at {stage}" not in seen:
            assert process.poll() is None, f"ingest ended before {stage}: {seen[-2000:]}"
            assert time.monotonic() < deadline, f"ingest never reached {stage}: {seen[-2000:]}"
            if selector.select(timeout=1):
                seen += os.read(process.stderr.fileno(), 65536).decode(errors="replace")


def _helpers_of(data_dir: Path) -> list[int]:
    """Processes still running with this data dir in their environment (the ingest's forked
    readers and builders)."""
    marker = f"CSGUIDE_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def published_once(tmp_path_factory, big_content) -> Path:
    """A data dir with one version of big_content published (copied by each test)."""
    data_dir = tmp_path_factory.mktemp("published") / "var"
    report = run_ingest(Settings(data_dir=data_dir, content_dir=big_content))
    assert report.status == "published"
    return data_dir


@pytest.mark.parametrize("stage", STAGES)
def test_kill_9_at_every_stage_loses_nothing(tmp_path, big_content, published_once, stage):
    """The ingest stops at ``stage`` (pipeline/checkpoints.py) and is killed there: not after
    a sleep that may land before or after the stage."""
    data_dir = tmp_path / "var"
    shutil.copytree(published_once, data_dir)
    settings = Settings(data_dir=data_dir, content_dir=big_content, keep_versions=2)
    served_before = current_version(data_dir).name
    process = _ingest_process(settings, "--force", pause_at=stage, keep=2)
    try:
        _wait_until_paused(process, stage)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL  # the kill landed, at that stage
    deadline = time.monotonic() + 10
    while _helpers_of(data_dir):  # its readers and builders die with it
        assert time.monotonic() < deadline, f"helpers left running: {_helpers_of(data_dir)}"
        time.sleep(0.1)

    # whatever moment it died at, a complete version is serving: the old one until CURRENT
    # moved, the new one after
    serving = current_version(data_dir)
    assert (serving.name == served_before) == (stage != "switched")
    with PublishedIndex(serving) as published:
        assert published.search("klientu", "lv").total > 0

    # the next ingest completes, without a stale lock or a half-written version in its way,
    # and a version put in place but never served does not push out the one served before
    again = run_ingest(settings, force=True)
    assert again.exit_code == 0, again.message
    kept = [v.name for v in list_versions(data_dir)]
    assert not list((data_dir / "versions").glob(".build-*"))
    assert kept == [serving.name, again.version], kept
    unserved = [w.path for w in again.warnings if "never served" in w.reason]
    assert len(unserved) == (1 if stage == "renamed" else 0), unserved


def test_a_second_ingest_is_refused_while_the_first_runs(tmp_path, big_content):
    settings = Settings(data_dir=tmp_path / "var", content_dir=big_content)
    first = _ingest_process(settings, pause_at="read")  # holding the lock, for as long as needed
    try:
        _wait_until_paused(first, "read")
        second = subprocess.run(
            [CSGUIDE, "ingest"],
            env=os.environ
            | {"CSGUIDE_DATA_DIR": str(settings.data_dir), "CSGUIDE_CONTENT_DIR": str(big_content)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "another ingest is running" in second.stdout
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert list_versions(settings.data_dir) == []  # the second published nothing either
    assert run_ingest(settings).status == "published"  # and the lock died with the first


def test_oversized_headers_are_refused_by_the_real_server(seed_settings):
    import socket

    from tests.helpers import running_server

    with running_server(seed_settings) as base:
        host, port = base.removeprefix("http://").split(":")

        def status_for(header_bytes: int) -> int:
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
                    + b"a" * header_bytes
                    + b"\r\n\r\n"
                )
                return int(sock.recv(64).split(b" ")[1])

        assert status_for(8_000) == 200
        assert 400 <= status_for(70_000) < 500  # refused, never a 5xx
        assert status_for(100) == 200  # and the server is still serving


def test_every_kind_of_bad_file_is_named_and_the_good_ones_land(tmp_path, content_dir):
    """All at once, through the real command: each bad file named with its reason, the good
    ones (and valid variants) published, exit status 1."""
    import json

    from tests.helpers import write_article

    settings = Settings(data_dir=tmp_path / "var", content_dir=content_dir)
    before = run_ingest(settings).version
    russian = (content_dir / "ru/customer-service-what-to-know.txt").read_text(encoding="utf-8")
    write_article(
        content_dir, "it/latin1.txt", "Città\n\nIl servizio è importante.".encode("latin-1")
    )
    write_article(content_dir, "lv/binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write_article(content_dir, "zh/empty.txt", b"")
    write_article(content_dir, "ru/blank.txt", "  \n\t\n")
    write_article(
        content_dir,
        "it/only-boilerplate.txt",
        "Sunday, November 21, 2010\n\nNo comments:\n\nPost a Comment\n",
    )
    write_article(content_dir, "it/russian-in-italian.txt", russian)
    write_article(content_dir, "lv/huge.txt", "Virsraksts\n\n" + "klientu apkalpošana " * 60_000)
    os.mkfifo(content_dir / "zh/fifo.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("Slepens\n\nNekad nepublicēt šo tekstu.\n", encoding="utf-8")
    (content_dir / "lv/link.txt").symlink_to(outside)
    # valid variants beside them
    write_article(
        content_dir,
        "it/bom-crlf.txt",
        b"\xef\xbb\xbfTitolo\r\n\r\nRispondere sempre con cortesia e pazienza.\r\n",
    )
    write_article(
        content_dir,
        "zh/traditional.txt",
        "回電\n\n對每一位客戶承諾明確的回電時間，並且準時回電。\n",
    )
    write_article(
        content_dir,
        "ru/front-matter.txt",
        "---\ntags: [звонки]\n---\nЗвонки\n\nПерезванивайте клиенту в обещанное время.\n",
    )

    env = os.environ | {
        "CSGUIDE_DATA_DIR": str(settings.data_dir),
        "CSGUIDE_CONTENT_DIR": str(content_dir),
    }
    done = subprocess.run(
        [CSGUIDE, "ingest", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    reasons = {problem["path"]: problem["reason"] for problem in report["rejected"]}
    assert reasons["it/latin1.txt"].startswith("not valid UTF-8: byte 0xe0 at offset 4")
    assert reasons["lv/binary.txt"].startswith("binary file")
    assert reasons["zh/empty.txt"] == "empty file"
    assert reasons["ru/blank.txt"] == "empty file"
    assert reasons["it/only-boilerplate.txt"] == "nothing left after removing boilerplate"
    assert "looks like Русский (ru" in reasons["it/russian-in-italian.txt"]
    assert reasons["lv/huge.txt"].startswith("too large")
    assert reasons["zh/fifo.txt"] == "not a regular file"
    assert reasons["lv/link.txt"] == "symlink leads outside the content folder"
    assert len(reasons) == 9
    assert report["status"] == "partial" and report["version"] != before
    with PublishedIndex(current_version(settings.data_dir)) as published:
        assert {"it/bom-crlf", "zh/traditional", "ru/front-matter"} <= set(published.articles)
        assert published.search("回电时间", "zh").total > 0
        assert published.search("nepublicēt", "lv").total == 0  # the outside file never lands
