"""Words as the tips write them: which tips hold a query word exactly as it was typed.

The analyzers stem, so "customers" and "customer", "клиентов" and "клиентам" are one index
term, and BM25F cannot tell a tip that says what the agent typed from one that says it in
another form. Ranking puts the first above the second (Zendesk Guide's "an exact match beats
a stemmed one"), so the index stage keeps, per language, every word of the tips' titles and
texts as :func:`pipeline.matching.query_words` cuts a query and :func:`surface_form` folds it
(lowercased; Latvian diacritics folded as its index folds them, so "apkalposana" is exact for
"apkalpošana"), with the tips that hold it. Chinese has no stems; it has no table.

Files, in :data:`SURFACE_DIR` inside the index directory: ``words.json`` (the words, sorted),
``offsets.npy`` (int64) and ``ids.npy`` (int32, the tips of word ``i`` ascending in
``ids[offsets[i]:offsets[i + 1]]``). The server maps the arrays read-only.
"""

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

SURFACE_DIR = "surface"
_WORDS, _OFFSETS, _IDS = "words.json", "offsets.npy", "ids.npy"
_NONE = np.zeros(0, dtype=np.int32)


class DamagedSurfaceTable(Exception):
    """The surface-form files of an index are missing parts or do not fit together."""


def write_surface_table(directory: Path, documents: Iterable[Iterable[str]]) -> list[str]:
    """Save which documents (in document order) hold each word; returns the words, sorted."""
    holders: dict[str, list[int]] = {}
    for docnum, words in enumerate(documents):
        for word in set(words):
            holders.setdefault(word, []).append(docnum)
    words = sorted(holders)
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(holders[word]) for word in words], out=offsets[1:])
    ids = (
        np.concatenate([np.array(holders[word], dtype=np.int32) for word in words])
        if words
        else _NONE
    )
    directory.mkdir()
    (directory / _WORDS).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    np.save(directory / _OFFSETS, offsets)
    np.save(directory / _IDS, ids)
    return words


class SurfaceTable:
    """One index's words as written, each with the tips that hold it."""

    def __init__(
        self, slots: dict[str, int], offsets: np.ndarray, ids: np.ndarray, tip_count: int
    ) -> None:
        self._slots = slots
        self._offsets = offsets
        self._ids = ids
        #: the index's tips: every id is below it
        self.tip_count = tip_count

    @classmethod
    def open(cls, directory: Path, doc_count: int) -> "SurfaceTable | None":
        """The table in ``directory``, its ids mapped; None for an index built without one
        (Chinese, or a version built before tables were saved). Raises
        :class:`DamagedSurfaceTable` when the files are there but do not fit the index."""
        if not directory.is_dir():
            return None
        try:
            words = json.loads((directory / _WORDS).read_text(encoding="utf-8"))
            offsets = np.load(directory / _OFFSETS)
            ids = np.asarray(np.load(directory / _IDS, mmap_mode="r"))
        except (OSError, ValueError) as exc:
            raise DamagedSurfaceTable(f"{directory}: {exc}") from exc
        if not (
            isinstance(words, list)
            and offsets.ndim == ids.ndim == 1
            and offsets.size == len(words) + 1
            and offsets[0] == 0
            and bool(np.all(np.diff(offsets) > 0))
            and offsets[-1] == ids.size
            and (ids.size == 0 or 0 <= int(ids.min()) <= int(ids.max()) < doc_count)
        ):
            raise DamagedSurfaceTable(f"{directory}: the saved words do not fit the index")
        return cls({word: slot for slot, word in enumerate(words)}, offsets, ids, doc_count)

    def __len__(self) -> int:
        return len(self._slots)

    def words(self) -> list[str]:
        """Every word, sorted."""
        return sorted(self._slots)

    def frequencies(self) -> dict[str, int]:
        """Every word with the number of tips that hold it."""
        counts = np.diff(self._offsets).tolist()
        return {word: counts[slot] for word, slot in self._slots.items()}

    def tips(self, word: str) -> np.ndarray:
        """The tips (document numbers, ascending) whose title or text holds ``word``."""
        slot = self._slots.get(word)
        if slot is None:
            return _NONE
        return self._ids[self._offsets[slot] : self._offsets[slot + 1]]
