"""Shared fixtures: copies of the bundled content and data dirs in tmp, and one published index
of the bundled articles for the read-side tests."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.ingest import run_ingest
from pipeline.search import PublishedIndex
from pipeline.settings import Settings, get_settings
from tests.helpers import BUNDLED_CONTENT


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled articles that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, target)
    return target


@pytest.fixture
def articles_only(tmp_path: Path) -> Path:
    """The bundled articles without their editor translations."""
    target = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, target, ignore=shutil.ignore_patterns("*.yaml"))
    return target


@pytest.fixture
def settings(tmp_path: Path, content_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", content_dir=content_dir)


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """``settings`` as the csguide command reads them: from its environment variables."""
    monkeypatch.setenv("CSGUIDE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CSGUIDE_CONTENT_DIR", str(settings.content_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled content, ingested once for the whole session (read-only for tests)."""
    root = tmp_path_factory.mktemp("seeds")
    settings = Settings(data_dir=root / "var", content_dir=BUNDLED_CONTENT)
    report = run_ingest(settings)
    assert report.exit_code == 0, report
    return settings


@pytest.fixture(scope="session")
def seed_index(seed_settings: Settings) -> Iterator[PublishedIndex]:
    published = PublishedIndex.open_current(seed_settings.data_dir)
    yield published
    published.close()
