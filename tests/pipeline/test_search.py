"""The read side against a real index built from the bundled articles."""

import gc
import shutil
from pathlib import Path

import pytest

from pipeline import search as search_module
from pipeline.analysis import analyze
from pipeline.index import write_index
from pipeline.ingest import run_ingest
from pipeline.languages import INDEX_LANGS
from pipeline.matching import query_words, surface_form
from pipeline.publish import PublishedVersion, current_version
from pipeline.search import MAX_WORDS, PublishedIndex, highlight
from tests.helpers import write_article


def test_chinese_callback_time(seed_index):
    page = seed_index.search("回电时间", "zh", limit=3)
    top = page.results[0]
    assert top.title == "承诺回电时间"
    assert top.lang == "zh"
    assert top.translation.provenance == "original"
    assert top.source.article == "zh/why-customer-service-matters"
    assert "<mark>回电时间</mark>" in top.highlight


def test_traditional_chinese_query_finds_the_same_tip(seed_index):
    assert seed_index.search("回電時間", "zh").results[0].title == "承诺回电时间"


def test_a_chinese_word_the_tips_never_write_finds_the_tips_holding_its_parts(seed_index):
    """jieba keeps 满意度 (satisfaction) whole in a query and no tip writes it; its parts are
    its terms too, as when the tips were indexed, and the tips write 满意."""
    page = seed_index.search("满意度", "zh", limit=5)
    assert page.total >= 3
    assert all("<mark>满意</mark>" in hit.highlight for hit in page.results[:3])


def test_tips_writing_a_chinese_word_whole_rank_before_those_holding_its_parts(seed_index):
    page = seed_index.search("客户服务", "zh", limit=100)
    whole = ["客户服务" in f"{hit.title}\n{hit.text}" for hit in page.results if hit.lang == "zh"]
    assert True in whole and False in whole  # both kinds of tip are there …
    assert whole == sorted(whole, reverse=True)  # … and every one writing it whole first


def test_latvian_without_diacritics(seed_index):
    page = seed_index.search("klientu apkalposana", "lv", limit=50)
    originals = [hit for hit in page.results if hit.source.lang == "lv"]
    assert len(originals) >= 3
    assert all(hit.lang == "lv" for hit in page.results)
    assert any("<mark>apkalpošana</mark>" in hit.highlight for hit in page.results[:5])


def test_russian_through_stemming(seed_index):
    page = seed_index.search("обслуживание клиентов", "ru", limit=50)
    originals = [hit for hit in page.results if hit.source.lang == "ru"]
    assert len(originals) >= 5
    # found through other forms than the query's: обслуживания, клиента, клиентами …
    assert any("<mark>обслуживания</mark>" in hit.highlight for hit in page.results)
    assert any("<mark>клиента</mark>" in hit.highlight for hit in originals)


def test_italian_rule(seed_index):
    page = seed_index.search("rispondere al telefono", "it")
    assert "terzo anello" in page.results[0].text


def test_tips_are_found_by_their_original_words_from_any_index(seed_index):
    top = seed_index.search("回电时间", "en").results[0]
    assert top.source.title == "承诺回电时间"
    assert (top.lang, top.title) == ("en", "Promise a Callback Time")
    assert top.translation.provenance == "editor"


def test_a_latvian_query_finds_the_chinese_callback_tip_in_latvian(seed_index):
    top = seed_index.search("atzvanīšanas laiks", "lv").results[0]
    assert top.source.article == "zh/why-customer-service-matters"
    assert top.source.title == "承诺回电时间"
    assert top.lang == "lv" and top.translation.provenance == "editor"
    assert "<mark>atzvanīšanas</mark> <mark>laiku</mark>" in top.highlight


def test_an_english_query_finds_the_italian_third_ring_rule_in_english(seed_index):
    top = seed_index.search("answer before the third ring", "en").results[0]
    assert top.source.article == "it/customer-service-with-great-profits"
    assert "prima che il terzo anello" in top.source.text
    assert "answer the phone before the third ring" in top.text


def test_source_lang_filter(seed_index):
    page = seed_index.search("клиент cliente klientu 客户", "en", limit=50, source_lang="it")
    assert page.results
    assert {hit.source.lang for hit in page.results} == {"it"}


def test_paging_is_stable_and_complete(seed_index):
    whole = seed_index.search("клиентов", "ru", limit=50)
    pages = [seed_index.search("клиентов", "ru", limit=3, offset=o).results for o in (0, 3, 6)]
    assert [h.id for page in pages for h in page] == [h.id for h in whole.results[:9]]
    assert len({h.id for h in whole.results}) == min(whole.total, 50)


def test_query_syntax_is_not_interpreted(seed_index):
    # field:value, wildcards and ranges are plain words for agents
    assert (
        seed_index.search("title:客户", "zh").total == seed_index.search("title 客户", "zh").total
    )
    assert seed_index.search("klient*", "lv").total == seed_index.search("klient", "lv").total


def test_stop_words_match_nothing_unless_being_typed(seed_index):
    """ "un" (and) adds nothing; "ir" typed last may still start a word, as any word may."""
    assert seed_index.search("un klients", "lv").total == seed_index.search("klients", "lv").total
    assert seed_index.search("ir ir", "lv").total == seed_index.search("ir", "lv").total
    for typed in ("an", "in", "con"):  # stop words of en and it, typed as the start of a word
        assert seed_index.search(typed, "en").total > 0, typed


def test_tip_lookup(seed_index):
    hit = seed_index.search("回电时间", "ru").results[0]
    record = seed_index.tip(hit.id, "ru")
    assert (record.id, record.lang, record.text) == (hit.id, "ru", hit.text)
    assert seed_index.tip("zh/nope/0000000000", "ru") is None


def test_articles_are_listed(seed_index):
    assert sorted(seed_index.articles) == [
        "it/customer-service-with-great-profits",
        "lv/good-vs-excellent-customer-service",
        "ru/customer-service-what-to-know",
        "zh/why-customer-service-matters",
    ]
    assert len(seed_index.articles["zh/why-customer-service-matters"].tips) == 27


def test_highlight_escapes_html():
    marked = highlight("Use <b>clear</b> & kind answers", "en", {"answer"})
    assert marked == "Use &lt;b&gt;clear&lt;/b&gt; &amp; kind <mark>answers</mark>"


def test_highlight_merges_overlapping_chinese_words():
    assert highlight("回电时间", "zh", {"回电", "时间"}) == "<mark>回电时间</mark>"


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru", "en"])
def test_every_index_holds_every_tip(seed_index, lang):
    with_count = seed_index.version.manifest.languages[lang]
    assert with_count == 63


def test_boolean_operators_are_plain_words(seed_index):
    both = seed_index.search("customer service", "en").total
    assert seed_index.search("customer NOT service", "en").total <= both
    # "not", a stop word, matches only as the start of a word being typed (note, notice …)
    assert seed_index.search("NOT NOT", "en").total == seed_index.search("not", "en").total
    assert (
        seed_index.search("NOT customer", "en").total == seed_index.search("customer", "en").total
    )


def test_close_lets_go_of_the_mapped_files_at_once(seed_settings):
    """Without waiting for a garbage collection (the index's caches refer back to it)."""

    def mapped() -> int:
        maps = Path("/proc/self/maps").read_text()
        return sum(1 for line in maps.splitlines() if f"{root}/" in line)

    root = current_version(seed_settings.data_dir).path
    gc.disable()
    try:
        before = mapped()  # other tests' open copies of the same version
        index = PublishedIndex.open_current(seed_settings.data_dir)
        index.search("klientu", "lv")
        # five languages' ranking ids and scores, tip records and spans; four languages'
        # words as written (Chinese has none); typo keys, terms and buckets of five languages'
        # terms and four's words
        assert mapped() - before == 24 + 27
        index.close()
        del index
        assert mapped() == before
    finally:
        gc.enable()


# --- forgiving matching: as agents type ------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "rispondre al telefno",  # two words misspelt, a letter missing in each
        "rispondere al tele",  # the last word still being typed
        "rispodnere al telefono",  # two letters swapped
    ],
)
def test_a_misspelt_or_half_typed_query_finds_what_the_whole_one_finds(seed_index, typed):
    whole = seed_index.search("rispondere al telefono", "it").results[0]
    assert seed_index.search(typed, "it").results[0].id == whole.id


def test_the_word_being_typed_is_highlighted_whole(seed_index):
    top = seed_index.search("rispondere al tele", "it").results[0]
    assert "<mark>telefono</mark>" in top.highlight


@pytest.mark.parametrize("query", ["callback laiks", "callback времени", "atzvanisanas"])
def test_each_word_counts_in_whichever_language_knows_it(seed_index, query):
    """English + Latvian, English + Russian, Latvian without diacritics: the callback tip."""
    callback = seed_index.search("promise a callback time", "en").results[0]
    assert callback.title == "Promise a Callback Time"
    assert seed_index.search(query, "en").results[0].id == callback.id


def test_a_tip_matching_more_words_ranks_first(seed_index):
    """Alone, 'времени' (time) finds other tips first; with 'callback' the tip that holds both
    words leads."""
    callback = seed_index.search("callback времени", "en").results[0]
    assert callback.title == "Promise a Callback Time"
    assert seed_index.search("времени", "en").results[0].id != callback.id


def test_chinese_characters_typed_last_start_words(seed_index):
    top = seed_index.search("回电时", "zh").results[0]
    assert top.title == "承诺回电时间"
    assert "<mark>回电时间</mark>" in top.highlight


def test_exact_matches_rank_before_prefix_matches(seed_index):
    """Every tip holding the word itself (any form of its stem) comes before the tips that only
    hold longer words it starts."""
    (stem,) = analyze("en", "call")
    page = seed_index.search("call", "en", limit=50)  # also callback, caller …
    holds = [stem in analyze("en", f"{hit.title} {hit.text}") for hit in page.results]
    assert True in holds and False in holds
    assert holds == sorted(holds, reverse=True)


def _english_reordered(seed_index, tmp_path, arrange) -> tuple[PublishedIndex, list]:
    """The seed version copied with its English index written again, its records in the order
    ``arrange`` gives them; opened, with those records."""
    version = seed_index.version
    copy = tmp_path / version.name
    shutil.copytree(version.path, copy)
    en = seed_index.searcher("en")
    records = arrange(
        [seed_index.tip(str(en.stored_fields(n)["id"]), "en") for n in range(en.doc_count_all())]
    )
    shutil.rmtree(copy / "index" / "en")
    write_index(copy / "index" / "en", "en", records)
    return PublishedIndex(PublishedVersion(version.name, copy, version.manifest)), records


def test_indexes_numbering_tips_differently_still_add_up_per_tip(seed_index, tmp_path):
    """Every index of a version numbers the tips alike, as ingest builds them; a version whose
    English index numbers them in reverse gives the same answers through the id maps."""
    reordered, records = _english_reordered(seed_index, tmp_path, lambda r: r[::-1])
    with reordered:
        assert reordered._tips.to_global is not None  # the fallback was taken
        for query, lang in (
            ("callback времени", "en"),
            ("rispondere al tele", "it"),
            ("回电时", "zh"),
        ):
            want = seed_index.search(query, lang, limit=8)
            got = reordered.search(query, lang, limit=8)
            assert [(h.id, h.score) for h in got.results] == [(h.id, h.score) for h in want.results]
            assert got.total == want.total
        for record in records:
            every = reordered.tip_in_every_language(record.id)
            assert every is not None and list(every) == list(INDEX_LANGS)
            assert [t.record() for t in every.values()] == [
                seed_index.tip(record.id, lang) for lang in INDEX_LANGS
            ]


def test_a_tip_is_shown_as_its_own_where_the_numbering_differs_unnoticed(seed_index, tmp_path):
    """Opening a version compares 16 sampled tips' numbers; where two others are swapped in
    one index, a tip in every language is still that tip, found by its id."""
    # tips 1 and 2 swapped: not among the sampled positions
    swapped, records = _english_reordered(
        seed_index, tmp_path, lambda r: [r[0], r[2], r[1], *r[3:]]
    )
    with swapped:
        assert swapped._tips.to_global is None  # taken as numbered alike
        for record in records[:4]:
            every = swapped.tip_in_every_language(record.id)
            assert every is not None
            assert {t.id for t in every.values()} == {record.id}
            assert every["en"].record() == record


def test_a_query_that_finds_nothing_suggests_the_nearest_that_does(seed_index):
    page = seed_index.search("custmr", "en")  # 2 letters off a 6-letter word: no typo match
    assert page.total == 0 and page.suggestion == "customer"
    assert seed_index.search(page.suggestion, "en").total > 0
    assert seed_index.search("customer", "en").suggestion is None  # found: nothing to suggest
    assert seed_index.search("qqqzzzxxx", "en").suggestion is None  # nothing near enough
    for nonsense in ("猫", "ab", "the"):  # Chinese, too short, a stop word: no guess offered
        assert seed_index.search(nonsense, "en", source_lang="ru").suggestion is None


def test_italian_typed_without_a_final_accent_finds_the_accented_word_first(seed_index):
    """ "qualita": the tips that write "qualità" come before those writing "quale" or "quali",
    whose stem (qual) is what the stemmer makes of the word typed."""
    accented = [f.tip.id for f in seed_index.search("qualità", "it", limit=10).found]
    assert len(accented) == 3
    typed = seed_index.search("qualita", "it", limit=10)
    assert {f.tip.id for f in typed.found[:3]} == set(accented)
    assert all("<mark>qualità</mark>" in f.highlight for f in typed.found[:3])


def test_a_word_the_tips_write_as_typed_is_not_also_its_accented_twin(settings, content_dir):
    """ "papa" is written: the tips writing "papà" (another word, the same stem) match it as
    stemmed, after the one that writes it as typed, however often they say theirs."""
    write_article(
        content_dir,
        "it/famiglie.txt",
        "Famiglie\n\nIl papà di Marco chiede il rimborso: il papà ha pagato due volte.\n\n"
        "Il papa visita la città durante la settimana santa e le strade sono chiuse.\n",
    )
    assert run_ingest(settings).exit_code == 0
    with PublishedIndex.open_current(settings.data_dir) as index:
        found = index.search("papa", "it", limit=10).found
    ours = [f.tip.text for f in found if f.tip.id.startswith("it/famiglie/")]
    assert [text.startswith("Il papa ") for text in ours] == [True, False]


GLOSSARY = """\
concepts:
  - id: hold-music
    terms:
      lv: [gaidīšanas mūzika]
      it: [musica di attesa]
      zh: [等待音乐]
      ru: [музыка ожидания]
      en: [hold music, waiting music]
"""


def test_a_glossary_term_also_searches_its_concepts_other_terms(settings, content_dir):
    """An agent's "hold music" finds a new Latvian tip that says "gaidīšanas mūzika" and has no
    translation yet, through the editors' glossary."""
    (content_dir / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    write_article(
        content_dir,
        "lv/gaidisana.txt",
        "Gaidīšana\n\nIzvēlieties mierīgu gaidīšanas mūziku un pasakiet klientam, cik ilgi "
        "jāgaida.\n",
    )
    assert run_ingest(settings).exit_code == 0
    with PublishedIndex.open_current(settings.data_dir) as index:
        page = index.search("hold music", "en")
        assert page.results, page
        top = page.results[0]
        assert top.source.article == "lv/gaidisana" and top.translation.provenance == "none"
        assert "<mark>gaidīšanas</mark> <mark>mūziku</mark>" in top.highlight
        part = index.search("waiting", "en", limit=50)  # half of a term: no concept
        assert all(hit.source.article != "lv/gaidisana" for hit in part.results)


def test_glossary_phrases_matched_at_open_answer_as_when_matched_per_query(
    seed_settings, monkeypatch
):
    """The bundled glossary's phrases are matched once when a version opens; a glossary too big
    for PHRASE_MATCHES_BYTES has the rest matched per query, with the same answers."""
    queries = [
        ("hold music", "en"),
        ("rimborso", "it"),
        ("atmaksa klientam", "lv"),
        ("退款", "zh"),
        ("возврат денег", "ru"),
        ("money back", "it"),
        ("complaint", "lv"),
    ]
    with PublishedIndex.open_current(seed_settings.data_dir) as index:
        kept = index._phrase_matches
        assert len(kept) == len(index._synonyms.phrases()) > 100
        assert any(found is not None for found in kept.values())
        assert all(not found[0].flags.writeable for found in kept.values() if found is not None)
        whole = [index.search(q, lang, limit=20) for q, lang in queries]
    assert sum(page.total for page in whole) > 0
    monkeypatch.setattr(search_module, "PHRASE_MATCHES_BYTES", 0)
    with PublishedIndex.open_current(seed_settings.data_dir) as index:
        assert len(index._phrase_matches) < len(kept)  # stopped at the first phrase with tips
        none = [index.search(q, lang, limit=20) for q, lang in queries]
    assert [(p.total, p.found) for p in none] == [(p.total, p.found) for p in whole]


def test_a_concepts_phrases_match_as_one_synonym_with_each_tips_best_phrase(
    seed_settings, monkeypatch
):
    """The phrases a word expands to ("darbinieks": "staff", "dipendente", "员工" …) are one
    synonym match of the word, each tip with its best phrase's score, as when each phrase was
    added to the word's matches on its own; kept per version, and a version without room for
    them gives the same answers."""
    import numpy as np

    from pipeline.matching import SYNONYM, word_forms
    from pipeline.search import _WordMatches

    queries = [
        ("darbinieks", "it"),
        ("customer", "lv"),
        ("客户 fedeltà", "en"),
        ("lojalitāte", "ru"),
    ]
    with PublishedIndex.open_current(seed_settings.data_dir) as index:
        held = {
            code: {t: {0} for t in word_forms("darbinieks").analyzed(code)} for code in INDEX_LANGS
        }
        phrases = index._synonyms.expand(held)[0]
        holding = [p for p in phrases if index._phrase_matches[p] is not None]
        assert len(holding) >= 3 and len(holding) < len(phrases)  # some phrase no tip holds
        one_by_one = _WordMatches(index._tips.count)
        for phrase in holding:
            phrase_tips, phrase_scores = index._phrase_matches[phrase]
            one_by_one.add(phrase_tips, SYNONYM, phrase_scores)
        tips, kinds, scores = one_by_one.best()
        merged = index._synonym_matches(tuple(phrases))
        assert merged is not None and merged.phrases == tuple(dict.fromkeys(holding))
        assert np.array_equal(merged.tips, tips) and np.array_equal(merged.scores, scores)
        assert set(kinds.tolist()) == {SYNONYM}
        assert not merged.tips.flags.writeable and not merged.scores.flags.writeable
        assert index._synonym_matches(tuple(phrases)) is merged  # kept
        twice = index._synonym_matches(tuple(phrases) * 2)  # two concepts sharing phrases
        assert twice is not None and twice.phrases == merged.phrases
        assert np.array_equal(twice.tips, tips) and np.array_equal(twice.scores, scores)
        nowhere = tuple(p for p in phrases if p not in holding)
        assert index._synonym_matches(nowhere) is None
        kept = [index.search(q, lang, limit=20) for q, lang in queries]
        assert all(page.total for page in kept)
    # no room: nothing kept, not even the lists no tip holds (each costs an entry)
    monkeypatch.setattr(
        search_module, "CONCEPT_MATCHES_BYTES", search_module.CONCEPT_ENTRY_BYTES - 1
    )
    with PublishedIndex.open_current(seed_settings.data_dir) as index:
        none = [index.search(q, lang, limit=20) for q, lang in queries]
        assert index._synonym_matches(nowhere) is None
        assert not index._concept_matches and index._concept_bytes == 0
    assert [(p.total, p.found) for p in none] == [(p.total, p.found) for p in kept]


def test_a_words_parts_keep_each_tips_closest_kind_and_its_best_score():
    """A word's parts (an exact term whose tips write it as typed or not, prefixes, typos,
    other languages, glossary phrases) give each tip its closest kind and, of the parts of
    that kind, the highest score, in whatever order the parts come."""
    import itertools

    import numpy as np

    from pipeline.matching import EXACT, PREFIX, STEMMED, SYNONYM
    from pipeline.search import _WordMatches

    parts = [
        (np.array([1, 3, 5]), np.array([EXACT, STEMMED, EXACT]), np.array([1.0, 2.0, 3.0])),
        (np.array([3, 4]), EXACT, np.array([0.5, 0.25])),
        (np.array([0, 3, 5]), STEMMED, np.array([9.0, 9.0, 9.0])),
        (np.array([5, 6]), EXACT, np.array([4.0, 1.5])),
        (np.array([6, 7]), SYNONYM, np.array([7.0, 7.0])),
        (np.array([2]), PREFIX, np.array([0.75])),
    ]
    expected = {
        0: (STEMMED, 9.0),
        1: (EXACT, 1.0),
        2: (PREFIX, 0.75),
        3: (EXACT, 0.5),  # stemmed in two parts, exact in one: exact wins, with its score
        4: (EXACT, 0.25),
        5: (EXACT, 4.0),  # exact in two parts: the higher score
        6: (EXACT, 1.5),
        7: (SYNONYM, 7.0),
    }
    for order in itertools.permutations(parts):
        matches = _WordMatches(10)
        for tips, kinds, scores in order:
            matches.add(tips, kinds, scores)
        tips, kinds, scores = matches.best()
        pairs = zip(kinds.tolist(), scores.tolist(), strict=True)
        found = dict(zip(tips.tolist(), pairs, strict=True))
        assert found == expected
    alone = _WordMatches(10)
    alone.add(*parts[0])
    assert [a.tolist() for a in alone.best()] == [[1, 3, 5], [EXACT, STEMMED, EXACT], [1, 2, 3]]


def test_a_word_repeated_counts_once(seed_index):
    once = seed_index.search("callback time", "en", limit=20)
    twice = seed_index.search("callback callback time", "en", limit=20)
    assert [(h.id, h.score) for h in twice.results] == [(h.id, h.score) for h in once.results]


def test_a_long_query_matches_its_last_words(seed_index):
    """Agents type a few words; a pasted paragraph is matched by its last MAX_WORDS words."""
    words = [f"w{n}x" for n in range(60)] + ["callback", "time"]
    long = seed_index.search(" ".join(words), "en")
    last = seed_index.search(" ".join(words[-MAX_WORDS:]), "en")
    assert long.total == last.total > 0


def test_a_chinese_word_is_marked_whole_when_its_parts_come_first():
    """jieba's search mode yields the short words inside a long one before it: the mark must
    still start where the long word starts (知根知底, not 知根<mark>知底</mark>)."""
    assert highlight("他知根知底。", "zh", {"知底", "知根知底"}) == "他<mark>知根知底</mark>。"


def test_highlights_come_from_the_spans_the_index_stored(seed_index):
    hit = seed_index.search("回电时间", "zh").results[0]
    docnum = seed_index.searcher("zh").document_number(id=hit.id)
    cached = seed_index._record("zh", docnum)
    spans = cached.spans
    assert spans is not None and "回电" in [line.split()[0] for line in spans.splitlines()]
    assert highlight(cached.text, "zh", {"回电"}, spans) == highlight(cached.text, "zh", {"回电"})


@pytest.mark.parametrize("lang", ["lv", "zh", "en"])
def test_a_cached_tip_gives_back_its_record_as_validated(seed_index, lang):
    """The record cache keeps a tip's JSON, not its validated record; the record made again
    from the JSON is the one read from the store, for every tip."""
    from pipeline.schema import StoredTip, TipRecord
    from pipeline.search import _read_record

    store = seed_index._stores[lang]
    for docnum in range(seed_index.searcher(lang).doc_count_all()):
        stored = TipRecord.from_stored(StoredTip.model_validate_json(store.record(docnum)))
        assert _read_record(seed_index._stores, lang, docnum).record() == stored


def test_a_word_one_language_holds_is_not_a_typo_in_another(seed_index):
    """ "datus" is Latvian (data): its tips are found, but it is not taken for a misspelt
    English "dates" (it was, with the tips about dates ranked after)."""
    page = seed_index.search("datus", "en", limit=50)
    assert page.total > 0
    assert not [hit.highlight for hit in page.results if "<mark>date" in hit.highlight.lower()]
    # a word no language holds is still looked up with typos
    assert seed_index.search("custmer", "en").total > 0


@pytest.mark.parametrize("wanted_count", [1, 3, 20])
def test_stored_spans_mark_whole_terms_only(wanted_count):
    """A wanted term is found in the stored spans by its line: "lab" is not the end of
    "xlab", nor a term's start; with many wanted terms (a short prefix's expansions) the
    spans are read in one pass, with the same marks."""
    from pipeline.index import encode_spans, token_spans

    text = "Xlab un lab, labākais: lab & <lab>"
    stored = encode_spans([*token_spans(text, "lv"), ("xlab", 0, 4)])
    wanted = {"lab", *(f"other{n}" for n in range(wanted_count - 1))}
    assert highlight(text, "lv", wanted, stored) == highlight(text, "lv", wanted)
    marked = highlight(text, "lv", wanted, stored)
    assert marked.count("<mark>") == 3 and not marked.startswith("<mark>"), marked


@pytest.mark.parametrize(
    ("lang", "typed", "other_form"),
    [
        ("en", "services", "service"),
        ("ru", "клиентам", "клиентов"),
        ("it", "servizi", "servizio"),
        ("lv", "problemu", "problēmas"),
        ("lv", "apkalposanu", "apkalpošana"),  # typed without diacritics: still as written
    ],
)
def test_a_tip_with_the_word_as_typed_ranks_above_one_with_another_form(
    seed_index, lang, typed, other_form
):
    """Exact before stemmed: both forms are one index term, but the tips that write the word
    as the agent typed it come first."""
    page = seed_index.search(typed, lang, limit=50)
    as_typed = [_writes(hit, typed, lang) for hit in page.results if hit.lang == lang]
    assert True in as_typed and False in as_typed  # both kinds of tip are there …
    assert as_typed == sorted(as_typed, reverse=True)  # … and every "as typed" one first
    assert any(_writes(hit, other_form, lang) for hit in page.results)


def _writes(hit, word: str, lang: str) -> bool:
    folded = surface_form(word, lang)
    return folded in {surface_form(w, lang) for w in query_words(f"{hit.title}\n{hit.text}")}


def test_exact_and_stemmed_keep_the_bm25f_score(seed_index):
    """The tier orders; the score stays whoosh's BM25F for every exact or stemmed match."""
    page = seed_index.search("services", "en", limit=50)
    plain = seed_index.ranker("en").rank([(("title", "text"), "servic")], 50)
    scores = dict(zip(plain.docnums, plain.scores, strict=True))
    searcher = seed_index.searcher("en")
    for hit in page.results:
        assert hit.score == round(scores[searcher.document_number(id=hit.id)], 4)


def test_a_typo_is_matched_in_the_word_as_written(seed_index):
    page = seed_index.search("custmer complaints", "en")  # one edit from "customer"
    marked = " ".join(hit.highlight.lower() for hit in page.results[:3])
    assert "<mark>customer" in marked and "<mark>complaints</mark>" in marked
