"""The composed pipeline on real files, a real index and real publishing."""

from pipeline import ingest as ingest_module
from pipeline.ingest import article_id_for, run_ingest
from pipeline.publish import current_version, list_versions
from pipeline.search import PublishedIndex
from pipeline.settings import Settings
from tests.helpers import write_article

SEED_TIPS = {"it": 18, "lv": 5, "ru": 13, "zh": 27}


def search_ids(settings, query, lang):
    published = PublishedIndex.open_current(settings.data_dir)
    try:
        return published.search(query, lang, limit=50)
    finally:
        published.close()


def test_first_ingest_publishes_every_seed_tip(settings):
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("published", 0)
    assert report.articles_processed == 4
    assert report.tip_count_by_source_lang == SEED_TIPS
    # the bundled corpus carries editor translations of every tip into every language
    assert report.languages["lv"] == {
        "original": 5,
        "editor": 58,
        "machine": 0,
        "none": 0,
        "outdated": 0,
    }
    assert report.languages["en"] == {
        "original": 0,
        "editor": 63,
        "machine": 0,
        "none": 0,
        "outdated": 0,
    }
    assert current_version(settings.data_dir).name == report.version


def test_unchanged_content_is_not_processed_or_published_again(settings):
    first = run_ingest(settings)
    again = run_ingest(settings)
    assert (again.status, again.exit_code) == ("up-to-date", 0)
    assert again.articles_processed == 0 and again.articles_unchanged == 4
    assert again.version == first.version
    assert len(list_versions(settings.data_dir)) == 1


def test_a_changed_article_alone_is_processed(settings, content_dir):
    run_ingest(settings)
    path = content_dir / "lv/good-vs-excellent-customer-service.txt"
    path.write_text(
        path.read_text() + "\n\nJauna nodaļa\n\nVienmēr atzvaniet klientam tajā pašā dienā.\n"
    )
    report = run_ingest(settings)
    assert (report.articles_processed, report.articles_unchanged) == (1, 3)
    assert report.tip_count_by_source_lang["lv"] == 6
    assert report.version != report.previous_version
    assert search_ids(settings, "atzvaniet", "lv").results[0].title == "Jauna nodaļa"


def test_bad_files_are_named_and_good_ones_beside_them_land(settings, content_dir):
    write_article(content_dir, "it/broken.txt", b"Titolo\n\nTesto \xff rotto")
    write_article(
        content_dir,
        "it/extra.txt",
        "Regola d'oro\n\nRispondere sempre entro un'ora a ogni cliente che scrive.",
    )
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("partial", 1)
    assert [(p.path, p.reason) for p in report.rejected] == [
        ("it/broken.txt", "not valid UTF-8: byte 0xff at offset 14; save the file as UTF-8")
    ]
    assert report.tip_count_by_source_lang["it"] == 19
    assert search_ids(settings, "entro un'ora", "it").results[0].source.article == "it/extra"


def test_a_wrong_language_article_is_not_indexed(settings, content_dir):
    russian = (content_dir / "ru/customer-service-what-to-know.txt").read_text()
    write_article(content_dir, "it/misplaced.txt", russian)
    report = run_ingest(settings)
    assert report.exit_code == 1
    (problem,) = report.rejected
    assert problem.path == "it/misplaced.txt"
    assert "looks like Русский (ru" in problem.reason and "content/it/" in problem.reason
    assert "it/misplaced" not in PublishedIndex.open_current(settings.data_dir).articles


def test_nothing_usable_publishes_nothing_and_the_old_version_keeps_serving(settings, content_dir):
    first = run_ingest(settings)
    for path in content_dir.rglob("*.txt"):
        path.write_bytes(b"\x00binary")
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("partial", 1)  # kept versions still publish
    assert current_version(settings.data_dir).name == first.version
    # the articles were good before: their last good versions stay published
    assert sorted(report.articles_kept) == sorted(
        [
            "it/customer-service-with-great-profits",
            "lv/good-vs-excellent-customer-service",
            "ru/customer-service-what-to-know",
            "zh/why-customer-service-matters",
        ]
    )
    assert search_ids(settings, "回电时间", "zh").results


def test_empty_content_on_a_fresh_data_dir_exits_2(settings, content_dir):
    for path in content_dir.rglob("*.txt"):
        path.write_text("   \n")
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("failed", 2)
    assert current_version(settings.data_dir) is None
    assert len(report.rejected) == 4 and {p.reason for p in report.rejected} == {"empty file"}


def test_a_deleted_article_disappears(settings, content_dir):
    run_ingest(settings)
    (content_dir / "lv/good-vs-excellent-customer-service.txt").unlink()
    report = run_ingest(settings)
    assert report.exit_code == 0
    assert "lv" not in report.tip_count_by_source_lang
    hits = search_ids(settings, "klientu apkalposana", "lv").results
    assert hits  # translated tips from other articles still match
    assert "lv/good-vs-excellent-customer-service" not in {h.source.article for h in hits}
    # its translations into other languages are reported as orphans, not used
    assert {w.path for w in report.warnings} == {
        f"lv/good-vs-excellent-customer-service.{lang}.yaml" for lang in ("it", "zh", "ru", "en")
    }


def test_dry_run_publishes_and_writes_nothing(settings):
    report = run_ingest(settings, dry_run=True)
    assert (report.status, report.exit_code) == ("dry-run", 0)
    assert report.tip_count_by_source_lang == SEED_TIPS
    assert not settings.data_dir.exists()


def test_a_failed_build_leaves_the_published_version_serving(settings, content_dir, monkeypatch):
    first = run_ingest(settings)
    write_article(
        content_dir, "it/nuovo.txt", "Nuovo\n\nSalutare sempre il cliente per nome, con calma."
    )

    def explode(*args, **kwargs):  # fault injection: the disk fills up mid-build
        raise OSError("disk full")

    monkeypatch.setattr(ingest_module, "write_index", explode)
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("failed", 2)
    assert "disk full" in report.message
    assert current_version(settings.data_dir).name == first.version
    assert not list((settings.data_dir / "versions").glob(".build-*"))
    monkeypatch.undo()
    assert run_ingest(settings).status == "published"


def test_traditional_chinese_article_is_found_by_simplified_words(settings, content_dir):
    write_article(
        content_dir,
        "zh/traditional.txt",
        "回電承諾\n\n對每一位客戶承諾明確的回電時間，並且準時回電。",
    )
    report = run_ingest(settings)
    assert report.exit_code == 0
    hit = search_ids(settings, "回电时间", "zh").results
    assert "zh/traditional" in {h.source.article for h in hit}
    shown = next(h for h in hit if h.source.article == "zh/traditional")
    assert shown.text == "對每一位客戶承諾明確的回電時間，並且準時回電。"  # shown as written


def test_front_matter_title_and_crlf_bom(settings, content_dir):
    text = "---\ntitle: Regole d'oro\ntags: [telefono]\n---\nRispondere presto\r\n\r\nRispondere al telefono entro tre squilli, sempre con cortesia.\r\n"
    write_article(content_dir, "it/regole.txt", b"\xef\xbb\xbf" + text.encode())
    report = run_ingest(settings)
    assert report.exit_code == 0
    published = PublishedIndex.open_current(settings.data_dir)
    assert published.articles["it/regole"].title == "Regole d'oro"
    assert published.articles["it/regole"].meta.tags == ("telefono",)
    hit = published.search("squilli", "it").results[0]
    assert (hit.title, hit.context) == ("Rispondere presto", "Regole d'oro")


def test_article_id_for():
    assert article_id_for("lv/slug.txt") == "lv/slug"
    assert article_id_for("de/slug.txt") is None
    assert article_id_for("lv/sub/slug.txt") is None


def test_a_front_matter_edit_alone_is_published(settings, content_dir):
    write_article(
        content_dir,
        "it/regole.txt",
        "---\ntags: [telefono]\nauthor: Anna\n---\nRegole\n\nRispondere sempre con calma e gentilezza.\n",
    )
    run_ingest(settings)
    write_article(
        content_dir,
        "it/regole.txt",
        "---\ntags: [telefono, cortesia]\nauthor: Marco\n---\nRegole\n\nRispondere sempre con calma e gentilezza.\n",
    )
    report = run_ingest(settings)
    assert report.status == "published"
    published = PublishedIndex.open_current(settings.data_dir)
    assert published.articles["it/regole"].meta.author == "Marco"
    published.close()


def test_an_unexpected_failure_is_a_failed_report_not_a_crash(tmp_path, articles_only):
    settings = Settings(data_dir=tmp_path / "var", content_dir=articles_only)  # needs MT

    class Exploding:
        engine, model_calls = "boom", 0

        def model_for(self, source, target):
            raise RuntimeError("metadata unreadable")

        def translate(self, texts, source, target):
            raise AssertionError("not reached")

    report = run_ingest(settings, translator=Exploding())
    assert (report.status, report.exit_code) == ("failed", 2)
    assert "unexpected RuntimeError: metadata unreadable" in report.message


def test_invisible_characters_do_not_split_words(settings, content_dir):
    write_article(
        content_dir,
        "lv/neredzami.txt",
        "Neredzami\n\nKlientu apkal\u00adpo\u200bšana ir svarīga ikvienam uzņēmumam.\n",
    )
    run_ingest(settings)
    published = PublishedIndex.open_current(settings.data_dir)
    texts = [h.text for h in published.search("apkalposana", "lv", limit=50).results]
    assert "Klientu apkalpošana ir svarīga ikvienam uzņēmumam." in texts
    published.close()


def test_index_builders_fork_with_no_garbage_of_the_parent_to_free(settings):
    """A forked index builder that frees an object of the parent (a CTranslate2 translator
    left in a reference cycle) waits forever for a thread pool only the parent has: ingest
    collects cyclic garbage before it forks (and leaves the parent's collector as it was)."""
    import gc
    import weakref

    class Cycle:
        pass

    frozen = gc.get_freeze_count()
    gc.disable()  # only ingest's own collection can free the cycle now
    try:
        cycle = Cycle()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        builders = settings.model_copy(update={"index_workers": 2})
        assert run_ingest(builders).exit_code == 0
        assert gone() is None
        assert gc.get_freeze_count() == frozen  # the builders froze, not this process
    finally:
        gc.enable()
