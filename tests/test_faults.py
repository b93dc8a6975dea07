"""Faults against the real pipeline and the real command: an ingest killed with SIGKILL at
any point, and two ingests at once. Nothing published is lost; the next ingest completes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import generate
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


def _ingest_process(settings: Settings, *args: str) -> subprocess.Popen[str]:
    env = os.environ | {
        "CSGUIDE_DATA_DIR": str(settings.data_dir),
        "CSGUIDE_CONTENT_DIR": str(settings.content_dir),
    }
    return subprocess.Popen(
        [CSGUIDE, "ingest", "--json", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0, 3.5])
def test_kill_9_at_any_moment_loses_nothing(tmp_path, big_content, delay):
    settings = Settings(data_dir=tmp_path / "var", content_dir=big_content)
    first = run_ingest(settings)
    assert first.status == "published"
    # change every article a little so the next ingest has real work to do
    for path in sorted(big_content.rglob("synthetic-0000*.txt")):
        path.write_text(
            path.read_text(encoding="utf-8") + "\n\nPapildu rindkopa.\n", encoding="utf-8"
        )
    process = _ingest_process(settings, "--force")
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    # whatever moment it died at, a complete version is serving
    serving = current_version(settings.data_dir)
    assert serving is not None
    with PublishedIndex(serving) as published:
        assert published.search("klientu", "lv").total > 0
    # and the next ingest completes, without a stale lock or a half-written version in its way
    again = run_ingest(settings)
    assert again.exit_code == 0, again.message
    assert not list((settings.data_dir / "versions").glob(".build-*"))
    assert current_version(settings.data_dir).name in {
        v.name for v in list_versions(settings.data_dir)
    }


def test_a_second_ingest_is_refused_while_the_first_runs(tmp_path, big_content):
    settings = Settings(data_dir=tmp_path / "var", content_dir=big_content)
    first = _ingest_process(settings)
    try:
        deadline = time.monotonic() + 20
        while (
            not (settings.data_dir / "ingest.lock").exists()
            or not (settings.data_dir / "ingest.lock").read_text()
        ):
            assert time.monotonic() < deadline, "the first ingest never took the lock"
            time.sleep(0.05)
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
        out, _ = first.communicate(timeout=120)
    assert first.returncode == 0, out
    assert len(list_versions(settings.data_dir)) == 1  # one version, not two half ones
