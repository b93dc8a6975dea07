"""The read side of a published version: search a language's index, fetch tips and articles.

One :class:`PublishedIndex` is opened per published version and shared; it holds the whoosh
indexes, each field's analyzer and one :class:`~pipeline.ranking.Ranker` per language, so a
search does no set-up work. Whoosh searchers are not made for concurrent use, so each thread
gets its own, kept for the version's lifetime.
"""

import html
import json
import threading
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import TypeAdapter
from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher

from pipeline.analysis import analyzer_for
from pipeline.glossary import load_published_glossary
from pipeline.index import (
    RECORDS_AS_SERVED,
    TYPOS_SAVED,
    Span,
    check_readable_format,
    open_tip_store,
    token_spans,
)
from pipeline.languages import INDEX_LANGS
from pipeline.matching import (
    EXACT,
    KIND_WEIGHT,
    STEMMED,
    SYNONYM,
    Candidate,
    Phrase,
    Synonyms,
    Vocabulary,
    candidates,
    final_accents,
    query_words,
    word_forms,
)
from pipeline.publish import ARTICLES_FILE, PublishedVersion, current_version, damaged_files
from pipeline.ranking import Ranker
from pipeline.schema import PublishedArticle, SearchHit, StoredTip, TipRecord
from pipeline.surface_forms import SURFACE_DIR, DamagedSurfaceTable, SurfaceTable
from pipeline.tip_store import TipStore
from pipeline.typo_index import (
    STEMS,
    TYPO_DIR,
    WORDS,
    DamagedTypoIndex,
    DeletionIndex,
    open_typo_indexes,
)

#: Tips kept read per version (about 2.5 KB each: what a search needs of them, and their JSON).
#: On the bench's 10,000 queries 2,048 of them answered 86 % of reads, 4,096 87.5 %, for 5 MB more.
RECORD_CACHE = 2_048

_ARTICLES = TypeAdapter(list[PublishedArticle])


class NotPublished(Exception):
    """Nothing has been published in the data dir yet."""


class CachedTip(NamedTuple):
    """A tip as a version's record cache keeps it: what a search reads of it, and its record
    as JSON. A third of the memory of the validated record it was (5 KB a tip), which is made
    again from the JSON when asked for (:meth:`record`)."""

    id: str
    lang: str
    title: str
    text: str
    #: The text's spans as the index stored them (None: a version that stored none).
    spans: str | None
    #: The record as JSON without its closing brace: a search result's JSON is that, then its
    #: score and highlight (:meth:`pipeline.query.SearchAnswer.response_json`).
    json: bytes
    #: Where this language's text came from, and whether it is older than its source: the
    #: tip route lists them for every language without validating five records.
    provenance: str
    outdated: bool

    def record(self) -> TipRecord:
        return TipRecord.model_validate_json(self.json + b"}")


class Found(NamedTuple):
    """One result of a search, as the index gives it."""

    tip: CachedTip
    score: float
    highlight: str


def search_hits(found: Iterable[Found]) -> list[SearchHit]:
    """Results as the schema's hits. Made only when asked for: the HTTP route writes its
    response from each tip's JSON and never needs them (a pydantic model per hit cost it
    about 5 µs a hit)."""
    return [
        SearchHit.model_construct(**f.tip.record().__dict__, score=f.score, highlight=f.highlight)
        for f in found
    ]


@dataclass(frozen=True)
class SearchPage:
    query: str
    lang: str
    total: int
    limit: int
    offset: int
    found: tuple[Found, ...]
    #: When nothing matched: the nearest query the index does answer, else None.
    suggestion: str | None = None

    @cached_property
    def results(self) -> list[SearchHit]:
        return search_hits(self.found)


#: Words of a query that are matched (the last ones); agents type a few.
MAX_WORDS = 16
#: Longer queries get no suggestion: each word is looked up in every vocabulary, by a scan
#: where its distance may exceed the typo index's.
MAX_SUGGESTED = 4
#: Memory for the glossary phrases' matches found when a version opens (16 bytes a tip a
#: phrase: 1.2 MB for the bench's 12,154 tips and the bundled glossary's 1,201 phrases).
PHRASE_MATCHES_BYTES = 32 * 1024 * 1024
#: Memory for the merged matches of the phrases query words expand to (:meth:`PublishedIndex.
#: _synonym_matches`), one entry per list of phrases: a concept's, less those a query holds
#: itself. Each entry is charged its arrays and :data:`CONCEPT_ENTRY_BYTES`, so that queries
#: making ever new lists (none of whose phrases any tip holds, say) cannot grow it unbounded.
#: On the bench corpus its 10,000 queries fill it with 200 lists: 3.5 MiB more of a worker's
#: memory, for about 4 % of a search's time (twice the room keeps all 271: little faster).
CONCEPT_MATCHES_BYTES = 4 * 1024 * 1024
#: An entry's own cost besides its arrays (its key, the dict's slot, the arrays' headers).
CONCEPT_ENTRY_BYTES = 512
_NO_TIPS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float64)


def _stem(word: str, lang: str) -> str:
    """The word as ``lang``'s index spells its terms (stemmed, folded): what it holds. A
    Chinese word is one of its terms, beside its parts."""
    forms = word_forms(word)
    analyzed, surface = forms.analyzed(lang), forms.surface(lang)
    if surface in analyzed:
        return surface
    return analyzed[0] if analyzed else ""


def _typo_indexes(
    version: PublishedVersion, lang: str, stems: list[str], words: list[str] | None
) -> dict[str, DeletionIndex]:
    """The deletion indexes of a language's terms and of its words as written (None: it has
    no table of them), as the index stage saved them; built here for a version made before
    they were saved."""
    wanted = {STEMS: stems} if words is None else {STEMS: stems, WORDS: words}
    directory = version.index_dir(lang) / TYPO_DIR
    saved = open_typo_indexes(directory, wanted)
    if saved is not None:
        return saved
    if version.manifest.format_version >= TYPOS_SAVED:
        raise DamagedTypoIndex(f"{directory}: missing")
    return {name: DeletionIndex.build(terms) for name, terms in wanted.items()}


@dataclass(frozen=True)
class _TipNumbers:
    """One numbering of the tips for all languages: a word's matches in each language's index
    are added up per tip. Every index of a version is built from the tips in the same order, so
    a tip has the same document number in each; if a version's indexes ever disagree, maps
    from each index's numbers to the first one's are used."""

    count: int
    to_global: dict[str, np.ndarray] | None  # per language, document number → tip number
    from_global: dict[str, np.ndarray] | None

    def global_ids(self, lang: str, docnums: np.ndarray) -> np.ndarray:
        return docnums if self.to_global is None else self.to_global[lang][docnums]

    def global_id(self, lang: str, docnum: int) -> int:
        return docnum if self.to_global is None else int(self.to_global[lang][docnum])

    def docnum(self, lang: str, tip: int) -> int:
        return tip if self.from_global is None else int(self.from_global[lang][tip])

    def global_mask(self, lang: str, mask: np.ndarray) -> np.ndarray:
        if self.to_global is None:
            return mask
        out = np.zeros(self.count, dtype=bool)
        out[self.to_global[lang]] = mask
        return out


class PublishedIndex:
    """All language indexes of one published version, opened for reading."""

    def __init__(self, version: PublishedVersion) -> None:
        check_readable_format(version.name, version.manifest.format_version)
        self.version = version
        self._indexes: dict[str, Index] = {
            lang: whoosh_index.open_dir(str(version.index_dir(lang)), readonly=True)
            for lang in INDEX_LANGS
        }
        # Load jieba's dictionary now, not in the first Chinese request (analyzers are lazy
        # generators: only consuming the tokens runs them).
        list(analyzer_for("zh")("预热"))
        self._local = threading.local()
        self._searchers: list[Searcher] = []  # every thread's, to close them all
        self._lock = threading.Lock()
        self._closed = False
        self._rankers: dict[str, Ranker] = {}
        self._surfaces: dict[str, SurfaceTable | None] = {}
        self._stores: dict[str, TipStore] = {}
        self._vocabularies: dict[str, Vocabulary] = {}
        # the words as written, where typos are looked up too (see matching.candidates)
        self._written: dict[str, Vocabulary | None] = {}
        # Stored records are read once per version: the tips that come up, come up again and
        # again (whatever the query). Over the stores, not this object, so that nothing refers
        # back to it once it is closed. Read through the models until _open has checked that
        # the version stores them as the API serialises them (_served_as_stored).
        self._record = lru_cache(maxsize=RECORD_CACHE)(partial(_remade, self._stores))
        self._concept_matches: dict[tuple[Phrase, ...], _SynonymMatches | None] = {}
        self._concept_bytes = 0
        try:
            self._open(version)
        except BaseException:
            self.close()  # a version that cannot be opened lets go of what it opened
            raise

    def _open(self, version: PublishedVersion) -> None:
        self._rankers = {
            lang: Ranker.open(partial(self.searcher, lang), version.index_dir(lang))
            for lang in self._indexes
        }
        # None: Chinese (no stems), or a version built before words were saved (format 5 and
        # older), where exact and stemmed matches rank alike.
        for lang, ix in self._indexes.items():
            directory = version.index_dir(lang) / SURFACE_DIR
            table = SurfaceTable.open(directory, ix.doc_count_all())
            if table is None and lang != "zh" and version.manifest.format_version >= 6:
                raise DamagedSurfaceTable(f"{directory}: missing")
            self._surfaces[lang] = table
        for lang in self._indexes:
            self._stores[lang] = open_tip_store(version.index_dir(lang), self.searcher(lang))
        if _served_as_stored(version, self._stores):
            self._record = lru_cache(maxsize=RECORD_CACHE)(partial(_read_record, self._stores))
        self.articles: dict[str, PublishedArticle] = {
            article.id: article
            for article in _ARTICLES.validate_json((version.path / ARTICLES_FILE).read_bytes())
        }
        for lang, ranker in self._rankers.items():
            stems = ranker.table.term_frequencies()
            surface = self._surfaces[lang]
            written = surface.frequencies() if surface is not None else None
            words = sorted(written) if written is not None else None
            deletions = _typo_indexes(version, lang, sorted(stems), words)
            self._vocabularies[lang] = Vocabulary(stems, deletions[STEMS])
            if written is not None:
                self._written[lang] = Vocabulary(written, deletions[WORDS])
            else:
                self._written[lang] = None
        glossary = load_published_glossary(version.path)
        self._synonyms = Synonyms(concept.all_terms() for concept in glossary.concepts)
        self._tips = self._align()
        self._phrase_matches = self._match_phrases()

    @classmethod
    def open_current(cls, data_dir: Path) -> "PublishedIndex":
        version = current_version(data_dir)
        if version is None:
            raise NotPublished(f"no index is published in {data_dir}; run 'csguide ingest' first")
        return cls(version)

    def searcher(self, lang: str) -> Searcher:
        """This thread's searcher for ``lang``."""
        mine: dict[str, Searcher] | None = getattr(self._local, "searchers", None)
        if mine is None:
            mine = self._local.searchers = {}
        searcher = mine.get(lang)
        if searcher is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError(f"index version {self.version.name} is closed")
                searcher = mine[lang] = self._indexes[lang].searcher()
                self._searchers.append(searcher)
        return searcher

    def ranker(self, lang: str) -> Ranker:
        return self._rankers[lang]

    def vocabulary_share(self, query: str, lang: str) -> float:
        """Share of the query's words that ``lang``'s own texts contain (0 to 1)."""
        # word by word, each word's analysis kept per process (as search looks words up)
        terms = [term for word in query_words(query) for term in word_forms(word).analyzed(lang)]
        if not terms:
            return 0.0
        indexed = self._rankers[lang].table.slots  # every (field, term) with a posting
        known = sum(1 for term in terms if ("text", term) in indexed or ("title", term) in indexed)
        return known / len(terms)

    def counts(self, lang: str) -> dict[str, int]:
        """How many tips ``lang``'s index holds, by provenance."""
        searcher = self.searcher(lang)
        return {
            provenance: searcher.doc_frequency("provenance", provenance)
            for provenance in ("original", "editor", "machine", "none")
        }

    def search(
        self,
        query: str,
        lang: str,
        *,
        limit: int = 10,
        offset: int = 0,
        source_lang: str | None = None,
        suggest: bool = True,
    ) -> SearchPage:
        """The best tips for ``query``, ``limit`` of them from ``offset``, shown in ``lang``.

        Each word of the query is looked up in every language's index, as it is typed, as the
        start of a longer word (the last word) and with typos (:mod:`pipeline.matching`), so a
        query may mix languages and need not be finished or spelled right. A tip ranks by how
        many of the query's words it matches (in any language), then by how closely (exact
        before stemmed before prefix before typo before synonym), then by BM25F. When nothing
        matches, the page carries a ``suggestion`` (:meth:`suggest`) unless ``suggest`` is off.
        """
        if lang not in self._indexes:
            raise ValueError(f"unsupported language {lang!r}")
        # Each word once (a repeated word must not count twice), the one typed last last, and
        # no more than MAX_WORDS: agents type a few words, and the work grows with words × tips.
        words = list(dict.fromkeys(reversed(query_words(query))))[::-1][-MAX_WORDS:]
        matches: list[_WordMatches] = []
        marked: dict[str, set[str]] = {code: set() for code in self._indexes}
        held: dict[str, dict[str, set[int]]] = {code: {} for code in self._indexes}
        for position, word in enumerate(words):
            last = position == len(words) - 1
            # A stop word of some language ("un", "in") is never stretched to typos; being
            # typed, it may still start a word ("in" → "inform"). Nor is a word one of the
            # languages knows (its stem is in that index): it is not a typo, and looking for
            # its neighbours in the other four languages was most of the candidates' time.
            typos = not word_forms(word).stop and not self._known_somewhere(word)
            found_word = _WordMatches(self._tips.count)
            for code, vocabulary in self._vocabularies.items():
                found = candidates(
                    word, code, vocabulary, last=last, typos=typos, written=self._written[code]
                )
                for term in word_forms(word).analyzed(code):
                    held[code].setdefault(term, set()).add(position)
                if not found:
                    continue
                marked[code].update(c.term for c in found)
                self._score_word(code, word, found, found_word)
            matches.append(found_word)
        for position, phrases in self._synonyms.expand(held).items():
            synonyms = self._synonym_matches(tuple(phrases))
            if synonyms is not None:
                matches[position].add(synonyms.tips, SYNONYM, synonyms.scores)
                for code, analyzed in synonyms.phrases:
                    marked[code].update(analyzed)
        matched, words_matched, closeness, totals = _combine(
            [m.best() for m in matches], self._tips.count
        )
        if source_lang is not None:
            mask = self._tips.global_mask(
                lang, self._rankers[lang].mask("source_lang", source_lang)
            )
            keep = mask[matched]
            matched, words_matched = matched[keep], words_matched[keep]
            closeness, totals = closeness[keep], totals[keep]
        # More words matched first, then closer kinds: one tier number (a word's kind <= SYNONYM).
        tiers = (len(words) - words_matched) * (SYNONYM + 1) * MAX_WORDS + closeness
        chosen = _first(offset + limit, tiers, totals, matched)[offset:]
        results = []
        for index in chosen.tolist():
            tip = int(matched[index])
            cached = self._record(lang, self._tips.docnum(lang, tip))
            results.append(
                Found(
                    cached,
                    round(float(totals[index]), 4),
                    highlight(cached.text, cached.lang, marked[cached.lang], cached.spans),
                )
            )
        suggestion = None
        if matched.size == 0 and words and suggest:
            suggestion = self.suggest(words, lang, source_lang)
        return SearchPage(query, lang, int(matched.size), limit, offset, tuple(results), suggestion)

    def _known_somewhere(self, word: str) -> bool:
        """Whether some language's index holds one of ``word``'s terms (the word as that
        language stems and folds it): then the word is known, not a misspelling."""
        forms = word_forms(word)
        return any(
            term in vocabulary
            for code, vocabulary in self._vocabularies.items()
            for term in forms.analyzed(code)
        )

    def suggest(self, words: list[str], lang: str, source_lang: str | None = None) -> str | None:
        """The nearest query this index answers, for a query that found nothing: each word of
        3 letters or more (not Chinese, not a stop word) replaced by the word, in any language,
        that is fewest edits away (up to a third of its letters, the first letter right), as a
        tip writes it. None when no word has such a neighbour, for queries of more than
        MAX_SUGGESTED words, or when the suggestion would find nothing either."""
        if len(words) > MAX_SUGGESTED:
            return None
        replaced: list[str] = []
        changed = False
        for word in words:
            best: tuple[int, str, str] | None = None
            if len(word) >= 3 and not word_forms(word).stop and word.isalpha():
                for code, vocabulary in self._vocabularies.items():
                    typed = _stem(word, code)
                    near = vocabulary.closest(typed, max(1, len(word) // 3)) if typed else None
                    closer = near is not None and (best is None or near[1] < best[0])
                    if near is not None and closer and near[0] != typed:
                        best = (near[1], code, near[0])
            surface = self._surface_word(best[1], best[2]) if best else None
            changed = changed or surface is not None
            replaced.append(surface or word)
        if not changed:
            return None
        suggestion = " ".join(replaced)
        found = self.search(suggestion, lang, limit=1, source_lang=source_lang, suggest=False)
        return suggestion if found.total else None

    def _surface_word(self, lang: str, term: str) -> str | None:
        """The word as a tip writes it, for an index term (a stem): from a tip holding it."""
        ids, _ = self._rankers[lang].table.get("text", term)
        if ids.size == 0:
            ids, _ = self._rankers[lang].table.get("title", term)
        if ids.size == 0:
            return None
        cached = self._record(lang, int(ids[0]))
        for field in (cached.text, cached.title):
            for token, start, end in _token_spans(field, cached.lang):
                if token == term:
                    return field[start:end].lower()
        return None

    def _match_phrases(self) -> dict[Phrase, tuple[np.ndarray, np.ndarray] | None]:
        """Every glossary phrase's matches (:meth:`_phrase_matches_now`), found once per version:
        they are the same for every query that expands to the phrase, and finding them was a
        tenth of a search. Up to :data:`PHRASE_MATCHES_BYTES`; phrases beyond it are matched
        when a query needs them."""
        kept: dict[Phrase, tuple[np.ndarray, np.ndarray] | None] = {}
        size = 0
        for phrase in self._synonyms.phrases():
            found = self._phrase_matches_now(*phrase)
            if found is not None:
                size += found[0].nbytes + found[1].nbytes
                if size > PHRASE_MATCHES_BYTES:
                    break
            kept[phrase] = found
        return kept

    def _synonym_matches(self, phrases: tuple[Phrase, ...]) -> "_SynonymMatches | None":
        """The tips holding any of ``phrases`` (the phrases of the glossary concepts a query
        word expands to), each with its best phrase's score, as one synonym match of the word;
        None if no tip holds any. Kept per version up to :data:`CONCEPT_MATCHES_BYTES`: the
        same concepts come up again whatever else a query holds, and adding a concept's phrases
        to the word's matches one by one (a dozen a concept) cost about 4 % of a search."""
        kept = self._concept_matches.get(phrases, _NOT_KEPT)
        if kept is not _NOT_KEPT:
            return kept
        found: list[tuple[Phrase, tuple[np.ndarray, np.ndarray]]] = []
        for phrase in phrases:
            matched = (
                self._phrase_matches[phrase]
                if phrase in self._phrase_matches
                else self._phrase_matches_now(*phrase)
            )
            if matched is not None:
                found.append((phrase, matched))
        merged: _SynonymMatches | None = None
        if found:
            if len(found) == 1:
                tips, scores = found[0][1]
            else:  # per tip the best phrase (as a word's matches of one kind are taken)
                best = np.full(self._tips.count, -np.inf)
                for _, (some, their) in found:
                    best[some] = np.maximum(best[some], their)
                tips = np.flatnonzero(best != -np.inf).astype(np.int32)  # 12 bytes a tip, not 16
                scores = best[tips]
                tips.flags.writeable = scores.flags.writeable = False  # shared by every search
            merged = _SynonymMatches(tips, scores, tuple(dict.fromkeys(p for p, _ in found)))
        # (one phrase's arrays are shared with _phrase_matches: charged anyway, to be safe)
        size = CONCEPT_ENTRY_BYTES + (merged.tips.nbytes + merged.scores.nbytes if merged else 0)
        with self._lock:
            room = self._concept_bytes + size <= CONCEPT_MATCHES_BYTES
            if room and not self._closed and phrases not in self._concept_matches:
                self._concept_matches[phrases] = merged
                self._concept_bytes += size
        return merged

    def _phrase_matches_now(
        self, lang: str, analyzed: tuple[str, ...]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The tips (numbered for all languages) holding every term of a glossary phrase in
        ``lang``, with the terms' scores summed and weighed as a synonym; None if none does."""
        ranker = self._rankers[lang]
        parts = [ranker.table.get(field, term) for term in analyzed for field in ("title", "text")]
        ids = np.concatenate([part[0] for part in parts])
        if ids.size == 0:
            return None
        # Per tip, over arrays of every tip (as the words' matches are combined): how many of
        # the phrase's terms it holds, in its title, its text or both, and their scores' sum.
        holds = np.zeros(ranker.doc_count, dtype=np.int64)
        for title, text in zip(parts[::2], parts[1::2], strict=True):
            if title[0].size and text[0].size:
                holds += np.bincount(np.concatenate((title[0], text[0])), minlength=holds.size) > 0
            else:
                holds[title[0] if title[0].size else text[0]] += 1
        whole = np.flatnonzero(holds == len(analyzed))
        if whole.size == 0:
            return None
        shares = np.concatenate([part[1] for part in parts])
        total = np.bincount(ids, weights=shares, minlength=holds.size)[whole]
        tips, scores = self._tips.global_ids(lang, whole), total * KIND_WEIGHT[SYNONYM]
        tips.flags.writeable = scores.flags.writeable = False  # shared by every search
        return tips, scores

    def _score_word(
        self, lang: str, word: str, found: list[Candidate], matches: "_WordMatches"
    ) -> None:
        """Add one word's matches in ``lang``, per kind: a tip's score is the sum over its
        exact terms (a Chinese word may give several), as BM25F adds them; of a prefix's or a
        typo's expansions, the best one counts. A term's title and text shares add up. Of the
        tips matching the word's stems, those that do not write it as typed are STEMMED."""
        table = self._rankers[lang].table
        for kind in sorted({c.kind for c in found}):
            terms = [c.term for c in found if c.kind == kind]
            parts = [table.get(field, term) for term in terms for field in ("title", "text")]
            held = [part for part in parts if part[0].size]
            if not held:
                continue
            if len(held) == 1:  # one term, in titles or in texts only: ids unique, ascending
                docs, scores = held[0]
            elif kind == EXACT or len(terms) == 1:
                # a term in titles and texts, or a Chinese word's terms: summed per tip
                ids = np.concatenate([part[0] for part in held])
                shares = np.concatenate([part[1] for part in held])
                docs = np.flatnonzero(np.bincount(ids) > 0)  # nonzero() is 3× faster on bools
                scores = np.bincount(ids, weights=shares)[docs]
            else:
                # per (tip, term) the sum of its fields, then per tip the best term
                ids = np.concatenate([part[0] for part in parts])
                shares = np.concatenate([part[1] for part in parts])
                numbers = np.repeat(np.arange(len(parts)) // 2, [part[0].size for part in parts])
                keys, inverse = np.unique(
                    ids.astype(np.int64) * len(terms) + numbers, return_inverse=True
                )
                sums = np.bincount(inverse, weights=shares, minlength=keys.size)
                tips_of_keys = keys // len(terms)
                starts = np.flatnonzero(np.diff(tips_of_keys, prepend=-1))
                docs = tips_of_keys[starts]
                scores = np.maximum.reduceat(sums, starts)
            # (exact and stemmed weigh 1: their scores are used as the table holds them)
            weighted = scores * KIND_WEIGHT[kind] if KIND_WEIGHT[kind] != 1.0 else scores
            kinds: int | np.ndarray = kind
            closest = kind
            holders = self._writers(lang, word) if kind == EXACT else None
            if holders is not None:
                # a mask over the index's tips: faster than searching thousands of docs
                writes = np.zeros(self._rankers[lang].doc_count, dtype=bool)
                writes[holders] = True
                exact = writes[docs]
                writing = np.count_nonzero(exact)
                if writing == 0:
                    kinds = closest = STEMMED
                elif writing < exact.size:  # one part, each tip with its kind
                    kinds = np.where(exact, EXACT, STEMMED)
            matches.add(self._tips.global_ids(lang, docs), kinds, weighted, closest)

    def _writers(self, lang: str, word: str) -> np.ndarray | None:
        """The tips (``lang``'s document numbers) that write ``word`` as typed; None when every
        tip holding its terms does. In Latvian, Italian, Russian and
        English, the surface table's; a Chinese word's terms are its parts and itself, and a
        tip holding only some parts (客户 of 客户服务) matches it less closely."""
        forms = word_forms(word)
        surface = forms.surface(lang)
        table = self._surfaces[lang]
        if table is not None:
            writers = table.tips(surface)
            if lang == "it" and writers.size == 0:  # "qualita" typed, only "qualità" written
                # (as candidates() reads it: "papa" written too means the pope, not "papà")
                accented = [table.tips(variant) for variant in final_accents(surface)]
                if any(tips.size for tips in accented):
                    writers = np.union1d(writers, np.concatenate(accented))
            return writers
        if len(forms.analyzed(lang)) < 2 or surface not in forms.analyzed(lang):
            return None
        ranking = self._rankers[lang].table
        return np.concatenate([ranking.get(field, surface)[0] for field in ("title", "text")])

    def _align(self) -> _TipNumbers:
        counts = {lang: ix.doc_count_all() for lang, ix in self._indexes.items()}
        first = next(iter(self._indexes))
        count = counts[first]
        samples = np.linspace(0, count - 1, num=min(count, 16), dtype=np.int64).tolist()
        if all(c == count for c in counts.values()) and all(
            self._stored_id(lang, docnum) == self._stored_id(first, docnum)
            for lang in self._indexes
            for docnum in samples
        ):
            return _TipNumbers(count, None, None)
        numbers = {tip: n for n, tip in enumerate(self._ids(first))}
        to_global = {
            lang: np.array([numbers[tip] for tip in self._ids(lang)], dtype=np.int64)
            for lang in self._indexes
        }
        from_global = {lang: np.argsort(order) for lang, order in to_global.items()}
        return _TipNumbers(count, to_global, from_global)

    def _stored_id(self, lang: str, docnum: int) -> str:
        return str(self.searcher(lang).stored_fields(docnum)["id"])

    def _ids(self, lang: str) -> list[str]:
        searcher = self.searcher(lang)
        return [str(searcher.stored_fields(n)["id"]) for n in range(searcher.doc_count_all())]

    def records(self, lang: str) -> Iterator[StoredTip]:
        """Every tip of ``lang``'s index as stored, in document order."""
        store = self._stores[lang]
        for docnum in range(self._indexes[lang].doc_count_all()):
            yield StoredTip.model_validate_json(store.record(docnum))

    def tip(self, tip_id: str, lang: str) -> TipRecord | None:
        docnum = self.searcher(lang).document_number(id=tip_id)
        return None if docnum is None else self._record(lang, docnum).record()

    def tip_in_every_language(self, tip_id: str) -> dict[str, CachedTip] | None:
        """A tip as each language's index holds it, in :data:`INDEX_LANGS` order, as the record
        cache keeps it (a language whose index lacks it is left out); None for an id the
        first language's index does not hold. Every index of a version holds every tip, so the
        id is looked up once (about 40 µs in whoosh) and the others found by tip number."""
        first = INDEX_LANGS[0]
        docnum = self.searcher(first).document_number(id=tip_id)
        if docnum is None:
            return None
        tip = self._tips.global_id(first, docnum)
        every: dict[str, CachedTip]
        try:
            every = {lang: self._record(lang, self._tips.docnum(lang, tip)) for lang in INDEX_LANGS}
        except IndexError:  # a language's index holds fewer tips than the first's
            every = {}
        if len(every) == len(INDEX_LANGS) and all(t.id == tip_id for t in every.values()):
            return every
        # The numbering is not what opening the version found (it compares samples): each
        # language is looked up by id, rather than show another tip's text.
        found: dict[str, int | None] = {
            lang: self.searcher(lang).document_number(id=tip_id) for lang in INDEX_LANGS
        }
        return {lang: self._record(lang, n) for lang, n in found.items() if n is not None}

    def __enter__(self) -> "PublishedIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        for ix in self._indexes.values():
            ix.close()
        # Let go of the mapped score files and cached records now: the rankers' searcher
        # callbacks and the record cache refer back to this object, so without this they
        # would wait for a full garbage collection.
        self._rankers.clear()
        self._surfaces.clear()
        self._vocabularies.clear()  # their mapped typo indexes
        self._written.clear()
        self._record.cache_clear()
        with self._lock:
            self._concept_matches.clear()
            self._concept_bytes = 0
        for store in self._stores.values():
            store.close()


class _SynonymMatches(NamedTuple):
    """A query word's matches through the glossary: the tips (numbered for all languages)
    holding one of its concepts' phrases, their scores weighed as synonyms, and the phrases
    that some tip holds (marked in the hits)."""

    tips: np.ndarray
    scores: np.ndarray
    phrases: tuple[Phrase, ...]


#: The list of phrases has no entry in a version's kept concept matches yet.
_NOT_KEPT = _SynonymMatches(_NO_TIPS, _NO_SCORES, ())

#: A tip no part of a word has matched yet (kinds are small numbers, EXACT first).
_UNMATCHED = np.iinfo(np.int8).max


class _WordMatches:
    """The tips one query word matches, gathered over languages and kinds: per tip, the
    closest kind counts, then the highest score."""

    def __init__(self, tip_count: int) -> None:
        self._count = tip_count
        # each part's closest kind first, to take the parts in that order in best()
        self._parts: list[tuple[int, int | np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        self,
        tips: np.ndarray,
        kinds: int | np.ndarray,
        scores: np.ndarray,
        closest: int | None = None,
    ) -> None:
        """``tips``: unique (each part comes from one index term's or phrase's postings);
        ``kinds``: one for all of them, or each tip's (an exact term's tips that write the
        word as typed and those that write another form of it), the closest of which is
        ``closest`` when the caller knows it."""
        if closest is None:
            closest = kinds if isinstance(kinds, int) else int(kinds.min())
        self._parts.append((closest, kinds, tips, scores))

    def best(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tips, kind, score) with one entry per tip; tips ascend when the version's indexes
        number tips alike (the usual case), which callers do not rely on."""
        if not self._parts:
            return _NO_TIPS, _NO_TIPS, _NO_SCORES
        if len(self._parts) == 1:
            _, kinds, tips, scores = self._parts[0]
            if isinstance(kinds, np.ndarray):
                return tips, kinds, scores
            return tips, np.full(tips.size, kinds, dtype=np.int64), scores
        # Over one array per tip rather than sorting the parts together: per tip the closest
        # kind, and of the parts of that kind the highest score (whatever the parts' order).
        kind_of = np.full(self._count, _UNMATCHED, dtype=np.int8)
        score_of = np.zeros(self._count, dtype=np.float64)
        for _, kinds, tips, scores in sorted(self._parts, key=itemgetter(0)):
            held = kind_of[tips]
            closer = kinds < held
            if closer.all():
                kind_of[tips] = kinds
                score_of[tips] = scores
                continue
            kind_of[tips[closer]] = kinds[closer] if isinstance(kinds, np.ndarray) else kinds
            score_of[tips[closer]] = scores[closer]
            same = kinds == held
            if same.any():
                again = tips[same]
                score_of[again] = np.maximum(score_of[again], scores[same])
        tips = np.flatnonzero(kind_of != _UNMATCHED)
        return tips, kind_of[tips].astype(np.int64), score_of[tips]


def _combine(
    words: list[tuple[np.ndarray, np.ndarray, np.ndarray]], tip_count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tips any word matches, ascending, with how many words each matches, the sum of
    their kinds and the sum of their scores (summed in the words' order)."""
    if not words:
        return _NO_TIPS, _NO_TIPS, _NO_TIPS, _NO_SCORES
    if len(words) == 1:  # one word: its tips are unique and ascending already
        tips, kinds, scores = words[0]
        return tips, np.ones(tips.size, dtype=np.int64), kinds, scores
    # Counted and added up per tip by bincount (one pass, in the words' order, so each sum is
    # added in the same order as before), not sorted together.
    tips = np.concatenate([w[0] for w in words])
    words_matched = np.bincount(tips, minlength=tip_count)
    matched = np.flatnonzero(words_matched > 0)  # nonzero() is 2–4× faster on bools than ints
    kinds = np.concatenate([w[1] for w in words])
    closeness = np.bincount(tips, weights=kinds, minlength=tip_count)[matched]
    totals = np.bincount(tips, weights=np.concatenate([w[2] for w in words]), minlength=tip_count)
    return matched, words_matched[matched], closeness.astype(np.int64), totals[matched]


def _served_as_stored(version: PublishedVersion, stores: dict[str, TipStore]) -> bool:
    """Whether ``version`` stores its records as the API serialises them (format 7 on,
    :data:`pipeline.index.RECORDS_AS_SERVED`), so that they are sent as stored. Each index's
    first and last records are checked too: a version whose records the API's model would
    write otherwise (written before a change to it that came without a new format) is read
    through the models, as older formats are."""
    if version.manifest.format_version < RECORDS_AS_SERVED:
        return False
    for store in stores.values():
        for docnum in sorted({0, len(store) - 1} if len(store) else ()):
            stored = store.record(docnum)
            if TipRecord.model_validate_json(stored).model_dump_json().encode() != stored:
                return False
    return True


def _read_record(stores: dict[str, TipStore], lang: str, docnum: int) -> CachedTip:
    """A tip as readers get it, from a store that holds each record as the API's JSON
    (:func:`_served_as_stored`): its JSON as stored, and the fields a search reads of it,
    with its text's spans as the index stored them (encoded until a search marks words). A
    third of the time of validating it and serialising it again."""
    store = stores[lang]
    stored = store.record(docnum)
    try:
        fields = json.loads(stored)
        tip = CachedTip(
            fields["id"],
            fields["lang"],
            fields["title"],
            fields["text"],
            store.spans(docnum),
            stored[:-1],
            fields["translation"]["provenance"],
            fields["translation"]["outdated"],
        )
    except (ValueError, KeyError, TypeError) as exc:  # damaged since the version was checked
        raise ValueError(f"tip {docnum} of the {lang} index is not a record: {exc!r}") from exc
    if not stored.endswith(b"}"):
        raise ValueError(f"tip {docnum} of the {lang} index is not a record")
    return tip


def _remade(stores: dict[str, TipStore], lang: str, docnum: int) -> CachedTip:
    """A tip as readers get it, from a version of an older format: read by the stored model
    and serialised as the API's record."""
    store = stores[lang]
    record = TipRecord.from_stored(StoredTip.model_validate_json(store.record(docnum)))
    return CachedTip(
        record.id,
        record.lang,
        record.title,
        record.text,
        store.spans(docnum),
        record.model_dump_json().encode()[:-1],
        record.translation.provenance,
        record.translation.outdated,
    )


def _first(need: int, tiers: np.ndarray, totals: np.ndarray, tips: np.ndarray) -> np.ndarray:
    """Positions of the ``need`` best matches, best first: lower tier, then higher total, then
    lower tip number. Only the few that can be among them are sorted: a one-word query may
    match most tips."""
    if need <= 0:
        return _NO_TIPS
    if tips.size <= need:
        pool = np.arange(tips.size)
    else:
        # the tier of the need-th best (tiers are small numbers: counted, not partitioned)
        edge = int(np.searchsorted(np.cumsum(np.bincount(tiers)), need))
        ahead = np.flatnonzero(tiers < edge)
        tied = np.flatnonzero(tiers == edge)
        room = need - ahead.size
        if tied.size > room:  # of the tied tier, those scoring at least the room-th best
            scores = totals[tied]
            cut = np.partition(scores, tied.size - room)[tied.size - room]
            tied = tied[scores >= cut]
        pool = np.concatenate((ahead, tied))
    order = np.lexsort((tips[pool], -totals[pool], tiers[pool]))
    return pool[order][:need]


@lru_cache(maxsize=2_000)
def _token_spans(text: str, lang: str) -> tuple[Span, ...]:
    """Spans of a text the index did not store them for (a version built before it did, a
    title): the same for every query, so kept for the texts that come up again."""
    return token_spans(text, lang)


def highlight(text: str, lang: str, terms: Iterable[str], stored: str | None = None) -> str:
    """``text`` HTML-escaped, with the words whose index terms are in ``terms`` in <mark>.
    ``stored``: the text's spans as the index stored them (else the text is analyzed now)."""
    wanted: AbstractSet[str] = terms if isinstance(terms, set | frozenset) else set(terms)
    found: list[tuple[int, int]] = []
    if wanted:
        if stored is not None:
            found = _wanted_spans(stored, wanted)
        else:
            found = [(s, e) for term, s, e in _token_spans(text, lang) if term in wanted]
    # Most tip texts hold nothing to escape: then their pieces are not scanned again.
    escape = _escaped if "<" in text or ">" in text or "&" in text else str
    if not found:
        return escape(text)
    spans: list[tuple[int, int]] = []
    # jieba's search mode gives the short words inside a long one before it, at once
    # overlapping positions: marks are merged in position order.
    found.sort()  # by start; of spans starting alike the shorter first, and merged below
    for start, end in found:
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    out, previous = [], 0
    for start, end in spans:
        out.append(escape(text[previous:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        previous = end
    out.append(escape(text[previous:]))
    return "".join(out)


def _escaped(text: str) -> str:
    return html.escape(text, quote=False)


#: Up to this many wanted terms, each is found in the stored spans with str.find; more (the
#: expansions of a short prefix) are matched in one pass over every stored token.
_FOUND_BY_FIND = 8


def _wanted_spans(stored: str, wanted: AbstractSet[str]) -> list[tuple[int, int]]:
    """Where the terms in ``wanted`` stand, from spans stored as :func:`pipeline.index.
    encode_spans` writes them ("term start end" lines): a few wanted terms are looked up,
    rather than the string split into every token (a third of a highlight's time)."""
    if len(wanted) > _FOUND_BY_FIND:
        parts = stored.split()
        return [
            (int(parts[i + 1]), int(parts[i + 2]))
            for i in range(0, len(parts) - 2, 3)
            if parts[i] in wanted
        ]
    found = []
    for term in wanted:
        needle = term + " "
        at = stored.find(needle)
        while at != -1:
            if at and stored[at - 1] != "\n":  # the end of a longer term: not this one
                at = stored.find(needle, at + 1)
                continue
            start = at + len(needle)
            stop = stored.find("\n", start)
            if stop == -1:
                stop = len(stored)
            first, _, last = stored[start:stop].partition(" ")
            found.append((int(first), int(last)))
            at = stored.find(needle, stop)
    return found


def check_serveable(version: PublishedVersion) -> None:
    """Open ``version`` and read from every language's index as serving does: a stored record,
    and a search for one of its words (which reads the postings), after comparing its files
    with the list written when it was published. Raises ValueError naming what failed: a
    version is only switched to once this passes."""
    damaged = damaged_files(version)
    if damaged:
        shown = "; ".join(damaged[:3]) + (
            f"; and {len(damaged) - 3} more" if len(damaged) > 3 else ""
        )
        raise ValueError(f"damaged files: {shown}")
    try:
        index = PublishedIndex(version)
    except Exception as exc:  # whoosh, numpy and our own stores each fail their own way
        raise ValueError(f"cannot be opened ({type(exc).__name__}: {exc})") from exc
    with index:
        for lang in INDEX_LANGS:
            try:
                searcher = index.searcher(lang)
                if searcher.doc_count() == 0:
                    continue
                record = index.tip(searcher.stored_fields(0)["id"], lang)
                if record is None:
                    raise LookupError("its first tip has no record")
                word = next((w for w in record.text.split() if w.isalpha()), record.text[:2])
                index.search(word, lang, limit=1)
            except Exception as exc:
                raise ValueError(f"the {lang} index fails ({type(exc).__name__}: {exc})") from exc
