"""Damaged things in the content or data dir: each is named with what to do, and nothing
published is lost or dropped without a word."""

import json
import os

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import run_ingest
from pipeline.publish import LOCK_FILE, current_version
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
