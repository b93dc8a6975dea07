"""Translation in the pipeline: provenance, memory, editor files and what wins, with the model
faked at its boundary (tests/pipeline/test_argos.py runs the real model path)."""

import pytest
import yaml

from pipeline.ingest import run_ingest
from pipeline.search import PublishedIndex
from pipeline.settings import Settings
from pipeline.translation_memory import TranslationMemory
from tests.fakes import FakeTranslator
from tests.helpers import write_article

ZH_ARTICLE = "zh/why-customer-service-matters"
IT_ARTICLE = "it/customer-service-with-great-profits"


@pytest.fixture
def plain(tmp_path, articles_only) -> Settings:
    """Settings over the bundled articles with no editor translations."""
    return Settings(data_dir=tmp_path / "var", content_dir=articles_only)


def records(settings, lang):
    published = PublishedIndex.open_current(settings.data_dir)
    try:
        searcher = published.searcher(lang)
        return {r.id: r for r in (published.tip(doc["id"], lang) for doc in searcher.documents())}
    finally:
        published.close()


def test_without_models_or_editors_tips_show_untranslated(plain):
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert report.exit_code == 0
    assert report.translation.untranslated == {
        "it→en": 18,
        "it→lv": 18,
        "it→ru": 18,
        "it→zh": 18,
        "lv→en": 5,
        "lv→it": 5,
        "lv→ru": 5,
        "lv→zh": 5,
        "ru→en": 13,
        "ru→it": 13,
        "ru→lv": 13,
        "ru→zh": 13,
        "zh→en": 27,
        "zh→it": 27,
        "zh→lv": 27,
        "zh→ru": 27,
    }
    en = records(plain, "en")
    assert {r.translation.provenance for r in en.values()} == {"none"}
    assert all(r.lang == r.source.lang and r.text == r.source.text for r in en.values())
    # still found from the English index, by the original words, shown as the original
    hit = PublishedIndex.open_current(plain.data_dir).search("回电时间", "en").results[0]
    assert (hit.title, hit.lang, hit.translation.provenance) == ("承诺回电时间", "zh", "none")


def test_machine_translation_batches_one_call_per_pair_and_records_the_model(plain):
    fake = FakeTranslator()
    report = run_ingest(plain, translator=fake)
    assert report.exit_code == 0
    assert fake.model_calls == 16  # 4 source languages × 4 targets, each one batch
    assert report.translation.model_calls == 16
    assert report.languages["lv"] == {
        "original": 5,
        "editor": 0,
        "machine": 58,
        "none": 0,
        "outdated": 0,
    }
    lv = records(plain, "lv")
    callback = next(r for r in lv.values() if r.source.title == "承诺回电时间")
    assert callback.lang == "lv"
    assert callback.translation.provenance == "machine"
    assert callback.translation.model == "fake:zh-lv@1"
    assert callback.text == "[lv] " + callback.source.text
    assert callback.title == "[lv] 承诺回电时间"
    assert callback.context == "[lv] 为什么客户服务如此重要?"
    memory = TranslationMemory(plain.translation_memory_path)
    assert memory.count() == report.translation.segments_translated
    memory.close()


def test_warm_reingest_makes_zero_model_calls(plain):
    first = run_ingest(plain, translator=FakeTranslator())
    again = FakeTranslator()
    report = run_ingest(plain, translator=again)
    assert (report.status, again.model_calls) == ("up-to-date", 0)
    assert report.languages == first.languages  # the counts still reported, from the manifest
    forced = FakeTranslator()
    report = run_ingest(plain, translator=forced, force=True)  # rebuilt: all from memory
    assert forced.model_calls == 0 and report.translation.model_calls == 0
    assert report.translation.segments_translated == 0
    assert report.translation.segments_from_memory > 200


def test_a_changed_tip_is_translated_again_and_its_old_translation_marked_outdated(plain):
    run_ingest(plain, translator=FakeTranslator())
    path = plain.content_dir / "lv/good-vs-excellent-customer-service.txt"
    path.write_text(path.read_text().replace("ir arī ārkārtējs.", "ir ārkārtīgi svarīgi."))
    fake = FakeTranslator()
    report = run_ingest(plain, translator=fake)
    assert report.status == "published"
    # only the changed paragraph, into each of the four other languages
    assert sorted(t for _, t, _ in fake.translated) == ["en", "it", "ru", "zh"]
    assert all(text.endswith("ir ārkārtīgi svarīgi.") for _, _, text in fake.translated)
    memory = TranslationMemory(plain.translation_memory_path)
    assert memory.count(outdated=True) == 4  # the old paragraph's four translations
    memory.close()


def test_a_new_model_version_redoes_machine_translations(plain):
    run_ingest(plain, translator=FakeTranslator(pairs=[("it", "en")]))
    upgraded = FakeTranslator(pairs=[("it", "en")], version="2")
    report = run_ingest(plain, translator=upgraded)
    assert upgraded.model_calls == 1
    assert report.translation.segments_translated == report.translation.segments_from_memory + 19
    assert {
        r.translation.model for r in records(plain, "en").values() if r.source.lang == "it"
    } == {"fake:it-en@2"}


def test_a_new_decoding_revision_of_the_engine_redoes_machine_translations(plain):
    """Same model version, but the engine now decodes its output differently (as when the
    OPUS-MT ports' '▁' was fixed): what the old decoding made is redone, not reused."""
    first = run_ingest(plain, translator=FakeTranslator(pairs=[("it", "en")]))
    redecoded = FakeTranslator(pairs=[("it", "en")], render=lambda t, s, g: f"({g}) {t}")
    redecoded.engine = "fake/2"
    report = run_ingest(plain, translator=redecoded, force=True)
    assert redecoded.model_calls == 1 and report.translation.segments_from_memory == 0
    assert report.translation.segments_translated == first.translation.segments_translated
    english = [r for r in records(plain, "en").values() if r.source.lang == "it"]
    assert english and all(r.text.startswith("(en) ") for r in english)


def test_broken_machine_output_is_flagged_not_indexed(plain):
    looping = FakeTranslator(pairs=[("lv", "en")], render=lambda text, s, t: "the the the the the")
    report = run_ingest(plain, translator=looping)
    assert report.exit_code == 0
    assert len(report.translation.flagged) == 5
    assert "repeats 'the' 4 times or more" in report.translation.flagged[0].reason
    en = records(plain, "en")
    assert {r.translation.provenance for r in en.values() if r.source.lang == "lv"} == {"none"}


def write_editor_file(settings, article, lang, tips, title="Translated title"):
    src, slug = article.split("/")
    document = {"article": article, "lang": lang, "title": title, "tips": tips}
    path = settings.content_dir / src / f"{slug}.{lang}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def lv_tips(settings):
    return sorted(
        (r for r in records(settings, "lv").values() if r.source.lang == "lv"),
        key=lambda r: r.position,
    )


def test_editor_translations_win_over_machine_ones(plain):
    run_ingest(plain, translator=FakeTranslator())
    source = lv_tips(plain)
    entries = [
        {
            "source_hash": r.id[-10:],
            "title": f"EN title {r.position}",
            "text": f"EN text {r.position}",
        }
        for r in source
    ]
    write_editor_file(plain, "lv/good-vs-excellent-customer-service", "en", entries)
    fake = FakeTranslator()
    report = run_ingest(plain, translator=fake)
    assert report.exit_code == 0
    en = records(plain, "en")
    first = en[source[0].id]
    assert (first.title, first.text, first.context) == (
        "EN title 0",
        "EN text 0",
        "Translated title",
    )
    assert first.translation.provenance == "editor" and first.translation.model is None
    assert first.lang == "en"
    assert not any(s == "lv" and t == "en" for s, t, _ in fake.translated)  # nothing left to do
    hit = PublishedIndex.open_current(plain.data_dir).search("EN text", "en").results[0]
    assert hit.translation.provenance == "editor"


def test_an_edited_original_flags_its_editor_translation_outdated(plain):
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    source = lv_tips(plain)
    entries = [
        {"source_hash": r.id[-10:], "title": "T", "text": f"EN text {r.position}"} for r in source
    ]
    write_editor_file(plain, "lv/good-vs-excellent-customer-service", "en", entries)
    path = plain.content_dir / "lv/good-vs-excellent-customer-service.txt"
    path.write_text(path.read_text().replace("ir arī ārkārtējs.", "ir ārkārtīgi svarīgi."))
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert report.languages["en"]["editor"] == 5
    assert report.languages["en"]["outdated"] == 1
    last = max(lv_tips(plain), key=lambda r: r.position)
    shown = records(plain, "en")[last.id]
    assert shown.text == "EN text 4"
    assert shown.translation.outdated is True
    assert all(not records(plain, "en")[r.id].translation.outdated for r in lv_tips(plain)[:4])


def test_partly_filled_editor_files_fall_back_per_tip(plain):
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    source = lv_tips(plain)
    entries = [{"source_hash": r.id[-10:], "title": "", "text": ""} for r in source]
    entries[1]["text"] = "Only this one"
    write_editor_file(plain, "lv/good-vs-excellent-customer-service", "it", entries, title="")
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    it = records(plain, "it")
    assert it[source[1].id].translation.provenance == "editor"
    assert it[source[1].id].title == source[1].title  # no editor title, no model: the original
    assert it[source[0].id].translation.provenance == "none"


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("good-vs-excellent-customer-service.en.yaml", "tips: [", "not valid YAML"),
        ("good-vs-excellent-customer-service.en.yaml", "- a list", "must be a YAML mapping"),
        (
            "good-vs-excellent-customer-service.en.yaml",
            "article: lv/other\nlang: en\ntips: []\n",
            "article is 'lv/other', but the file name says 'lv/good-vs-excellent-customer-service'",
        ),
        (
            "good-vs-excellent-customer-service.lv.yaml",
            "article: lv/good-vs-excellent-customer-service\nlang: lv\n",
            "translates into lv, the article's own language",
        ),
        (
            "good-vs-excellent-customer-service.en.yaml",
            "article: lv/good-vs-excellent-customer-service\nlang: en\ntips:\n- source_hash: nothex\n",
            "field 'tips.0.source_hash'",
        ),
        ("notes.yaml", "a: b", "not a translation file name"),
    ],
)
def test_bad_editor_files_are_rejected_and_the_articles_still_land(plain, name, body, reason):
    write_article(plain.content_dir, f"lv/{name}", body)
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert report.exit_code == 1
    (problem,) = report.rejected
    assert problem.path == f"lv/{name}"
    assert reason in problem.reason
    assert report.tip_count_by_source_lang["lv"] == 5


def test_a_translation_of_a_missing_article_is_a_warning(plain):
    write_article(plain.content_dir, "lv/gone.en.yaml", "article: lv/gone\nlang: en\ntips: []\n")
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert report.exit_code == 0
    assert [(w.path, w.reason) for w in report.warnings] == [
        ("lv/gone.en.yaml", "translates lv/gone, which is not published; not used")
    ]


def test_dry_run_calls_no_model(plain):
    fake = FakeTranslator()
    report = run_ingest(plain, dry_run=True, translator=fake)
    assert fake.model_calls == 0
    assert report.translation.segments_pending > 200
    assert not plain.data_dir.exists()


def test_a_failing_model_leaves_its_pair_untranslated_and_says_why(plain):
    def fail_for_zh(text, source, target):
        if target == "zh":
            raise RuntimeError("File model.bin is incomplete")
        return f"[{target}] {text}"

    report = run_ingest(
        plain, translator=FakeTranslator(pairs=[("lv", "zh"), ("lv", "en")], render=fail_for_zh)
    )
    assert report.exit_code == 0
    assert report.translation.failed == {
        "lv→zh": "fake:lv-zh@1: RuntimeError: File model.bin is incomplete"
    }
    assert report.languages["zh"]["machine"] == 0 and report.languages["en"]["machine"] == 5


def test_positions_do_not_pair_translations_once_tips_are_added_or_removed(plain):
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    source = lv_tips(plain)
    entries = [
        {"source_hash": r.id[-10:], "title": "T", "text": f"EN {r.position}"} for r in source
    ]
    write_editor_file(plain, "lv/good-vs-excellent-customer-service", "en", entries)
    path = plain.content_dir / "lv/good-vs-excellent-customer-service.txt"
    text = path.read_text()
    # the editor deletes the intro paragraph and rewrites the last one
    intro = source[0].source.text
    path.write_text(
        text.replace(intro + "\n", "").replace("ir arī ārkārtējs.", "ir ārkārtīgi svarīgi.")
    )
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    en = records(plain, "en")
    now = lv_tips(plain)
    assert len(now) == 4
    assert [en[r.id].text for r in now[:3]] == ["EN 1", "EN 2", "EN 3"]  # matched by hash
    rewritten = en[now[3].id]
    assert rewritten.translation.provenance == "none"  # not the intro's "EN 0", flagged or not


MD_ARTICLE = """# Atmaksa

Ievads par atmaksu klientiem, kuri zvana.

## Pirms atmaksas

Pārbaudiet pasūtījuma numuru sistēmā.

Pārliecinieties, ka termiņš nav beidzies.

### Termiņi

| Situācija | Termiņš |
|---|---|
| Neatvērta prece | 14 dienas |
"""


def test_a_markdown_article_takes_editor_translations_by_section_and_table(plain):
    from pipeline.editor_translations import load_translation_file, template
    from pipeline.ingest import read_article

    write_article(plain.content_dir, "lv/atmaksa.md", MD_ARTICLE)
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    article, tips = read_article(plain, "lv/atmaksa")
    written = yaml.safe_load(template(article, tips, "it"))
    # Each heading once, however many tips stand under it.
    assert [s["original"] for s in written["sections"]] == ["Pirms atmaksas", "Termiņi"]
    assert all("title" not in entry for entry in written["tips"])
    written["title"] = "Rimborso"
    written["sections"][0]["title"] = "Prima del rimborso"
    written["sections"][1]["title"] = "Scadenze"
    texts = ["Introduzione", "Controllate il numero", "Verificate la scadenza", "Tabella"]
    for entry, text in zip(written["tips"], texts, strict=True):
        entry["text"] = text
    written["tips"][3]["table"] = {
        "header": ["Caso", "Scadenza"],
        "rows": [["Integro", "14 giorni"]],
    }
    write_article(
        plain.content_dir, "lv/atmaksa.it.yaml", yaml.safe_dump(written, allow_unicode=True)
    )
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert report.exit_code == 0, report.rejected
    shown = sorted(
        (r for r in records(plain, "it").values() if r.source.article == "lv/atmaksa"),
        key=lambda r: r.position,
    )
    assert [(r.title, r.context, r.text) for r in shown] == [
        ("Rimborso", "Rimborso", "Introduzione"),
        ("Prima del rimborso", "Rimborso", "Controllate il numero"),
        ("Prima del rimborso", "Rimborso", "Verificate la scadenza"),
        ("Scadenze", "Prima del rimborso", "Tabella"),
    ]
    assert shown[3].table is not None and shown[3].table.rows == (("Integro", "14 giorni"),)
    # The file reads back, and a rewrite keeps every translation in its place.
    document = load_translation_file(
        plain.content_dir / "lv/atmaksa.it.yaml", "atmaksa.it.yaml", "lv"
    )
    assert yaml.safe_load(template(article, tips, "it", document)) == written


def test_machine_translation_translates_table_cells(plain):
    write_article(plain.content_dir, "lv/atmaksa.md", MD_ARTICLE)
    run_ingest(plain, translator=FakeTranslator())
    (table,) = [
        r for r in records(plain, "en").values() if r.source.article == "lv/atmaksa" and r.table
    ]
    assert table.translation.provenance == "machine"
    assert table.table.header == ("[en] Situācija", "[en] Termiņš")
    assert table.table.rows == (("[en] Neatvērta prece", "[en] 14 dienas"),)
    original = records(plain, "lv")[table.id]
    assert original.table.header == ("Situācija", "Termiņš")


def test_a_broken_translation_file_keeps_its_last_good_version_serving(plain):
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    source = lv_tips(plain)
    entries = [{"source_hash": r.id[-10:], "text": f"EN text {r.position}"} for r in source]
    write_editor_file(plain, "lv/good-vs-excellent-customer-service", "en", entries)
    assert run_ingest(plain, translator=FakeTranslator(pairs=[])).exit_code == 0
    path = plain.content_dir / "lv/good-vs-excellent-customer-service.en.yaml"
    lines = path.read_text().splitlines()
    lines[5] = lines[5] + ": : oops ["  # an editor's slip on line 6
    path.write_text("\n".join(lines) + "\n")
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert report.exit_code == 1
    (problem,) = report.rejected
    assert problem.path == "lv/good-vs-excellent-customer-service.en.yaml"
    assert problem.reason.startswith("not valid YAML at line 6, column ")
    assert report.translations_kept == ["lv/good-vs-excellent-customer-service.en.yaml"]
    assert report.languages["en"]["editor"] == 5
    assert records(plain, "en")[source[0].id].text == "EN text 0"


def test_a_translation_file_with_a_bad_value_names_its_line(plain):
    body = (
        "article: lv/good-vs-excellent-customer-service\nlang: en\ntips:\n"
        "- source_hash: 0123456789\n  text: fine\n- source_hash: nothex\n  text: bad\n"
    )
    write_article(plain.content_dir, "lv/good-vs-excellent-customer-service.en.yaml", body)
    (problem,) = run_ingest(plain, translator=FakeTranslator(pairs=[])).rejected
    assert problem.reason.startswith("line 6: field 'tips.1.source_hash'")


def test_a_translation_file_grown_too_large_keeps_its_last_good_version(plain):
    run_ingest(plain, translator=FakeTranslator(pairs=[]))
    source = lv_tips(plain)
    entries = [{"source_hash": r.id[-10:], "text": f"EN text {r.position}"} for r in source]
    path = write_editor_file(plain, "lv/good-vs-excellent-customer-service", "en", entries)
    assert run_ingest(plain, translator=FakeTranslator(pairs=[])).exit_code == 0
    path.write_text(path.read_text() + "# " + "x" * (plain.max_article_bytes + 1) + "\n")
    report = run_ingest(plain, translator=FakeTranslator(pairs=[]))
    assert [p.reason.split(":")[0] for p in report.rejected] == ["too large"]
    assert report.translations_kept == ["lv/good-vs-excellent-customer-service.en.yaml"]
    assert records(plain, "en")[source[0].id].text == "EN text 0"


def test_a_section_translated_twice_is_refused(plain):
    body = (
        "article: lv/good-vs-excellent-customer-service\nlang: en\nsections:\n"
        "- original: Tikšanās pret cerībām\n  title: A\n- original: Tikšanās pret cerībām\n  title: B\n"
    )
    write_article(plain.content_dir, "lv/good-vs-excellent-customer-service.en.yaml", body)
    (problem,) = run_ingest(plain, translator=FakeTranslator(pairs=[])).rejected
    assert problem.reason == "section listed twice: Tikšanās pret cerībām"
