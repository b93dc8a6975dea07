"""Typo candidates from a deletion index, written at ingest and mapped read-only.

Finding the terms a typo or two away from a word by computing its distance to every term
that shares its first letter costs a scan of the vocabulary per word: 0.3–1 ms for a
vocabulary of 50,000 terms (``bench/typo_candidates.py``), in up to nine vocabularies per
misspelt word. Symmetric delete (as in Wolf Garbe's SymSpell) turns the scan into lookups:
two strings within ``k`` edits (insertions, deletions, substitutions, adjacent transpositions)
become one string when at most ``k`` letters are deleted from each. So the index stage keeps,
for every term, the strings made by deleting up to :data:`MAX_BUDGET` of its letters after
the first (a typo on the first letter is looked up apart, :meth:`DeletionIndex.with_tail`),
and a query word's own deletions find the terms that may be near it;
:mod:`pipeline.matching` then computes the distance of those few. The candidates hold every
term the scan finds (``tests/pipeline/test_typo_index.py`` compares them).

Python dicts of the deletions took 370 MiB for 50,000 words. Here a deletion is a 32-bit key
(the top half of the string's polynomial hash, computed for all of a word's deletions at once
with numpy rather than by making each string) and the number of its term, in sorted arrays
with a table of where each bucket of keys starts: 8–9 bytes a deletion, about 20 MiB for
50,000 words, which the server maps read-only, so its workers share one copy. Keys may
collide; that only adds a candidate the distance check drops.

Files, in :data:`TYPO_DIR` inside each index directory, per vocabulary (``stems``, the index
terms of the tips' titles and texts; ``words``, the words as written, see
:mod:`pipeline.surface_forms`): ``<name>.keys.npy``, ``<name>.terms.npy`` (the term of each
key, numbered in sorted order), ``<name>.buckets.npy`` (all uint32), and
``vocabularies.json``, with each vocabulary's size and the SHA-256 of its sorted terms, which
must be those of the index it is opened with.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

TYPO_DIR = "typos"
#: The vocabularies an index keeps deletion indexes of: its terms (stemmed, as the index
#: holds them) and the words as the tips write them.
STEMS, WORDS = "stems", "words"
#: The most typos a word may hold (:func:`pipeline.matching.typo_budget`).
MAX_BUDGET = 2
_META = "vocabularies.json"
#: Keys a bucket holds on average: a lookup compares a word's keys with every key in theirs.
_PER_BUCKET = 4
#: Chinese characters (as :func:`pipeline.matching.typo_budget` tells them).
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NO_KEYS = np.zeros(0, dtype=np.uint32)


class DamagedTypoIndex(Exception):
    """The typo files of an index are missing parts or do not fit its vocabularies."""


#: The polynomial hash's base: odd, so that it is invertible modulo 2**64.
_BASE = 0x9E3779B97F4A7C15
_MASK = 2**64 - 1
_MIX = 0xBF58476D1CE4E5B9  # odd: multiplying by it modulo 2**64 loses nothing
#: Stands for a term's first letter in its tail's key: above every code point, so a tail's
#: string is no deletion's (their keys may still collide, as any two keys may).
_TAIL = 0x110000
#: The longest word looked up in the index; a longer one is scanned (its deletions grow with
#: the square of its length, and a scan drops terms of another length at once). A term is
#: given deletions only up to this length plus the budget: a longer one is near no shorter word.
LONGEST_WORD = 32


def indexed(word: str, budget: int) -> bool:
    """Whether the index answers for ``word`` with ``budget`` typos (else: a scan)."""
    return 0 < budget <= MAX_BUDGET and len(word) <= LONGEST_WORD and not HAN.match(word)


@lru_cache(maxsize=64)
def _powers(length: int) -> np.ndarray:
    """``_BASE ** k`` modulo 2**64 for k below ``length``."""
    powers = [1] * length
    for k in range(1, length):
        powers[k] = powers[k - 1] * _BASE & _MASK
    return np.array(powers, dtype=np.uint64)


@lru_cache(maxsize=64)
def _pairs(length: int) -> tuple[np.ndarray, np.ndarray]:
    """Every two positions i < j of a word of ``length`` letters after its first."""
    i, j = np.triu_indices(length, k=1)
    keep = i >= 1
    return i[keep].astype(np.intp), j[keep].astype(np.intp)


def deletion_keys(word: str, budget: int) -> np.ndarray:
    """The keys of ``word`` with up to ``budget`` of its letters after the first deleted
    (itself included; a key may repeat): the top 32 bits of each string's polynomial hash
    modulo 2**64, ``sum(code[m] * _BASE ** (len - 1 - m))``, mixed; computed for all of them
    at once from the word's prefix and suffix hashes rather than by making each string."""
    codes = [ord(letter) for letter in word]
    n = len(codes)
    prefix = [0] * (n + 1)  # prefix[k]: the hash of the first k letters
    for k, code in enumerate(codes):
        prefix[k + 1] = (prefix[k] * _BASE + code) & _MASK
    suffix = [0] * (n + 1)  # suffix[k]: the hash of the letters from k on
    power = 1
    for k in range(n - 1, -1, -1):
        suffix[k] = (suffix[k + 1] + codes[k] * power) & _MASK
        power = power * _BASE & _MASK
    powers = _powers(n + 1)
    pre = np.array(prefix, dtype=np.uint64)
    suf = np.array(suffix, dtype=np.uint64)
    parts = [pre[n:]]
    if budget >= 1 and n > 1:
        i = np.arange(1, n)  # one letter deleted, at i
        parts.append(pre[i] * powers[n - 1 - i] + suf[i + 1])
    if budget >= 2 and n > 2:
        i, j = _pairs(n)  # two deleted, at i < j; the letters between them hash to `middle`
        middle = pre[j] - pre[i + 1] * powers[j - i - 1]
        parts.append(pre[i] * powers[n - 2 - i] + middle * powers[n - 1 - j] + suf[j + 1])
    hashes = np.concatenate(parts)
    # mixed, so that short strings (whose hashes are small numbers) differ in the top bits too
    mixed = (hashes ^ (hashes >> np.uint64(29))) * np.uint64(_MIX)
    return (mixed >> np.uint64(32)).astype(np.uint32)


def tail_key(tail: str) -> int:
    """The key of the terms that are ``tail`` after their first letter."""
    value = _TAIL
    for letter in tail:
        value = (value * _BASE + ord(letter)) & _MASK
    return ((value ^ value >> 29) * _MIX & _MASK) >> 32


def digest(terms: Sequence[str]) -> str:
    """What identifies a vocabulary: its terms, sorted (they hold no line breaks)."""
    return hashlib.sha256("\n".join(terms).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DeletionIndex:
    """For one vocabulary: the keys of its terms' deletions and tails, ascending, with the
    number of the term (in sorted order) of each, and where each bucket of keys starts (a
    bucket: the keys with the same top bits), so that a lookup is two reads, not a binary
    search through megabytes."""

    keys: np.ndarray  # uint32, ascending
    terms: np.ndarray  # uint32
    buckets: np.ndarray  # uint32: bucket b is keys[buckets[b]:buckets[b + 1]]
    count: int  # the vocabulary's terms

    @classmethod
    def build(cls, terms: Sequence[str]) -> "DeletionIndex":
        """The index of ``terms`` (sorted, distinct)."""
        keys: list[np.ndarray] = []
        numbers: list[np.ndarray] = []
        for number, term in enumerate(terms):
            # Words starting with a Chinese character, like those longer than LONGEST_WORD,
            # are scanned (pipeline.matching), so such terms need only their tails' keys.
            deleted = not HAN.match(term) and len(term) <= LONGEST_WORD + MAX_BUDGET
            made = np.unique(
                np.append(
                    deletion_keys(term, MAX_BUDGET) if deleted else _NO_KEYS,
                    np.uint32(tail_key(term[1:])),
                )
            )
            keys.append(made)
            numbers.append(np.full(made.size, number, dtype=np.uint32))
        key_array = np.concatenate(keys) if keys else _NO_KEYS
        order = np.argsort(key_array, kind="stable")
        key_array = key_array[order]
        bits = max(4, min(24, int(key_array.size // _PER_BUCKET).bit_length()))
        starts = np.arange(2**bits + 1, dtype=np.uint64) << np.uint64(32 - bits)
        buckets = np.searchsorted(key_array, starts, side="left").astype(np.uint32)
        number_array = np.concatenate(numbers) if numbers else _NO_KEYS
        return cls(key_array, number_array[order], buckets, len(terms))

    def __len__(self) -> int:
        return int(self.keys.size)

    def near(self, word: str, budget: int) -> np.ndarray:
        """The numbers of the terms that start with ``word``'s first letter and may be within
        ``budget`` typos of it (a superset: check each one's distance), ascending."""
        if not indexed(word, budget):
            raise ValueError(
                f"{word[:40]!r} with a budget of {budget}: the index holds words of up to "
                f"{LONGEST_WORD} letters, not starting with a Chinese one, and budgets of 1 "
                f"to {MAX_BUDGET}"
            )
        return self._lookup(deletion_keys(word, budget))

    def with_tail(self, tail: str) -> np.ndarray:
        """The numbers of the terms that may be ``tail`` after their first letter (a
        superset: compare each one's tail)."""
        # One key: read its bucket in Python, cheaper than the dozen array steps of _lookup.
        key = tail_key(tail)
        bucket = key >> (32 - self._bits)
        start, end = int(self.buckets[bucket]), int(self.buckets[bucket + 1])
        keys, terms = self.keys[start:end].tolist(), self.terms[start:end].tolist()
        found = {number for k, number in zip(keys, terms, strict=True) if k == key}
        return np.array(sorted(n for n in found if n < self.count), dtype=np.uint32)

    @property
    def _bits(self) -> int:
        """How many top bits of a key name its bucket."""
        return int(self.buckets.size - 1).bit_length() - 1

    def _lookup(self, wanted: np.ndarray) -> np.ndarray:
        bucket = (wanted >> np.uint32(32 - self._bits)).astype(np.intp)
        starts = self.buckets[bucket].astype(np.intp)
        counts = self.buckets[bucket + 1].astype(np.intp) - starts
        total = int(counts.sum())
        if total == 0:
            return _NO_KEYS
        # every position of the buckets looked in, in one array: each bucket's start repeated
        # over its keys, plus the place within it; then the keys that are the ones wanted
        ends = np.cumsum(counts)
        positions = np.repeat(starts - ends + counts, counts) + np.arange(total)
        found = self.terms[positions[self.keys[positions] == np.repeat(wanted, counts)]]
        return np.unique(found[found < self.count])


_PARTS = ("keys", "terms", "buckets")


def write_typo_indexes(directory: Path, vocabularies: Mapping[str, Sequence[str]]) -> None:
    """Save the deletion index of each named vocabulary (its terms sorted and distinct)."""
    directory.mkdir()
    meta = {}
    for name, terms in vocabularies.items():
        index = DeletionIndex.build(terms)
        for part in _PARTS:
            np.save(directory / f"{name}.{part}.npy", getattr(index, part))
        meta[name] = {"terms": len(terms), "sha256": digest(terms)}
    (directory / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")


def open_typo_indexes(
    directory: Path, vocabularies: Mapping[str, Sequence[str]]
) -> dict[str, DeletionIndex] | None:
    """The saved deletion index of each named vocabulary (its terms, sorted), mapped; None
    when the index was built before they were saved. Raises :class:`DamagedTypoIndex` when
    the files are there but do not fit together or were made of other terms.

    The keys are not read through here: that would bring megabytes of a large vocabulary's
    index into every worker's memory at once. A term number out of range is dropped where it
    is looked up (:meth:`DeletionIndex.near`)."""
    if not directory.is_dir():
        return None
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        opened = {}
        for name, terms in vocabularies.items():
            about = meta.get(name)
            if not isinstance(about, dict):
                raise DamagedTypoIndex(f"{directory}: no index of the {name}")
            if about.get("terms") != len(terms) or about.get("sha256") != digest(terms):
                raise DamagedTypoIndex(f"{directory}: made of other {name} than the index's")
            keys, numbers, buckets = (
                np.asarray(np.load(directory / f"{name}.{part}.npy", mmap_mode="r"))
                for part in _PARTS
            )
            bits = buckets.size.bit_length() - 1
            if not (
                keys.dtype == numbers.dtype == buckets.dtype == np.uint32
                and keys.ndim == numbers.ndim == buckets.ndim == 1
                and keys.size == numbers.size
                and buckets.size == 2**bits + 1
                and buckets[0] == 0
                and buckets[-1] == keys.size
                and bool(np.all(buckets[1:] >= buckets[:-1]))
            ):
                raise DamagedTypoIndex(f"{directory}: the {name}' files do not fit together")
            opened[name] = DeletionIndex(keys, numbers, buckets, len(terms))
    except (OSError, ValueError, AttributeError) as exc:
        raise DamagedTypoIndex(f"{directory}: {exc}") from exc
    return opened
