"""The numpy ranking against whoosh's own search: same scores, same order, same totals."""

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import Or, Term

from bench.corpus import generate
from pipeline.analysis import analyzer_for
from pipeline.index import IndexValidationError, validate_index
from pipeline.ingest import run_ingest
from pipeline.languages import CONTENT_LANGS, INDEX_LANGS
from pipeline.ranking import (
    IMPACTS_DIR,
    DamagedImpacts,
    ImpactTable,
    QueryTerm,
    Ranker,
    save_missing,
)
from pipeline.search import PublishedIndex
from pipeline.settings import Settings

SCORED_FIELDS = ("title", "text")


@pytest.fixture(scope="module")
def repetitive_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedIndex]:
    """A few hundred tips recombined from the same sentences: many equal scores (ties)."""
    root = tmp_path_factory.mktemp("repetitive")
    generate(root / "content", 6)
    settings = Settings(content_dir=root / "content", data_dir=root / "var")
    assert run_ingest(settings).exit_code == 0
    with PublishedIndex.open_current(settings.data_dir) as index:
        yield index


def _vocabulary(index: PublishedIndex, lang: str) -> list[QueryTerm]:
    """Words of every scored field, each looked up in its field, or in title and text at once."""
    reader = index.searcher(lang).reader()
    fields = [f for f in reader.indexed_field_names() if f in SCORED_FIELDS]
    single = [((field,), text.decode()) for field in fields for text in reader.lexicon(field)]
    both = [(SCORED_FIELDS, text) for fields, text in single if fields == ("text",)]
    return single + both


def _whoosh(index: PublishedIndex, lang: str, terms, limit: int, within=None):
    results = index.searcher(lang).search(
        Or([Term(field, text) for fields, text in terms for field in fields]),
        limit=limit,
        filter=Term(*within) if within else None,
    )
    return [(hit.docnum, hit.score) for hit in results], len(results)


def _normalised(pairs):
    """(docnum, score) best first, scores rounded so that a last-bit difference from another
    summation order does not reorder documents whose scores are equal."""
    return sorted(
        ((round(score, 9), docnum) for docnum, score in pairs), key=lambda p: (-p[0], p[1])
    )


@pytest.mark.parametrize("lang", INDEX_LANGS)
@pytest.mark.parametrize("index_name", ["seed_index", "repetitive_index"])
def test_same_ranking_as_whoosh(request, index_name, lang):
    index: PublishedIndex = request.getfixturevalue(index_name)
    ranker = index.ranker(lang)  # as published: the scores the index stage saved
    vocabulary = _vocabulary(index, lang)
    if not vocabulary:  # the recombined corpus has no English tips: nothing to rank there
        assert index_name == "repetitive_index" and lang == "en"
        assert not any(field in SCORED_FIELDS for field, _ in ranker.table.slots)
        return
    rng = random.Random(f"{index_name}-{lang}")
    ties = 0
    for round_number in range(120):
        terms = rng.sample(vocabulary, rng.randint(1, 6))
        limit = rng.choice([1, 3, 10, 50, 1000])
        within = None
        if round_number % 4 == 0:
            within = ("source_lang", rng.choice(CONTENT_LANGS))
        expected, expected_total = _whoosh(index, lang, terms, limit, within)
        ranked = ranker.rank(terms, limit, within=within)
        assert ranked.total == expected_total, terms
        got = list(zip(ranked.docnums, ranked.scores, strict=True))
        assert _normalised(got) == _normalised(expected), terms
        assert [d for d, _ in got] == [d for _, d in _normalised(got)]  # best first, ties by docnum
        scores = [s for _, s in got]
        ties += len(scores) - len(set(scores))
    if index_name == "repetitive_index":
        assert ties > 0  # the comparison did cover equal scores


def test_unknown_terms_and_empty_queries(seed_index):
    ranker = Ranker(lambda: seed_index.searcher("en"))
    assert ranker.rank([], 10).total == 0
    unknown = [(("title", "text"), "zzzzunknown")]
    assert ranker.rank(unknown, 10).docnums == []
    assert ranker.rank(unknown, 10, within=("source_lang", "lv")).total == 0


def test_saved_scores_are_the_computed_ones(seed_index, seed_settings):
    """The index stage saved every term's scores; an index without them (built before they
    were saved) gets them computed when it is opened, with the same answers."""
    lang = "it"
    index_dir = seed_index.version.index_dir(lang)
    saved = ImpactTable.load(index_dir / IMPACTS_DIR, seed_index.ranker(lang).doc_count)
    assert saved is not None
    assert isinstance(saved.ids.base, np.memmap)  # mapped: shared by the server's processes
    computed = ImpactTable.compute(seed_index.searcher(lang))
    assert saved.slots == computed.slots
    assert np.array_equal(saved.offsets, computed.offsets)
    assert np.array_equal(saved.ids, computed.ids)
    assert np.array_equal(saved.scores, computed.scores)
    without = Ranker(lambda: seed_index.searcher(lang))
    rng = random.Random(7)
    for _ in range(30):
        terms = rng.sample(_vocabulary(seed_index, lang), 3)
        assert without.rank(terms, 10) == seed_index.ranker(lang).rank(terms, 10)


def test_search_scores_are_the_rankings_bm25f(seed_index: PublishedIndex):
    """A tip matching every word of a query exactly scores whoosh's BM25F for those words in
    its title and text: the forgiving parts only add tips below it."""
    query = "klientu apkalposana"
    page = seed_index.search(query, "lv", limit=5)
    terms = [((("title", "text")), t.text) for t in analyzer_for("lv")(query) if not t.stopped]
    expected, _ = _whoosh(seed_index, "lv", terms, 100)
    scores = dict(expected)
    searcher = seed_index.searcher("lv")
    for hit in page.results:
        docnum = searcher.document_number(id=hit.id)
        assert hit.score == round(scores[docnum], 4)


def _copy_of_index(seed_index: PublishedIndex, lang: str, tmp_path: Path):
    """A copy of one language's published index and the records it holds."""
    copy = tmp_path / lang
    shutil.copytree(seed_index.version.index_dir(lang), copy)
    records = list(seed_index.records(lang))
    return copy, records


def _halve_terms(impacts: Path) -> None:
    terms = json.loads((impacts / "terms.json").read_text(encoding="utf-8"))
    (impacts / "terms.json").write_text(json.dumps(terms[: len(terms) // 2]), encoding="utf-8")


def _ids_out_of_range(impacts: Path) -> None:
    np.save(impacts / "ids.npy", np.load(impacts / "ids.npy") + 10_000)


def _truncate_scores(impacts: Path) -> None:
    data = (impacts / "scores.npy").read_bytes()
    (impacts / "scores.npy").write_bytes(data[: len(data) // 2])


def _double_scores(impacts: Path) -> None:
    np.save(impacts / "scores.npy", np.load(impacts / "scores.npy") * 2)


@pytest.mark.parametrize(
    ("damage", "structural"),
    [
        (_halve_terms, True),
        (_ids_out_of_range, True),
        (_truncate_scores, True),
        (_double_scores, False),
    ],
)
def test_damaged_scores_fail_validation(seed_index, tmp_path, damage, structural):
    """Damaged tables are refused when loaded; wrong scores by the validation's comparison
    with whoosh's own ranking of a tip's words."""
    lang = "it"
    copy, records = _copy_of_index(seed_index, lang, tmp_path)
    validate_index(copy, lang, records)  # the undamaged copy passes
    damage(copy / IMPACTS_DIR)
    if structural:
        with pytest.raises(DamagedImpacts):
            ImpactTable.load(copy / IMPACTS_DIR, len(records))
    with pytest.raises(IndexValidationError, match=f"{lang} index ranking scores"):
        validate_index(copy, lang, records)


def test_missing_scores_are_saved_for_an_older_version(seed_index, tmp_path):
    """An index built before the scores were saved (a rollback target) gets them saved, and
    a ranker opened on it before that computes the same ones."""
    lang = "ru"
    copy, records = _copy_of_index(seed_index, lang, tmp_path)
    shutil.rmtree(copy / IMPACTS_DIR)
    with whoosh_index.open_dir(str(copy), readonly=True).searcher() as searcher:
        assert Ranker.open(lambda: searcher, copy).table.slots == (
            seed_index.ranker(lang).table.slots
        )
    assert save_missing(copy) is True
    assert save_missing(copy) is False  # already there
    validate_index(copy, lang, records)
