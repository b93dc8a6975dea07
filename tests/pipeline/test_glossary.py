"""The editors' glossary: the bundled file, its checks, and its publication with each version."""

import json
import unicodedata

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary import (
    GLOSSARY_SOURCE,
    Glossary,
    load_glossary,
    load_published_glossary,
    normalise_term,
    parse_glossary,
)
from pipeline.ingest import run_ingest
from pipeline.languages import INDEX_LANGS
from pipeline.publish import GLOSSARY_FILE, PublishError, current_version, list_versions
from tests.helpers import BUNDLED_CONTENT

runner = CliRunner()

SMALL = """\
# a comment
concepts:
  - id: refund
    terms:
      lv: [atmaksa, naudas atmaksa]
      it: [rimborso]
      zh: [退款]
      ru: [возврат денег]
      en: [refund, money back]
  - id: hold-music
    terms:
      en: [hold music, waiting music]
"""


def reasons(text: str) -> list[str]:
    return [problem.reason for problem in parse_glossary(text).problems]


def ids(glossary: Glossary) -> list[str]:
    return [concept.id for concept in glossary.concepts]


# --- the bundled glossary ---


def test_the_bundled_glossary_loads_with_no_problems():
    glossary, problems = load_glossary(BUNDLED_CONTENT / GLOSSARY_SOURCE)
    assert problems == []
    assert len(glossary.concepts) >= 40
    for concept in glossary.concepts:
        assert set(concept.terms) == set(INDEX_LANGS), concept.id
        assert all(concept.terms[lang] for lang in INDEX_LANGS), concept.id
    for must in ("customer-service", "customer", "complaint", "callback", "refund", "hold"):
        assert glossary.concept(must) is not None, must


def test_the_bundled_glossary_links_the_words_of_the_issue():
    glossary, _ = load_glossary(BUNDLED_CONTENT / GLOSSARY_SOURCE)
    refund = glossary.lookup("atmaksa", "lv")
    assert refund is not None and refund.id == "refund"
    assert {"rimborso", "退款", "refund"} <= {term for _, term in refund.all_terms()}
    assert glossary.lookup("waiting music", "en") is glossary.lookup("hold music", "en")
    assert glossary.lookup("client", "en") is glossary.lookup("customer", "en")
    assert glossary.lookup("покупатель", "ru") is glossary.lookup("клиент", "ru")
    assert glossary.lookup("utente", "it") is glossary.lookup("cliente", "it")


def test_a_word_shared_by_languages_means_one_concept_in_the_bundled_glossary():
    """ "feedback", "24/7", "crm" … are terms in several languages: always of one concept, so a
    query whose language is unknown still expands unambiguously."""
    glossary, _ = load_glossary(BUNDLED_CONTENT / GLOSSARY_SOURCE)
    owners: dict[str, set[str]] = {}
    for concept in glossary.concepts:
        for _lang, term in concept.all_terms():
            owners.setdefault(term, set()).add(concept.id)
    assert {term: ids for term, ids in owners.items() if len(ids) > 1} == {}
    assert [lang for lang, _ in glossary.find("feedback")] == ["it", "en"]


# --- the model ---


def test_terms_are_compared_after_nfc_whitespace_and_case():
    decomposed = unicodedata.normalize("NFD", "Naudas \u00a0 Atmaksa")
    assert normalise_term(decomposed) == "naudas atmaksa"
    glossary = parse_glossary(SMALL).glossary
    assert glossary.lookup(decomposed, "lv").id == "refund"
    assert glossary.lookup("  Hold   MUSIC ", "en").id == "hold-music"
    assert glossary.lookup("refund", "lv") is None  # a term of its language only
    assert glossary.concept("refund").terms["ru"] == ("возврат денег",)
    assert glossary.term_count == 9
    assert set(glossary.terms("en")) == {"refund", "money back", "hold music", "waiting music"}


def test_no_glossary_file_is_an_empty_glossary(tmp_path):
    glossary, problems = load_glossary(tmp_path / GLOSSARY_SOURCE)
    assert (glossary, problems) == (Glossary(), [])
    assert parse_glossary("").glossary == Glossary()
    assert parse_glossary("concepts:\n").problems == []


def test_the_published_form_reads_back_and_rejects_what_is_not_clean(tmp_path):
    glossary = parse_glossary(SMALL).glossary
    (tmp_path / GLOSSARY_FILE).write_text(glossary.model_dump_json(), encoding="utf-8")
    assert load_published_glossary(tmp_path) == glossary
    assert load_published_glossary(tmp_path / "older") == Glossary()  # before glossaries
    (tmp_path / GLOSSARY_FILE).write_text(
        '{"concepts": [{"id": "a", "terms": {"en": ["Refund"]}}]}', encoding="utf-8"
    )
    with pytest.raises(PublishError, match="not a valid glossary"):
        load_published_glossary(tmp_path)
    with pytest.raises(ValueError, match="in two concepts"):
        Glossary.model_validate(
            {"concepts": [{"id": "a", "terms": {"en": ["x"]}}, {"id": "b", "terms": {"en": ["x"]}}]}
        )


# --- the checks: each problem is named, the rest is used ---


def test_yaml_that_does_not_parse_names_line_and_column_and_nothing_is_used():
    loaded = parse_glossary("concepts:\n  - id: refund\n    terms: {en: [refund}\n")
    assert not loaded.usable and loaded.glossary == Glossary()
    (problem,) = loaded.problems
    assert problem.path == GLOSSARY_SOURCE
    assert problem.reason == (
        "not valid YAML at line 3, column 24: expected ',' or ']', but got '}'; "
        "nothing in the file is used"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n", "must be a YAML mapping with a 'concepts:' list"),
        ("words: [a]\n", "has no 'concepts:' list"),
        ("concepts: refund\n", "'concepts:' (line 1) must be a list of concepts"),
    ],
)
def test_a_file_that_is_not_a_glossary_is_not_used(text, expected):
    loaded = parse_glossary(text)
    assert not loaded.usable
    assert expected in loaded.problems[-1].reason


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / GLOSSARY_SOURCE
    path.write_bytes("concepts:\n  - id: café\n".encode("latin-1"))
    glossary, (problem,) = load_glossary(path)
    assert glossary == Glossary()
    assert problem.reason.startswith("not valid UTF-8: byte 0xe9 at offset 21")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("  - terms: {en: [x]}\n", "concept #3 (line 13): has no id; not used"),
        ("  - id: ''\n    terms: {en: [x]}\n", "concept #3 (line 13): has no id; not used"),
        ("  - id: two words\n    terms: {en: [x]}\n", "id 'two words' is not one word"),
        ("  - id: empty\n", "concept 'empty' (line 13): has no terms; not used"),
        ("  - id: empty\n    terms: {}\n", "concept 'empty' (line 13): has no usable terms"),
        ("  - id: flat\n    terms: [x, y]\n", "concept 'flat' (line 13): 'terms:' must map"),
        ("  - just a word\n", "concept #3 (line 13): not a concept"),
        (
            "  - id: german\n    terms:\n      de: [Erstattung]\n      en: [x]\n",
            "concept 'german' (line 13): unknown language 'de' (line 15; use lv, it, zh, ru, en); "
            "its terms are not used",
        ),
        (
            "  - id: e\n    terms: {en: [x, '']}\n",
            "concept 'e' (line 13): en term on line 14 is empty",
        ),
        ("  - id: e\n    terms: {en: [x, ~]}\n", "en term on line 14 is empty"),
        ("  - id: e\n    terms: {en: [x, [y]]}\n", "en term on line 14 is a list, not text"),
        ("  - id: e\n    terms: {en: [x, {y: z}]}\n", "en term on line 14 is a mapping, not text"),
        ("  - id: e\n    terms: {en: 'x, y'}\n", "en term 'x, y' (line 14) looks like several"),
        (
            "  - id: e\n    terms:\n      en: [x, X]\n",
            "concept 'e' (line 13): en term 'x' is listed twice (line 15); one is kept",
        ),
        (
            "  - id: e\n    terms:\n      en: [x]\n      lv: [y]\n      en: [z]\n",
            "concept 'e' (line 13): en is given twice (lines 15 and 17); the terms of both are used",
        ),
        (
            "  - id: refund\n    terms: {en: [x]}\n",
            "concept 'refund' (line 13): the same id as the concept at line 3; not used",
        ),
        ("  - id: e\n    term: {en: [x]}\n", "concept 'e' (line 13): unknown key 'term' (line 14)"),
        (
            "  - id: money\n    terms:\n      en: [cash, Money  Back]\n",
            "concept 'money' (line 13): en term 'money back' (line 15) is already a term of "
            "concept 'refund' (line 9); kept there, not used here",
        ),
    ],
)
def test_a_bad_entry_is_named_and_the_rest_is_used(entry, expected):
    loaded = parse_glossary(SMALL + entry)
    assert loaded.usable
    assert any(expected in problem.path + ": " + problem.reason for problem in loaded.problems), (
        loaded.problems
    )
    assert all(problem.path == GLOSSARY_SOURCE for problem in loaded.problems)
    glossary = loaded.glossary
    assert ids(glossary)[:2] == ["refund", "hold-music"]  # the good concepts are all there
    assert glossary.concept("refund") == parse_glossary(SMALL).glossary.concept("refund")


def test_a_concept_keeps_its_good_terms_beside_bad_ones():
    glossary = parse_glossary(
        SMALL
        + "  - id: money\n    terms:\n      de: [Geld]\n      en: [cash, money back, '', Cash]\n"
        + "      ru: деньги\n"
    ).glossary
    assert glossary.concept("money").terms == {"ru": ("деньги",), "en": ("cash",)}
    assert glossary.lookup("money back", "en").id == "refund"  # the first keeps it


def test_plain_yaml_words_stay_text():
    """YAML 1.1 would read no, on, 1:1 as a boolean or a number; a term is what was typed."""
    loaded = parse_glossary("concepts:\n  - id: x\n    terms: {en: [no, on, 1:1, 24/7]}\n")
    assert loaded.problems == []
    assert loaded.glossary.concept("x").terms["en"] == ("no", "on", "1:1", "24/7")


# --- ingest: checked, reported and published with each version ---


GOOD = BUNDLED_CONTENT / GLOSSARY_SOURCE


def published_glossary(settings) -> Glossary:
    return load_published_glossary(current_version(settings.data_dir).path)


def test_ingest_publishes_the_glossary_with_the_version(settings):
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("published", 0)
    expected, _ = load_glossary(GOOD)
    assert report.glossary.found and report.glossary.problems == []
    assert (report.glossary.concepts, report.glossary.terms) == (
        len(expected.concepts),
        expected.term_count,
    )
    version = current_version(settings.data_dir)
    assert (version.path / GLOSSARY_FILE).is_file()
    assert published_glossary(settings) == expected
    assert version.manifest.glossary_concepts == len(expected.concepts)


def test_no_glossary_publishes_an_empty_one(settings, content_dir):
    (content_dir / GLOSSARY_SOURCE).unlink()
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("published", 0)
    assert not report.glossary.found and report.glossary.concepts == 0
    assert published_glossary(settings) == Glossary()


def test_a_broken_glossary_entry_is_reported_and_the_articles_still_publish(settings, content_dir):
    path = content_dir / GLOSSARY_SOURCE
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n  - id: broken\n    terms:\n      de: [Rückerstattung]\n"
        + "  - id: twice\n    terms:\n      en: [refund, Rebate]\n",
        encoding="utf-8",
    )
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("partial", 1)
    assert report.version is not None and report.rejected == []
    assert report.tip_count_by_source_lang == {"it": 18, "lv": 5, "ru": 13, "zh": 27}
    problems = [p.reason for p in report.glossary.problems]
    assert any("concept 'broken'" in r and "unknown language 'de'" in r for r in problems)
    assert any("en term 'refund'" in r and "concept 'refund'" in r for r in problems)
    assert report.message.endswith("; 3 glossary problem(s)")
    published = published_glossary(settings)
    assert published.concept("broken") is None
    assert published.concept("twice").terms == {"en": ("rebate",)}
    assert published.lookup("refund", "en").id == "refund"


def test_an_unusable_glossary_keeps_the_serving_versions_glossary(settings, content_dir):
    first = run_ingest(settings)
    path = content_dir / GLOSSARY_SOURCE
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [broken\n", encoding="utf-8")
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("partial", 1)
    assert report.glossary.kept_from == first.version
    (problem,) = report.glossary.problems
    assert problem.reason.startswith("not valid YAML at line ")
    assert report.version == first.version  # the kept glossary is the serving one: no change
    assert published_glossary(settings) == load_glossary(GOOD)[0]


def test_an_unusable_glossary_on_a_first_ingest_publishes_the_articles(settings, content_dir):
    (content_dir / GLOSSARY_SOURCE).write_text("concepts: [\n", encoding="utf-8")
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("partial", 1)
    assert report.glossary.kept_from is None and report.glossary.concepts == 0
    assert report.tip_count == 63
    assert published_glossary(settings) == Glossary()


def test_a_glossary_edit_alone_publishes_a_new_version(settings, content_dir):
    first = run_ingest(settings)
    path = content_dir / GLOSSARY_SOURCE
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n# an editor's note\n", encoding="utf-8")  # comments change nothing
    assert run_ingest(settings).status == "up-to-date"
    path.write_text(
        text.replace(
            "en: [refund, money back, reimbursement]", "en: [refund, money back, payback]"
        ),
        encoding="utf-8",
    )
    report = run_ingest(settings)
    assert (report.status, report.exit_code) == ("published", 0)
    assert report.articles_processed == 0 and report.version != first.version
    assert published_glossary(settings).lookup("payback", "en").id == "refund"
    assert len(list_versions(settings.data_dir)) == 2


def test_a_dry_run_checks_the_glossary_and_writes_nothing(settings, content_dir):
    (content_dir / GLOSSARY_SOURCE).write_text(SMALL + "  - id: x\n", encoding="utf-8")
    report = run_ingest(settings, dry_run=True)
    assert (report.status, report.exit_code) == ("dry-run", 1)
    assert [p.reason for p in report.glossary.problems] == [
        "concept 'x' (line 13): has no terms; not used"
    ]
    assert report.glossary.concepts == 2
    assert not settings.data_dir.exists()


# --- the command line ---


def test_a_rollback_serves_the_old_versions_glossary(env, content_dir):
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    old = published_glossary(env)
    (content_dir / GLOSSARY_SOURCE).write_text(SMALL, encoding="utf-8")
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    assert ids(published_glossary(env)) == ["refund", "hold-music"]
    result = runner.invoke(app, ["index", "rollback"])
    assert result.exit_code == 0, result.output
    assert published_glossary(env) == old


def test_the_ingest_report_shows_the_glossary(env, content_dir):
    (content_dir / GLOSSARY_SOURCE).write_text(
        SMALL + "  - id: x\n    terms: {xx: [y]}\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 1
    assert "Glossary: 2 concepts, 9 terms, 2 problem(s)" in result.output
    assert (
        "glossary glossary.yaml: concept 'x' (line 13): unknown language 'xx' (line 14; use lv, "
        "it, zh, ru, en); its terms are not used"
    ) in result.output
    report = json.loads(runner.invoke(app, ["ingest", "--json"]).output)
    assert report["glossary"]["concepts"] == 2
    assert report["glossary"]["problems"][0]["path"] == "glossary.yaml"
