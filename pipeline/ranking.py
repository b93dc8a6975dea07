"""Ranking: whoosh's BM25F scores, summed term by term over numpy arrays.

Whoosh scores document by document in pure Python, several method calls per posting; a
common word in a corpus of short tips has thousands of postings, so one search cost
milliseconds of CPU, and that decided the API's throughput. But a term's BM25F share of a
document's score depends on the term and the document only, never on the rest of the query.
So each term's shares are computed once per index version, from whoosh's own postings, field
lengths, statistics and formula (:func:`whoosh.scoring.bm25`), and kept as two arrays; a query
is then a sum of a few arrays and a partial sort. Scores and order equal whoosh's own search
(``tests/pipeline/test_ranking.py`` compares them), ties broken by document number as whoosh does.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from whoosh.scoring import BM25F, bm25
from whoosh.searching import Searcher

#: Postings whose scores are kept per index (8 bytes of id and score each: about 32 MB).
IMPACT_CACHE_POSTINGS = 4_000_000

_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class Ranked:
    """The top documents (numbers and scores, best first) and how many matched in all."""

    docnums: list[int]
    scores: list[float]
    total: int


class Ranker:
    """Ranks one whoosh index's documents for plain OR queries of (field, term) pairs."""

    def __init__(
        self, searcher: Callable[[], Searcher], max_postings: int = IMPACT_CACHE_POSTINGS
    ) -> None:
        self._searcher = searcher  # the calling thread's searcher (whoosh's are not shared)
        self._max_postings = max_postings
        first = searcher()
        weighting = first.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError(f"ranking implements BM25F, the index uses {weighting!r}")
        self._weighting = weighting
        self.doc_count = first.doc_count_all()
        self._lengths: dict[str, np.ndarray] = {}
        self._impacts: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached_postings = 0
        self._lock = threading.Lock()

    @property
    def cached_terms(self) -> int:
        return len(self._impacts)

    @property
    def cached_postings(self) -> int:
        return self._cached_postings

    def rank(
        self, terms: Sequence[tuple[str, str]], limit: int, within: tuple[str, str] | None = None
    ) -> Ranked:
        """The ``limit`` best documents matching any of ``terms`` (each term scored once).

        ``within``, a (field, term) pair, keeps only the documents that have that term.
        """
        totals = np.zeros(self.doc_count, dtype=np.float64)
        for field, text in terms:
            ids, scores = self.impacts(field, text)
            totals[ids] += scores  # a term's ids are distinct, so plain fancy indexing adds
        if within is not None:
            keep = np.zeros(self.doc_count, dtype=bool)
            keep[self.impacts(*within)[0]] = True
            totals[~keep] = 0.0
        matched = np.flatnonzero(totals)  # every share is positive: nonzero means matched
        total = int(matched.size)
        if total > limit:
            # Everything scoring at least the limit-th best score, so that ties at the edge
            # are settled by document number below, as whoosh settles them.
            kth = np.partition(totals[matched], total - limit)[total - limit]
            matched = matched[totals[matched] >= kth]
        order = np.lexsort((matched, -totals[matched]))[:limit]
        best = matched[order]
        return Ranked(best.tolist(), totals[best].tolist(), total)

    def impacts(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents that contain ``text`` in ``field``, and the term's score in each."""
        key = (field, text)
        with self._lock:
            cached = self._impacts.get(key)
            if cached is not None:
                self._impacts.move_to_end(key)
                return cached
        computed = self._compute(field, text)
        with self._lock:
            if key not in self._impacts:
                self._impacts[key] = computed
                self._cached_postings += computed[0].size
                while self._cached_postings > self._max_postings and len(self._impacts) > 1:
                    _, (old_ids, _) = self._impacts.popitem(last=False)
                    self._cached_postings -= old_ids.size
        return computed

    def _compute(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        searcher = self._searcher()
        reader = searcher.reader()
        if (field, text) not in reader:
            return _EMPTY_IDS, _EMPTY_SCORES
        postings = reader.postings(field, text)
        ids, weights = [], []
        while postings.is_active():
            ids.append(postings.id())
            weights.append(postings.weight())
            postings.next()
        id_array = np.array(ids, dtype=np.int32)
        weight_array = np.array(weights, dtype=np.float64)
        if not searcher.schema[field].scorable:  # a keyword field: whoosh scores its weight
            return id_array, weight_array
        # whoosh's own scorer for this term holds the statistics its formula takes
        scorer = self._weighting.scorer(searcher, field, text)
        scores = bm25(
            scorer.idf,
            weight_array,
            self._field_lengths(field)[id_array],
            scorer.avgfl,
            scorer.B,
            scorer.K1,
        )
        return id_array, np.asarray(scores, dtype=np.float64)

    def _field_lengths(self, field: str) -> np.ndarray:
        """Every document's length of ``field`` as whoosh's scorer reads it (1 when absent)."""
        lengths = self._lengths.get(field)
        if lengths is None:
            reader = self._searcher().reader()
            lengths = np.fromiter(
                (
                    reader.doc_field_length(docnum, field, 1) or 1
                    for docnum in range(self.doc_count)
                ),
                dtype=np.float64,
                count=self.doc_count,
            )
            self._lengths[field] = lengths
        return lengths
