"""The csguide command as users run it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.languages import INDEX_LANGS
from pipeline.publish import read_version
from pipeline.search import PublishedIndex
from tests.helpers import write_article, write_older_index

runner = CliRunner()


def test_installed_command_ingests_then_searches(settings):
    """The done-when of the foundation, through the installed console script."""
    csguide = Path(sys.executable).with_name("csguide")
    environ = os.environ | {
        "CSGUIDE_DATA_DIR": str(settings.data_dir),
        "CSGUIDE_CONTENT_DIR": str(settings.content_dir),
    }
    ingest = subprocess.run(
        [csguide, "ingest"], env=environ, capture_output=True, text=True, check=False
    )
    assert ingest.returncode == 0, ingest.stderr
    assert "published" in ingest.stdout
    found = subprocess.run(
        [csguide, "search", "回电时间", "--lang", "zh", "--json"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    page = json.loads(found.stdout)
    assert page["results"][0]["title"] == "承诺回电时间"
    assert set(page["results"][0]) >= {
        "id",
        "lang",
        "title",
        "text",
        "highlight",
        "score",
        "source",
        "translation",
    }


def test_ingest_report_and_exit_codes(env, content_dir):
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0
    assert "4 found, 4 processed" in result.output
    assert "Tips: 63 from 18 it, 5 lv, 13 ru, 27 zh" in result.output
    write_article(content_dir, "ru/empty.txt", "")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 1
    assert "rejected ru/empty.txt: empty file" in result.output


def test_ingest_json(env):
    result = runner.invoke(app, ["ingest", "--json"])
    report = json.loads(result.output)
    assert report["status"] == "published" and report["exit_code"] == 0
    assert report["tip_count_by_source_lang"] == {"it": 18, "lv": 5, "ru": 13, "zh": 27}


def test_ingest_dry_run(env):
    result = runner.invoke(app, ["ingest", "--dry-run", "--json"])
    assert json.loads(result.output)["status"] == "dry-run"
    assert not env.data_dir.exists()


def test_search_before_any_ingest_explains_what_to_do(env):
    result = runner.invoke(app, ["search", "klientu", "--lang", "lv"])
    assert result.exit_code == 2
    assert "run 'csguide ingest' first" in result.output


def test_search_text_output(env):
    runner.invoke(app, ["ingest"])
    result = runner.invoke(app, ["search", "klientu apkalposana", "--lang", "lv", "--limit", "2"])
    assert result.exit_code == 0
    assert "showing 2" in result.output
    assert "lv/good-vs-excellent-customer-service/" in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--lang", "de"], "--lang: 'de' is not supported; use one of lv, it, zh, ru, en"),
        (["--lang", "lv", "--source-lang", "xx"], "must be one of lv, it, zh, ru, en"),
    ],
)
def test_search_rejects_unknown_languages(env, args, said):
    runner.invoke(app, ["ingest"])
    result = runner.invoke(app, ["search", "x", *args])
    assert result.exit_code == 2
    assert said in result.output


def test_search_takes_language_tags_as_the_api_does(env):
    runner.invoke(app, ["ingest"])
    tagged = json.loads(
        runner.invoke(app, ["search", "klients", "--lang", "lv-LV", "--json"]).stdout
    )
    plain = json.loads(runner.invoke(app, ["search", "klients", "--lang", "lv", "--json"]).stdout)
    assert tagged == plain and tagged["answer_lang"] == "lv"


def test_index_versions_and_rollback(env, content_dir):
    runner.invoke(app, ["ingest"])
    write_article(
        content_dir, "lv/jauns.txt", "Jauns\n\nVienmēr pateicieties klientam par zvanu un laiku."
    )
    runner.invoke(app, ["ingest"])
    listing = runner.invoke(app, ["index", "versions"]).output.splitlines()
    assert len(listing) == 2 and listing[1].startswith("* 000002-")
    first = next(env.data_dir.glob("versions/000001-*"))
    with PublishedIndex(read_version(env.data_dir, first.name)) as index:
        records = {lang: list(index.records(lang)) for lang in INDEX_LANGS}
    for lang, held in records.items():  # as csguide built a version before tip files
        shutil.rmtree(first / "index" / lang)
        write_older_index(first / "index" / lang, lang, held, spans=True)
    for impacts in first.glob("index/*/impacts"):  # and before ranking scores were saved
        shutil.rmtree(impacts)
    (first / "files.json").unlink()  # and before it listed its files
    result = runner.invoke(app, ["index", "rollback"])
    assert result.exit_code == 0 and "now serving 000001-" in result.output, result.output
    assert "saved the ranking scores" in result.output
    assert "saved the tip records" in result.output
    assert len(list(first.glob("index/*/impacts"))) == 5
    assert len(list(first.glob("index/*/tips"))) == 5
    assert "saved the words as written" in result.output
    assert len(list(first.glob("index/*/surface"))) == 4  # Chinese has no stems
    assert "saved the typo candidates" in result.output
    assert len(list(first.glob("index/*/typos"))) == 5
    found = json.loads(runner.invoke(app, ["search", "klientu", "--lang", "lv", "--json"]).stdout)
    assert found["total"] > 0
    assert runner.invoke(app, ["index", "versions"]).output.splitlines()[0].startswith("* 000001-")


def test_translations_new_keeps_what_is_translated(env, content_dir):
    from pipeline.editor_translations import load_translation_file, match_tips
    from pipeline.ingest import read_article

    path = content_dir / "zh/why-customer-service-matters.lv.yaml"
    before = load_translation_file(path, path.name, "zh")
    article = content_dir / "zh/why-customer-service-matters.txt"
    article.write_text(
        article.read_text().replace(
            "针对所有客户问题承诺一个明确的回电时间", "针对每个客户问题承诺回电时间"
        )
    )
    result = runner.invoke(app, ["translations", "new", "zh/why-customer-service-matters", "lv"])
    assert result.exit_code == 0, result.output
    after = load_translation_file(path, path.name, "zh")
    assert after.title == before.title
    changed = [
        (b, a)
        for b, a in zip(before.tips, after.tips, strict=True)
        if b.source_hash != a.source_hash
    ]
    ((old, new),) = changed  # only the edited tip's entry moved on …
    assert "每个客户问题承诺回电时间" in new.original
    assert new.text == old.text  # … keeping its translation to update
    assert new.outdated is True  # … flagged until an editor has reviewed it
    # Section titles are now written once per section, and every tip keeps the title it had.
    article, tips = read_article(env, "zh/why-customer-service-matters")
    headings = [t.title for t in tips if t.title != article.title]
    assert [s.original for s in after.sections] == list(dict.fromkeys(headings))
    assert all(s.title for s in after.sections)
    shown = {
        tip.position: (m.title, m.text, m.context)
        for tip in tips
        if (m := match_tips(after, tips, article.title).get(tip.id))
    }
    was = {
        tip.position: (m.title, m.text, m.context)
        for tip in tips
        if (m := match_tips(before, tips, article.title).get(tip.id))
    }
    assert shown == was and len(shown) == len(tips)
    report = runner.invoke(app, ["ingest", "--json"])
    assert json.loads(report.output)["languages"]["lv"]["outdated"] == 1
    path.write_text(path.read_text().replace("\n  outdated: true\n", "\n"))  # reviewed
    report = runner.invoke(app, ["ingest", "--json"])
    assert json.loads(report.output)["languages"]["lv"]["outdated"] == 0


def test_translations_new_errors(env):
    result = runner.invoke(app, ["translations", "new", "zh/nope", "lv"])
    assert result.exit_code == 2 and "no article 'zh/nope'" in result.output
    result = runner.invoke(app, ["translations", "new", "zh/why-customer-service-matters", "zh"])
    assert result.exit_code == 2 and "written in zh already" in result.output


PREVIEWED = "# Atmaksa\n\nIevads par atmaksu.\n\n## Termiņi\n\n| Prece | Termiņš |\n|---|---|\n| Neatvērta | 14 dienas |\n"


def test_preview_shows_the_cut_without_publishing(env, tmp_path):
    path = write_article(tmp_path / "drafts", "lv/atmaksa.md", PREVIEWED)
    result = runner.invoke(app, ["preview", str(path)])
    assert result.exit_code == 0, result.output
    assert "(markdown) → lv/atmaksa: “Atmaksa”, 2 tip(s)" in result.output
    assert "Ievads par atmaksu." in result.output
    assert "table     Termiņi" in result.output and "14 dienas" in result.output
    assert not (env.data_dir / "versions").exists() or not any(
        (env.data_dir / "versions").iterdir()
    )
    as_json = json.loads(runner.invoke(app, ["preview", str(path), "--json"]).output)
    (item,) = as_json
    assert (item["format"], item["title"], item["rejected"]) == ("markdown", "Atmaksa", None)
    assert [(t["kind"], t["title"]) for t in item["tips"]] == [
        ("paragraph", "Atmaksa"),
        ("table", "Termiņi"),
    ]
    assert item["tips"][1]["table"] == {
        "header": ["Prece", "Termiņš"],
        "rows": [["Neatvērta", "14 dienas"]],
    }


def test_preview_names_what_ingest_would_reject(env, tmp_path):
    loose = write_article(tmp_path, "draft.md", PREVIEWED)
    result = runner.invoke(app, ["preview", str(loose)])
    assert result.exit_code == 1
    assert "no language: put the file in content/<lang>/ or pass --lang" in result.output
    assert runner.invoke(app, ["preview", str(loose), "--lang", "lv"]).exit_code == 0
    broken = write_article(tmp_path, "lv/broken.docx", b"not a zip")
    result = runner.invoke(app, ["preview", str(broken)])
    assert result.exit_code == 1
    assert "not a Word .docx file (not a ZIP archive)" in result.output
    wrong = write_article(tmp_path, "ru/wrong.md", PREVIEWED)  # Latvian text in ru/
    result = runner.invoke(app, ["preview", str(wrong)])
    assert result.exit_code == 1 and "move it to content/lv/" in result.output


def test_ingest_names_articles_added_changed_and_removed(env, content_dir):
    runner.invoke(app, ["ingest"])
    write_article(content_dir, "lv/atmaksa.md", PREVIEWED)
    report = json.loads(runner.invoke(app, ["ingest", "--json"]).output)
    assert (report["articles_added"], report["articles_changed"], report["articles_removed"]) == (
        ["lv/atmaksa"],
        [],
        [],
    )
    write_article(content_dir, "lv/atmaksa.md", PREVIEWED.replace("14 dienas", "15 dienas"))
    (content_dir / "it/customer-service-with-great-profits.txt").unlink()
    for translation in content_dir.glob("it/customer-service-with-great-profits.*.yaml"):
        translation.unlink()
    result = runner.invoke(app, ["ingest"])
    assert "  changed: lv/atmaksa" in result.output
    assert "  removed: it/customer-service-with-great-profits" in result.output
    # A heading edited alone changes no tip id, and still changes the article.
    edited = PREVIEWED.replace("14 dienas", "15 dienas")
    write_article(content_dir, "lv/atmaksa.md", edited.replace("## Termiņi", "## Atmaksu termiņi"))
    report = json.loads(runner.invoke(app, ["ingest", "--json"]).output)
    assert report["articles_changed"] == ["lv/atmaksa"]


def test_serve_removes_the_metrics_directories_of_servers_that_died(tmp_path, monkeypatch):
    """A server stopped by a signal cannot remove its own (uvicorn re-raises the signal);
    the next one removes those of servers no longer running, and only those."""
    import os
    import subprocess
    import tempfile

    from pipeline.cli import _metrics_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # set, then removed: monkeypatch then also removes what _metrics_dir sets
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "unset at the end")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    gone = subprocess.Popen(["true"])  # a pid that is surely gone once waited for
    gone.wait()
    stale = tmp_path / f"csguide-metrics-{gone.pid}-abc"
    running = tmp_path / f"csguide-metrics-{os.getpid()}-def"
    for directory in (stale, running):
        directory.mkdir()
    made, own = _metrics_dir()
    assert own and made.name.startswith(f"csguide-metrics-{os.getpid()}-")
    assert not stale.exists() and running.exists()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(made)


def test_serve_with_workers_auto_starts_one_worker_per_core(seed_settings):
    """`make serve` runs `csguide serve --workers auto`: one uvicorn worker per usable core."""
    import httpx2

    from tests.helpers import server_process

    cores = len(os.sched_getaffinity(0))
    env = {"CSGUIDE_DATA_DIR": str(seed_settings.data_dir), "CSGUIDE_ANALYTICS": "0"}
    with server_process(env, "auto") as (base, process):
        children = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        workers = [
            pid
            for pid in children
            if "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
            and "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        ]
        assert len(workers) == cores if cores > 1 else not workers
        assert httpx2.get(f"{base}/v1/search", params={"q": "klient"}).status_code == 200


@pytest.mark.parametrize("given", ["0", "65", "many", "-1", ""])
def test_serve_refuses_a_worker_count_it_cannot_run(given):
    result = runner.invoke(app, ["serve", "--workers", given])
    assert result.exit_code == 2
    assert "--workers" in result.output and "auto" in result.output
