"""jieba's word segmentation over a compact copy of its dictionary.

jieba keeps its dictionary as a Python dict of every word and every prefix of one (half a
million strings): 62 MiB in each process that cuts Chinese, a quarter of a search worker. The
same words and frequencies fit in a marisa trie (1.2 MB) and an array, and a trie gives the
words starting at a position in one call, which is what jieba's word graph asks of its dict.
:class:`ChineseSegmenter` is jieba's own tokenizer with only those two lookups replaced, so it
cuts exactly as jieba does (tests/pipeline/test_chinese_segmenter.py compares them).

The trie is compiled from jieba's dictionary once per machine, like jieba's own cache, into
the temporary directory (:func:`compiled_dictionary`), and read from there by every process.
"""

import array
import hashlib
import io
import logging
import os
import struct
import tempfile
from collections.abc import Iterator
from math import log
from pathlib import Path
from typing import IO, Any

import jieba
import marisa_trie

_log = logging.getLogger(__name__)

#: Bumped when the cache file's layout changes, so an older file is not read as a newer one.
_LAYOUT = 1
#: The file's head: the layout, the trie's length in bytes, jieba's total frequency.
_HEAD = struct.Struct("<QQQ")


class CompiledDictionary:
    """jieba's words in a trie, with each word's frequency by the trie's key id."""

    def __init__(self, trie: marisa_trie.Trie, frequencies: "array.array[int]", total: int) -> None:
        self.trie = trie
        self.frequencies = frequencies
        self.total = total
        self.longest = max((len(word) for word in trie.iterkeys()), default=1)

    def get(self, word: str, default: int | None = None) -> int | None:
        """A word's frequency (jieba's ``FREQ.get``); None for a word it does not hold."""
        key = self.trie.get(word)
        return default if key is None else self.frequencies[key]

    def to_bytes(self) -> bytes:
        trie = bytes(self.trie.tobytes())
        return _HEAD.pack(_LAYOUT, len(trie), self.total) + trie + self.frequencies.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "CompiledDictionary":
        """Raises ValueError when ``data`` is not a whole file of this layout."""
        if len(data) < _HEAD.size:
            raise ValueError("too short")
        layout, trie_size, total = _HEAD.unpack_from(data)
        if layout != _LAYOUT:
            raise ValueError(f"layout {layout}, not {_LAYOUT}")
        try:
            trie = marisa_trie.Trie().frombytes(data[_HEAD.size : _HEAD.size + trie_size])
        except RuntimeError as exc:  # marisa's C++ errors: MARISA_FORMAT_ERROR and the like
            raise ValueError(f"its trie: {exc}") from exc
        frequencies = array.array("q")
        frequencies.frombytes(data[_HEAD.size + trie_size :])
        if len(frequencies) != len(trie):
            raise ValueError(f"{len(frequencies)} frequencies for {len(trie)} words")
        return cls(trie, frequencies, total)

    @classmethod
    def compile(cls, source: IO[bytes]) -> "CompiledDictionary":
        """From a jieba dictionary file ("word frequency [tag]" lines)."""
        entries = list(_entries(source))
        trie = marisa_trie.Trie(word for word, _ in entries)
        frequencies = array.array("q", bytes(8 * len(trie)))
        total = 0
        for word, frequency in entries:  # as jieba: a repeated word's last frequency counts
            frequencies[trie[word]] = frequency
            total += frequency
        return cls(trie, frequencies, total)


def _entries(source: IO[bytes]) -> Iterator[tuple[str, int]]:
    with source:
        for number, line in enumerate(source, 1):
            try:
                word, frequency = line.strip().decode("utf-8").split(" ")[:2]
                yield word, int(frequency)
            except ValueError as exc:
                raise ValueError(f"jieba's dictionary, line {number}: {line!r}") from exc


def _dictionary_source() -> bytes:
    with jieba.Tokenizer().get_dict_file() as source:
        return bytes(source.read())


def cache_path(source: bytes, directory: Path | None = None) -> Path:
    """Where the compiled form of the dictionary ``source`` is kept: named by its content."""
    digest = hashlib.blake2b(source, digest_size=12).hexdigest()
    return (directory or Path(tempfile.gettempdir())) / f"csguide-jieba-{_LAYOUT}-{digest}.bin"


def compiled_dictionary(directory: Path | None = None) -> CompiledDictionary:
    """jieba's dictionary, compiled: read from the cache file, else compiled (about a second)
    and written there for the next process. An unreadable cache file is compiled anew; one
    that cannot be written leaves this process with the compiled copy it made."""
    source = _dictionary_source()
    path = cache_path(source, directory)
    try:
        return CompiledDictionary.from_bytes(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        _log.warning("compiling jieba's dictionary again: %s is unreadable (%s)", path, exc)
    compiled = CompiledDictionary.compile(io.BytesIO(source))
    try:
        _write_whole(path, compiled.to_bytes())
    except OSError as exc:
        _log.warning("cannot keep jieba's compiled dictionary in %s: %s", path.parent, exc)
    return compiled


def _write_whole(path: Path, data: bytes) -> None:
    """Written under a temporary name, then renamed: a process reading ``path`` meanwhile
    sees no file or the whole of one, never a part."""
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


class ChineseSegmenter(jieba.Tokenizer):
    """jieba's tokenizer (``cut``, ``tokenize`` and their modes) over a
    :class:`CompiledDictionary`. It does not take words added at run time (``add_word``,
    user dictionaries): csguide adds none, and every process must cut alike."""

    initialized: bool

    def __init__(self, cache_dir: Path | None = None) -> None:
        super().__init__()
        self._cache_dir = cache_dir
        self._words: CompiledDictionary | None = None

    def initialize(self, dictionary: Any = None) -> None:
        with self.lock:
            if self.initialized:
                return
            self._words = compiled_dictionary(self._cache_dir)
            # jieba's own methods read these two: FREQ.get(word), and the total for log odds
            self.FREQ = self._words
            self.total = self._words.total
            self.initialized = True

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        """Per position, where the dictionary's words starting there end (jieba's word
        graph): one trie walk per position instead of a dict lookup per prefix."""
        self.check_initialized()
        assert self._words is not None
        prefixes, longest = self._words.trie.prefixes, self._words.longest
        return {
            start: [start + len(word) - 1 for word in prefixes(sentence[start : start + longest])]
            or [start]
            for start in range(len(sentence))
        }

    def calc(
        self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]
    ) -> None:
        """jieba's best route through the word graph, by the same sums in the same order."""
        assert self._words is not None
        key_of, frequencies = self._words.trie.get, self._words.frequencies
        size = len(sentence)
        route[size] = (0, 0)
        log_total = log(self.total)
        for start in range(size - 1, -1, -1):
            best: tuple[float, int] | None = None
            for end in DAG[start]:
                key = key_of(sentence[start : end + 1])
                frequency = (frequencies[key] if key is not None else 0) or 1
                candidate = (log(frequency) - log_total + route[end + 1][0], end)
                if best is None or candidate > best:  # the first best, as max() keeps
                    best = candidate
            assert best is not None
            route[start] = best


#: The one segmenter every analyzer and query uses (its dictionary is loaded on first use).
SEGMENTER = ChineseSegmenter()
