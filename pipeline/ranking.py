"""Ranking: whoosh's BM25F scores, precomputed per term and summed over numpy arrays.

Whoosh scores document by document in pure Python, several method calls per posting; a
common word in a corpus of short tips has thousands of postings, so one search cost
milliseconds of CPU, and that decided the API's throughput. But a term's BM25F share of a
document's score depends on the term and the document only, never on the rest of the query.
So the index stage computes every term's shares once, from whoosh's own postings, field
lengths, statistics and formula (:func:`whoosh.scoring.bm25`), and stores them beside the
whoosh index (:data:`IMPACTS_DIR`); the server maps them read-only (shared by its worker
processes) and a query is a sum of a few array slices and a partial sort. Scores and order
equal whoosh's own search (``tests/pipeline/test_ranking.py`` compares them), ties broken by
document number as whoosh does.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.scoring import BM25F, bm25
from whoosh.searching import Searcher

from pipeline.index_files import save_missing as save_missing_file

#: The precomputed scores, a directory inside each language's index directory.
IMPACTS_DIR = "impacts"
_TERMS, _OFFSETS, _IDS, _SCORES = "terms.json", "offsets.npy", "ids.npy", "scores.npy"

#: A word of a query as one analyzer made it, and the fields that analyzer indexed (a tip's
#: title and text are analyzed alike, so one word is looked up in both).
QueryTerm = tuple[tuple[str, ...], str]

_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_SCORES = np.zeros(0, dtype=np.float64)


class DamagedImpacts(Exception):
    """The saved scores of an index are missing parts or do not fit together."""


@dataclass(frozen=True)
class ImpactTable:
    """Every (field, term) of an index with the documents that hold it and its BM25F score in
    each: for the term in ``slots[(field, term)] == i``, ``ids[offsets[i]:offsets[i + 1]]``
    and the same slice of ``scores``."""

    slots: dict[tuple[str, str], int]
    offsets: np.ndarray  # int64, one more than there are terms
    ids: np.ndarray  # int32, ascending within a term
    scores: np.ndarray  # float64

    def get(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        slot = self.slots.get((field, text))
        if slot is None:
            return _NO_IDS, _NO_SCORES
        start, end = self.offsets[slot], self.offsets[slot + 1]
        return self.ids[start:end], self.scores[start:end]

    def term_frequencies(self, fields: Sequence[str] = ("title", "text")) -> dict[str, int]:
        """The terms of ``fields`` (a tip's title and text by default), each with the most
        tips one of the fields holds it in."""
        frequencies: dict[str, int] = {}
        for (field, term), slot in self.slots.items():
            if field in fields:
                count = int(self.offsets[slot + 1] - self.offsets[slot])
                frequencies[term] = max(frequencies.get(term, 0), count)
        return frequencies

    @classmethod
    def compute(cls, searcher: Searcher) -> "ImpactTable":
        """Every scored field's terms, scored as whoosh's BM25F scores them in ``searcher``."""
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError(f"ranking implements BM25F, the index uses {weighting!r}")
        reader = searcher.reader()
        doc_count = reader.doc_count_all()
        slots: dict[tuple[str, str], int] = {}
        counts: list[int] = []
        id_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        for field in sorted(reader.indexed_field_names()):
            if not searcher.schema[field].scorable:
                continue  # keyword fields (id, source_lang …) are filters, never scored
            lengths = np.array(
                [reader.doc_field_length(docnum, field, 1) or 1 for docnum in range(doc_count)],
                dtype=np.float64,
            )
            for raw in reader.lexicon(field):
                text = raw.decode("utf-8")
                ids, weights = _postings(reader, field, text)
                # whoosh's own scorer for this term holds the statistics its formula takes
                scorer = weighting.scorer(searcher, field, text)
                scores = bm25(scorer.idf, weights, lengths[ids], scorer.avgfl, scorer.B, scorer.K1)
                slots[(field, text)] = len(counts)
                counts.append(ids.size)
                id_parts.append(ids)
                score_parts.append(np.asarray(scores, dtype=np.float64))
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(
            slots,
            offsets,
            np.concatenate(id_parts) if id_parts else _NO_IDS,
            np.concatenate(score_parts) if score_parts else _NO_SCORES,
        )

    def save(self, directory: Path) -> None:
        directory.mkdir()
        terms: list[tuple[str, str] | None] = [None] * len(self.slots)
        for key, slot in self.slots.items():
            terms[slot] = key
        (directory / _TERMS).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        np.save(directory / _OFFSETS, self.offsets)
        np.save(directory / _IDS, self.ids)
        np.save(directory / _SCORES, self.scores)

    @classmethod
    def load(cls, directory: Path, doc_count: int) -> "ImpactTable | None":
        """The table saved in ``directory``, memory-mapped; None when there is none.

        Raises :class:`DamagedImpacts` when the files are there but do not fit together or
        name documents the index (of ``doc_count`` documents) does not have.
        """
        if not directory.is_dir():
            return None
        try:
            terms = json.loads((directory / _TERMS).read_text(encoding="utf-8"))
            offsets = np.load(directory / _OFFSETS)
            # Plain array views of the mapped files: slicing a np.memmap costs several times
            # more.
            ids = np.asarray(np.load(directory / _IDS, mmap_mode="r"))
            scores = np.asarray(np.load(directory / _SCORES, mmap_mode="r"))
            slots = {(field, text): slot for slot, (field, text) in enumerate(terms)}
        except (OSError, ValueError, TypeError) as exc:
            raise DamagedImpacts(f"{directory}: {exc}") from exc
        if not (
            offsets.ndim == ids.ndim == scores.ndim == 1
            and len(slots) == len(terms) == offsets.size - 1
            and offsets[0] == 0
            and bool(np.all(np.diff(offsets) >= 0))
            and offsets[-1] == ids.size == scores.size
            and (ids.size == 0 or 0 <= int(ids.min()) <= int(ids.max()) < doc_count)
        ):
            raise DamagedImpacts(f"{directory}: the saved ranking scores do not fit together")
        return cls(slots, offsets, ids, scores)


def save_missing(index_dir: Path) -> bool:
    """Compute and save the scores of an index built before they were saved (a rollback
    target), so that a server switching to it does not compute them while it serves."""
    return save_missing_file(
        index_dir,
        IMPACTS_DIR,
        lambda searcher, scratch: ImpactTable.compute(searcher).save(scratch),
    )


def _postings(reader: object, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    postings = reader.postings(field, text)  # type: ignore[attr-defined]
    ids, weights = [], []
    while postings.is_active():
        ids.append(postings.id())
        weights.append(postings.weight())
        postings.next()
    return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float64)


@dataclass(frozen=True)
class Ranked:
    """The top documents (numbers and scores, best first) and how many matched in all."""

    docnums: list[int]
    scores: list[float]
    total: int


class Ranker:
    """Ranks one whoosh index's documents for plain OR queries."""

    def __init__(self, searcher: Callable[[], Searcher], table: ImpactTable | None = None) -> None:
        self._searcher = searcher  # the calling thread's searcher (whoosh's are not shared)
        self.table = table if table is not None else ImpactTable.compute(searcher())
        self.doc_count = searcher().doc_count_all()
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    @classmethod
    def open(cls, searcher: Callable[[], Searcher], index_dir: Path) -> "Ranker":
        """The ranker for an index, from the scores saved beside it (computed now for an
        index built before they were saved)."""
        table = ImpactTable.load(index_dir / IMPACTS_DIR, searcher().doc_count_all())
        return cls(searcher, table)

    def rank(
        self, terms: Sequence[QueryTerm], limit: int, within: tuple[str, str] | None = None
    ) -> Ranked:
        """The ``limit`` best documents matching any of ``terms`` in any of their fields: whoosh's
        plain OR of every (field, word) pair, each scored once.

        ``within``, a (field, term) pair, keeps only the documents that have that term.
        """
        totals = np.zeros(self.doc_count, dtype=np.float64)
        for fields, text in terms:
            for field in fields:
                ids, scores = self.table.get(field, text)
                totals[ids] += scores  # a term's ids are distinct: plain fancy indexing adds
        if within is not None:
            totals[~self.mask(*within)] = 0.0
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

    def mask(self, field: str, text: str) -> np.ndarray:
        """Which documents hold ``text`` in the keyword field ``field`` (a few values only)."""
        mask = self._masks.get((field, text))
        if mask is None:
            mask = np.zeros(self.doc_count, dtype=bool)
            reader = self._searcher().reader()
            if (field, text) in reader:
                mask[list(reader.postings(field, text).all_ids())] = True
            self._masks[(field, text)] = mask
        return mask
