"""Forgiving matching: for each word of a query, the index terms it may mean in a language.

Agents search while they type, misspell and skip diacritics, so a word is not looked up only
as the analyzer makes it:

* **exact**: the terms the language's analyzer makes of the word (stemmed and folded as the
  index is, so "apkalposana" already meets "apkalpošana"); search then tells the tips that
  hold the word as typed (:data:`EXACT`) from those holding another form of it
  (:data:`STEMMED`, :mod:`pipeline.surface_forms`);
* **prefix**: the last word of the query, the one being typed, also matches the terms it
  starts, from its 2nd character (in Chinese, the last one or two characters typed also start
  words: 回电时 → 时间), the most frequent :data:`PREFIX_LIMIT` of them, so that a short
  prefix cannot blow a query up;
* **typo**: when a language knows no exact term for a word, the terms within
  Damerau–Levenshtein distance of it, with Meilisearch's budget: none below 5 characters, 1
  for 5–8, 2 from 9; a typo on the first letter counts double. The candidates come from the
  vocabulary's deletion index (:mod:`pipeline.typo_index`), or, where few terms share the
  word's first letter, are all of those; rapidfuzz (C++) computes their distances.

* **synonym**: a word (or words) of the query that is a term of the editors' glossary also
  searches the other terms of its concept, in every language (:class:`Synonyms`).

A :class:`Vocabulary` holds one language's terms (of the tips' own titles and texts) with how
many tips hold each; it is built from the index's saved ranking table when a version opens.
"""

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, TypeVar, cast

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from pipeline.analysis import analyzer_for, strip_diacritics
from pipeline.chinese_segmenter import SEGMENTER
from pipeline.languages import INDEX_LANGS
from pipeline.normalise import fold_for_index, without_invisible
from pipeline.typo_index import HAN, DeletionIndex, indexed

#: Kinds of match, closest first. :func:`candidates` finds EXACT terms (the word's stems);
#: search splits them into EXACT (the tip writes the word as typed) and STEMMED.
EXACT, STEMMED, PREFIX, TYPO, SYNONYM = 0, 1, 2, 3, 4
#: Share of a term's BM25F score a match of each kind earns; the kind ranks first anyway.
KIND_WEIGHT = (1.0, 1.0, 0.7, 0.5, 0.4)
PREFIX_LIMIT = 30
TYPO_LIMIT = 8
MIN_PREFIX_CHARS = 2
#: Below this many terms sharing a word's first letter, its typos are found by computing
#: every one's distance (rapidfuzz, in C++), above it from the deletion index: its lookups
#: cost 40–100 µs in Python, a scan 0.05–0.15 µs a term. 600 was never more than 3 % slower
#: than the quicker of the two on vocabularies of 5,000–20,000 made-up words (300: up to 26 %
#: slower on 5,000 Latvian ones; 1,000: up to twice the time on 20,000 Russian ones).
SCAN_BELOW = 600

_WORDS = re.compile(r"[^\W_]+")  # letters and digits; "_" separates, as in customer_service


#: Query words kept analysed per process, in every language (about 0.7 KB each when made-up
#: words fill it; the bench's 10,000 queries hold 2,388 words). Bounded so that a worker that
#: has served many words for a long time stays small.
WORDS_KEPT = 16_384
#: Words analysed in one language kept per process: the words a typo of a query word may be.
NEIGHBOURS_KEPT = 8_192


def _analyzed(word: str, lang: str) -> tuple[tuple[str, ...], bool]:
    # Read as they come: whoosh's analyzers yield one Token object again and again, so a list
    # of them held the last one's text each time (a Chinese word's parts were all the word).
    tokens = [(token.text, token.stopped) for token in analyzer_for(lang)(word, removestops=False)]
    terms = tuple(dict.fromkeys(text for text, stopped in tokens if not stopped))
    return terms, bool(tokens) and not terms


@lru_cache(maxsize=NEIGHBOURS_KEPT)
def word_terms(word: str, lang: str) -> tuple[tuple[str, ...], bool]:
    """The index terms ``lang``'s analyzer makes of one word, and whether it drops the word as
    a stop word. For a query's own words, :func:`word_forms` has them in every language."""
    return _analyzed(word, lang)


class WordForms(NamedTuple):
    """A query word as every language's index holds it, in :data:`INDEX_LANGS` order."""

    #: Per language, the terms its analyzer makes of the word (stemmed and folded).
    terms: tuple[tuple[str, ...], ...]
    #: Per language, the word folded as that index folds it, not stemmed (:func:`surface_form`).
    surfaces: tuple[str, ...]
    #: Some language drops the word as a stop word ("un", "ir", "the"); never a Chinese word.
    stop: bool

    def analyzed(self, lang: str) -> tuple[str, ...]:
        return self.terms[_POSITION[lang]]

    def surface(self, lang: str) -> str:
        return self.surfaces[_POSITION[lang]]


_Shared = TypeVar("_Shared", str, tuple[str, ...])
_POSITION: dict[str, int] = {lang: position for position, lang in enumerate(INDEX_LANGS)}


@lru_cache(maxsize=WORDS_KEPT)
def word_forms(word: str) -> WordForms:
    """One query word analysed in every language, kept per process: agents' words repeat, and
    a search looks at each of its words in every language several times. One entry a word,
    with the strings the languages share made once: a quarter of the memory of caching each
    language's terms and folding apart."""
    shared: dict[object, object] = {word: word}

    def once(value: _Shared) -> _Shared:
        return cast(_Shared, shared.setdefault(value, value))

    terms: list[tuple[str, ...]] = []
    surfaces: list[str] = []
    stop = False
    for lang in INDEX_LANGS:
        analyzed, stopped = _analyzed(word, lang)
        terms.append(once(tuple(once(term) for term in analyzed)))
        surfaces.append(once(_folded(word, lang)))
        stop = stop or stopped
    # One character is a word in Chinese, and too short a word elsewhere.
    return WordForms(tuple(terms), tuple(surfaces), stop and not HAN.search(word))


#: An Italian word's last vowel as it is written accented (città, perché, più, però, virtù).
_ITALIAN_FINAL_ACCENTS = {"a": "à", "e": "èé", "i": "ì", "o": "ò", "u": "ù"}


def final_accents(word: str) -> tuple[str, ...]:
    """An Italian word typed without accents and ending in a vowel, written with that vowel
    accented ("qualita": "qualità"; "perche": "perchè", "perché"); none for other words. Which
    of them a tip writes, if any, the index's words as written tell."""
    last = word[-1:]
    if last not in _ITALIAN_FINAL_ACCENTS or not word.isascii():
        return ()
    return tuple(word[:-1] + accent for accent in _ITALIAN_FINAL_ACCENTS[last])


def typo_budget(word: str) -> int:
    """How many typos a word of this length may hold (Meilisearch's defaults)."""
    if HAN.search(word) or len(word) < 5:
        return 0
    return 1 if len(word) < 9 else 2


def query_words(query: str) -> list[str]:
    """The words of a query, lowercased: runs of letters and digits; Chinese runs cut into
    words by jieba (its plain mode: the words as written, not their parts)."""
    # NFKC: full-width letters, composed diacritics and compatibility forms as the index has
    # them; Chinese folded to simplified (as indexed) before jieba cuts it. Soft hyphens and
    # zero-width characters (pasted from web pages, Word or chat) are dropped, as articles'
    # are: inside a word they cut it in two.
    folded = unicodedata.normalize("NFKC", without_invisible(query)).lower()
    words: list[str] = []
    for run in _WORDS.findall(folded):
        if HAN.search(run):
            simplified = fold_for_index("zh", run)
            words.extend(w for w in SEGMENTER.cut(simplified, HMM=True) if _WORDS.fullmatch(w))
        else:
            words.append(run)
    return words


@lru_cache(maxsize=65_536)
def surface_form(word: str, lang: str) -> str:
    """The word folded as the language's index folds its terms, but not stemmed. Kept for the
    index stage, which folds every word of every tip; a query's words are in
    :func:`word_forms`."""
    return _folded(word, lang)


def _folded(word: str, lang: str) -> str:
    folded = fold_for_index(lang, word.lower())
    return strip_diacritics(folded) if lang == "lv" else folded


@dataclass(frozen=True)
class Candidate:
    term: str
    kind: int


class Vocabulary:
    """One language's index terms, with the number of tips holding each."""

    def __init__(
        self,
        frequencies: Mapping[str, int],
        deletions: DeletionIndex | None = None,
        *,
        scan_below: int = SCAN_BELOW,
    ) -> None:
        """``deletions``: the terms' deletion index as the index stage saved it; without one
        it is built here when first needed. ``scan_below``: see :data:`SCAN_BELOW`."""
        self._frequency = dict(frequencies)
        self._scan_below = scan_below
        self._sorted = sorted(self._frequency)
        self._counts = np.array([self._frequency[t] for t in self._sorted], dtype=np.int64)
        self._by_first: dict[str, list[str]] = {}
        for term in self._sorted:
            self._by_first.setdefault(term[:1], []).append(term)
        self._deletions = deletions

    @property
    def terms(self) -> list[str]:
        """The terms, sorted: as the deletion index numbers them."""
        return self._sorted

    def __contains__(self, term: str) -> bool:
        return term in self._frequency

    def __len__(self) -> int:
        return len(self._sorted)

    def prefixed(self, prefix: str, limit: int = PREFIX_LIMIT) -> list[str]:
        """The ``limit`` most frequent terms that start with ``prefix``."""
        start = bisect.bisect_left(self._sorted, prefix)
        end = bisect.bisect_left(self._sorted, prefix + "\U0010ffff", lo=start)
        if end - start <= limit:
            return self._sorted[start:end]
        # The most frequent, ties in term order: each term's rank in that order is a distinct
        # number, so a partial sort picks exactly those `limit` (a short prefix of a large
        # vocabulary starts thousands of terms; sorting them all took most of its time).
        span = end - start
        order = self._counts[start:end] * -span + np.arange(span)
        best = np.argpartition(order, limit - 1)[:limit]
        return [self._sorted[start + i] for i in best[np.argsort(order[best])].tolist()]

    def near(self, word: str, budget: int, limit: int = TYPO_LIMIT) -> list[str]:
        """Terms within ``budget`` typos of ``word``, closest (then most frequent) first; a typo
        on the first letter counts double."""
        if budget <= 0 or not word:
            return []
        found: dict[str, int] = {}
        for term, distance, _ in process.extract(
            word,
            self._maybe_near(word, budget),
            scorer=DamerauLevenshtein.distance,
            score_cutoff=budget,
            limit=None,
        ):
            if term != word:
                found[term] = int(distance)
        if budget >= 2 and len(word) > 1:  # the first letter wrong, dropped, doubled or swapped
            for variant in {word[1:], word[1] + word[0] + word[2:]}:
                if variant in self._frequency and variant != word:
                    found.setdefault(variant, 2)
            for term in [*self._with_tail(word[1:]), *self._with_tail(word)]:
                if term != word:
                    found.setdefault(term, 2)
        ranked = sorted(found, key=lambda t: (found[t], -self._frequency[t], t))
        return ranked[:limit]

    def closest(self, word: str, max_distance: int) -> tuple[str, int] | None:
        """The term nearest ``word`` within ``max_distance`` edits and with its first letter
        (the most frequent of the nearest), for suggesting a query; None when none is that
        near."""
        found = process.extract(
            word,
            self._maybe_near(word, max_distance),
            scorer=DamerauLevenshtein.distance,
            score_cutoff=max_distance,
            limit=None,
        )
        if not found:
            return None
        term, distance, _ = min(found, key=lambda f: (f[1], -self._frequency[f[0]], f[0]))
        return term, int(distance)

    def _maybe_near(self, word: str, budget: int) -> Sequence[str]:
        """The terms that may be within ``budget`` typos of ``word`` and share its first letter:
        from the deletion index, or all terms with that first letter where computing their
        distances (in C++) is quicker than the index's lookups (in Python)."""
        same_first = self._by_first.get(word[:1], [])
        if len(same_first) < self._scan_below or not indexed(word, budget):
            return same_first
        terms, first = self._sorted, word[:1]
        found = (terms[number] for number in self._deletion_index().near(word, budget).tolist())
        return [term for term in found if term[:1] == first]  # keys may collide

    def _with_tail(self, tail: str) -> list[str]:
        """The terms that are ``tail`` after their first letter, for typos on the first
        letter."""
        terms = self._sorted
        found = (terms[number] for number in self._deletion_index().with_tail(tail).tolist())
        return [term for term in found if term[1:] == tail]

    def _deletion_index(self) -> DeletionIndex:
        if self._deletions is None:
            self._deletions = DeletionIndex.build(self._sorted)
        return self._deletions


def candidates(
    word: str,
    lang: str,
    vocabulary: Vocabulary,
    *,
    last: bool,
    typos: bool = True,
    written: Vocabulary | None = None,
) -> list[Candidate]:
    """The index terms ``word`` may mean in ``lang``: exact (none for one of its stop words),
    the terms it starts when it is the ``last`` word, and, if ``typos``, the terms a typo
    away; empty when ``lang`` knows nothing like it.

    ``written``: the language's words as the tips write them (:mod:`pipeline.surface_forms`).
    A typo is made in a word as written, and a stem can be further from it than the word is
    ("custmer" is one edit from "customer", three from its stem "custom"), so the words a typo
    away are looked up there too, and stand for their terms."""
    forms = word_forms(word)
    analyzed = forms.analyzed(lang)
    found: dict[str, int] = {}
    for term in analyzed:
        if term in vocabulary:
            found[term] = EXACT
    surface = forms.surface(lang)
    if lang == "it" and written is not None and surface not in written:
        # "qualita" typed, "qualità" written: the stemmer cuts the two apart ("qual",
        # "qualit"), so the word as the tips write it is the word typed
        for accented in final_accents(surface):
            if accented in written:
                for term in word_terms(accented, lang)[0]:
                    if term in vocabulary:
                        found.setdefault(term, EXACT)
    if last and (len(surface) >= MIN_PREFIX_CHARS or HAN.search(surface)):
        # the word, and its stem; a Chinese word's terms are its parts, and it starts a
        # longer word only as a whole
        starts = [surface] if HAN.search(surface) else [surface, *analyzed[:1]]
        if HAN.search(surface) and surface not in vocabulary:
            starts += [surface[-2:], surface[-1:]]  # 回电时: the last characters start a word
        for start in dict.fromkeys(starts):
            for term in vocabulary.prefixed(start):
                found.setdefault(term, PREFIX)
    if typos and analyzed and not any(kind == EXACT for kind in found.values()):
        budget = typo_budget(surface)
        for typed in dict.fromkeys((analyzed[0], surface)):
            for term in vocabulary.near(typed, budget):
                found.setdefault(term, TYPO)
        for near in written.near(surface, budget) if written is not None else ():
            for term in word_terms(near, lang)[0]:
                if term in vocabulary:
                    found.setdefault(term, TYPO)
    return [Candidate(term, kind) for term, kind in found.items()]


#: A glossary term as an index holds it: its language and its analyzed terms, all of which a
#: query (to trigger the concept) or a tip (to match it) must hold.
Phrase = tuple[str, tuple[str, ...]]


class Synonyms:
    """The glossary's concepts as index terms, for expanding queries."""

    def __init__(self, concepts: Iterable[Iterable[tuple[str, str]]]) -> None:
        self._concepts: list[list[Phrase]] = []
        # Each phrase under its first term, so a query looks only at phrases it may hold.
        self._by_first: dict[tuple[str, str], list[tuple[int, Phrase]]] = {}
        for terms in concepts:
            phrases = []
            for lang, term in terms:
                analyzed = tuple(t.text for t in analyzer_for(lang)(term) if not t.stopped)
                if analyzed:
                    phrases.append((lang, analyzed))
            if len(phrases) > 1:
                number = len(self._concepts)
                self._concepts.append(phrases)
                for lang, analyzed in phrases:
                    key = (lang, analyzed[0])
                    self._by_first.setdefault(key, []).append((number, (lang, analyzed)))

    def __len__(self) -> int:
        return len(self._concepts)

    def phrases(self) -> list[Phrase]:
        """Every phrase of every concept, each once, in the glossary's order."""
        return list(dict.fromkeys(phrase for phrases in self._concepts for phrase in phrases))

    def expand(self, held: Mapping[str, Mapping[str, set[int]]]) -> dict[int, list[Phrase]]:
        """For each query word (by position), the phrases it also searches: ``held`` maps a
        language to the analyzed terms the query's words make in it, each with the positions of
        the words that make it. A concept is triggered by one of its terms whose analyzed terms
        the query holds in that language; its other terms are searched for the first of the
        words that triggered it."""
        triggered: dict[int, set[int]] = {}  # concept → positions of the words that hold it
        for lang, terms in held.items():
            for first in terms:
                for number, (_, analyzed) in self._by_first.get((lang, first), ()):
                    if number not in triggered and all(part in terms for part in analyzed):
                        triggered[number] = set().union(*(terms[part] for part in analyzed))
        expanded: dict[int, list[Phrase]] = {}
        for number in sorted(triggered):
            phrases = self._concepts[number]
            held_phrases = {
                phrase
                for phrase in phrases
                if all(part in held.get(phrase[0], {}) for part in phrase[1])
            }
            others = [phrase for phrase in phrases if phrase not in held_phrases]
            # The concept stands for one word of the query, however many spell its term: a tip
            # it finds matches one word, not each of "money back".
            expanded.setdefault(min(triggered[number]), []).extend(others)
        return expanded
