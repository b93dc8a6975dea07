"""Damaged things in the content or data dir: each is named with what to do, and nothing
published is lost or dropped without a word."""

import json
import os

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.index import FORMAT_VERSION, OLDEST_READABLE_FORMAT, UnreadableFormat
from pipeline.ingest import run_ingest
from pipeline.publish import LOCK_FILE, current_version
from pipeline.schema import StoredTip, TipRecord
from pipeline.search import PublishedIndex
from pipeline.state import STATE_FILE
from tests.fakes import FakeTranslator

runner = CliRunner()
LV_ARTICLE = "lv/good-vs-excellent-customer-service.txt"


def test_a_file_name_that_is_not_utf8_is_named_and_the_json_report_still_prints(env):
    folder = os.fsencode(env.content_dir / "lv")
    with open(os.path.join(folder, b"zvani-\xff\xfe.txt"), "wb") as handle:
        handle.write("Zvani\n\nAtzvaniet klientam tajā pašā dienā, kā solīts.\n".encode())
    result = runner.invoke(app, ["ingest", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["status"] == "partial"
    assert report["rejected"] == [
        {
            "path": "lv/zvani-\\xff\\xfe.txt",
            "reason": "file name is not valid UTF-8: rename it (e.g. with the file manager)",
        }
    ]


def test_a_state_that_cannot_be_written_is_a_warning_after_publishing(settings):
    (settings.data_dir).mkdir(parents=True)
    (settings.data_dir / STATE_FILE.parent).write_text("a file where the state folder goes")
    report = run_ingest(settings, translator=FakeTranslator(pairs=[]))
    assert (report.status, report.exit_code) == ("published", 0)
    assert current_version(settings.data_dir) is not None
    (warning,) = [w for w in report.warnings if w.path == str(STATE_FILE)]
    assert warning.reason.startswith("the ingest state could not be saved (")


def test_a_damaged_translation_memory_is_named_with_the_fix(settings):
    settings.data_dir.mkdir(parents=True)
    settings.translation_memory_path.write_bytes(b"not a database at all" * 100)
    report = run_ingest(settings, translator=FakeTranslator())
    assert (report.status, report.exit_code) == ("failed", 2)
    assert str(settings.translation_memory_path) in report.message
    assert "move it aside and ingest again" in report.message


def test_rollback_on_a_data_dir_it_cannot_write_says_so(env):
    runner.invoke(app, ["ingest"])
    runner.invoke(app, ["ingest", "--force"])
    lock = env.data_dir / LOCK_FILE
    lock.unlink(missing_ok=True)
    lock.mkdir()  # stands in for a read-only data dir (tests run as root, which ignores modes)
    result = runner.invoke(app, ["index", "rollback"])
    assert result.exit_code == 2
    assert "cannot write to the data dir" in result.output
    assert "Traceback" not in result.output


def test_a_published_article_rejected_with_no_state_to_keep_it_is_not_dropped_silently(settings):
    first = run_ingest(settings, translator=FakeTranslator(pairs=[]))
    assert first.status == "published"
    (settings.data_dir / STATE_FILE).write_text("{ damaged")
    (settings.content_dir / LV_ARTICLE).write_bytes(b"\xff\xfe not utf-8")
    report = run_ingest(settings, translator=FakeTranslator(pairs=[]))
    assert (report.status, report.exit_code) == ("failed", 2)
    assert "lv/good-vs-excellent-customer-service: published now, rejected" in report.message
    assert current_version(settings.data_dir).name == first.version  # still serving


def _three_versions(env) -> list[str]:
    names = []
    for _ in range(3):
        runner.invoke(app, ["ingest", "--force"])
        names.append(current_version(env.data_dir).name)
    return names


def test_rollback_skips_a_truncated_version_and_says_so(env):
    oldest, middle, _newest = _three_versions(env)
    postings = next((env.data_dir / "versions" / middle / "index" / "lv").glob("*.pst"))
    postings.write_bytes(postings.read_bytes()[: postings.stat().st_size // 2])
    result = runner.invoke(app, ["index", "rollback"])
    assert result.exit_code == 0, result.output
    assert f"skipped {middle}: damaged files: index/lv/{postings.name} is" in result.output
    assert f"now serving {oldest}" in result.output
    assert current_version(env.data_dir).name == oldest


def test_rollback_with_no_good_version_left_changes_nothing(env):
    _oldest, middle, newest = _three_versions(env)
    for name in (_oldest, middle):
        (env.data_dir / "versions" / name / "articles.json").write_text("[]")
    result = runner.invoke(app, ["index", "rollback"])
    assert result.exit_code == 2
    assert (
        "no earlier version can be served" in result.output and "CURRENT unchanged" in result.output
    )
    assert current_version(env.data_dir).name == newest


def test_versions_with_a_damaged_pointer_name_the_problem(env):
    *_, newest = _three_versions(env)
    (env.data_dir / "CURRENT").write_text("garbage\n")
    result = runner.invoke(app, ["index", "versions"])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert f"serving the newest readable version {newest}" in result.output
    assert f"* {newest}" in result.output


def _set_format(data_dir, name: str, found: int) -> None:
    manifest_path = data_dir / "versions" / name / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format_version"] = found
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_rollback_skips_a_version_in_a_format_it_cannot_read(env):
    """Before, the format was written and never read: a version from another csguide passed
    the rollback, then failed every request."""
    oldest, middle, _newest = _three_versions(env)
    _set_format(env.data_dir, middle, FORMAT_VERSION + 1)
    result = runner.invoke(app, ["index", "rollback"])
    assert result.exit_code == 0, result.output
    assert (
        f"skipped {middle}: {middle} is in index format {FORMAT_VERSION + 1}, made by a newer "
        "csguide" in " ".join(result.output.split())
    )
    assert current_version(env.data_dir).name == oldest
    listing = " ".join(runner.invoke(app, ["index", "versions"]).output.split())
    assert f"format {FORMAT_VERSION + 1} cannot be served: {middle} is in index" in listing


def test_a_version_older_than_the_readable_formats_is_refused_with_the_fix(env):
    runner.invoke(app, ["ingest"])
    version = current_version(env.data_dir)
    _set_format(env.data_dir, version.name, OLDEST_READABLE_FORMAT - 1)
    with pytest.raises(UnreadableFormat, match=r"run 'csguide ingest --force' to rebuild it"):
        PublishedIndex.open_current(env.data_dir)


def test_a_stored_record_reads_whatever_fields_the_api_adds(seed_index):
    """The stored record is its own model: fields it does not know are ignored, and what the
    API returns is built from it."""
    stored = next(seed_index.records("lv"))
    with_more = json.loads(stored.model_dump_json()) | {"answer_lang": "lv", "tip_count": 3}
    with_more["source"] |= {"article_lang": "lv"}
    with_more["translation"] |= {"reviewed_by": "editor"}
    assert StoredTip.model_validate(with_more) == stored
    record = seed_index.tip(stored.id, "lv")
    assert isinstance(record, TipRecord) and record.model_dump() == stored.model_dump()
