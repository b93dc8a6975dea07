"""jieba's word segmentation over a compact copy of its dictionary.

jieba keeps its dictionary as a Python dict of every word and every prefix of one (half a
million strings): 62 MiB in each process that cuts Chinese, a quarter of a search worker. The
same words and frequencies fit in a marisa trie (1.2 MB) and an array, and a trie gives the
words starting at a position in one call, which is what jieba's word graph asks of its dict.
:class:`ChineseSegmenter` is jieba's own tokenizer with only those two lookups replaced, so it
cuts exactly as jieba does (tests/pipeline/test_chinese_segmenter.py compares them).

The trie is compiled from jieba's dictionary once per user, like jieba's own cache, into the
user's own directory in the temporary directory (``csguide-<uid>/``, :func:`compiled_dictionary`),
and read from there by every process, its hash checked first.
"""

import array
import getpass
import hashlib
import io
import logging
import os
import stat
import struct
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from math import log
from pathlib import Path
from typing import IO, Any

import marisa_trie


@contextmanager
def _without_pkg_resources() -> Iterator[None]:
    """Imports made as if setuptools' pkg_resources were not installed. jieba 0.42 imports it
    only to open its own data files, and opens them by path when it cannot; importing it costs
    each process 5 MiB and about 90 ms (it scans every installed distribution), and setuptools
    has deprecated it. For the import's few milliseconds no thread of the process can import
    pkg_resources: this module is imported at start-up (by the app and the command line),
    before any other thread runs."""
    if "pkg_resources" in sys.modules:  # already paid for by something else: nothing to save
        yield
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        yield
    finally:
        del sys.modules["pkg_resources"]


with _without_pkg_resources():
    import jieba

_log = logging.getLogger(__name__)

#: Bumped when the cache file's layout changes, so an older file is not read as a newer one.
_LAYOUT = 3
#: The file's head: the layout, the trie's length in bytes, jieba's total frequency, the
#: longest word's length, and a hash of what follows (the trie, then the frequencies): marisa
#: reads damaged bytes without complaint, or crashes the process on them.
_HEAD = struct.Struct("<QQQQ16s")
#: Frequencies as unsigned 32-bit numbers: jieba's highest is 883,634, and its 349,046 words take
#: 1.4 MB a process where 64-bit numbers took 2.8.
_FREQUENCY = "I"


class CompiledDictionary:
    """jieba's words in a trie, with each word's frequency by the trie's key id."""

    def __init__(
        self,
        trie: marisa_trie.Trie,
        frequencies: "array.array[int]",
        total: int,
        longest: int | None = None,
    ) -> None:
        self.trie = trie
        self.frequencies = frequencies
        self.total = total
        if longest is None:
            longest = max((len(word) for word in trie.iterkeys()), default=1)
        self.longest = longest

    def get(self, word: str, default: int | None = None) -> int | None:
        """A word's frequency (jieba's ``FREQ.get``); ``default`` for a string that is not a
        word (jieba gives 0 for the beginning of a word: both count as no word)."""
        key = self.trie.get(word)
        return default if key is None else self.frequencies[key]

    def to_bytes(self) -> bytes:
        trie = bytes(self.trie.tobytes())
        body = trie + self.frequencies.tobytes()
        digest = hashlib.blake2b(body, digest_size=16).digest()
        return _HEAD.pack(_LAYOUT, len(trie), self.total, self.longest, digest) + body

    @classmethod
    def from_bytes(cls, data: bytes) -> "CompiledDictionary":
        """Raises ValueError when ``data`` is not a whole, undamaged file of this layout."""
        if len(data) < _HEAD.size:
            raise ValueError("too short")
        layout, trie_size, total, longest, digest = _HEAD.unpack_from(data)
        if layout != _LAYOUT:
            raise ValueError(f"layout {layout}, not {_LAYOUT}")
        body = data[_HEAD.size :]
        if hashlib.blake2b(body, digest_size=16).digest() != digest:
            raise ValueError("damaged: its contents do not match their hash")
        try:
            trie = marisa_trie.Trie().frombytes(body[:trie_size])
        except RuntimeError as exc:  # marisa's C++ errors: MARISA_FORMAT_ERROR and the like
            raise ValueError(f"its trie: {exc}") from exc
        frequencies = array.array(_FREQUENCY)
        frequencies.frombytes(body[trie_size:])
        if len(frequencies) != len(trie):
            raise ValueError(f"{len(frequencies)} frequencies for {len(trie)} words")
        return cls(trie, frequencies, total, longest)

    @classmethod
    def compile(cls, source: IO[bytes]) -> "CompiledDictionary":
        """From a jieba dictionary file ("word frequency [tag]" lines)."""
        entries = list(_entries(source))
        trie = marisa_trie.Trie(word for word, _ in entries)
        frequencies = array.array(_FREQUENCY, bytes(array.array(_FREQUENCY).itemsize * len(trie)))
        total = 0
        for word, frequency in entries:  # as jieba: a repeated word's last frequency counts
            try:
                frequencies[trie[word]] = frequency
            except OverflowError as exc:
                raise ValueError(f"jieba's dictionary: {word!r} has frequency {frequency}") from exc
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


def default_cache_dir() -> Path:
    """This user's own directory in the temporary directory: a file there is trusted, so
    it must be one no other user can write to or plant."""
    owner = os.geteuid() if hasattr(os, "geteuid") else getpass.getuser()
    return Path(tempfile.gettempdir()) / f"csguide-{owner}"


def cache_path(source: bytes, directory: Path) -> Path:
    """Where the compiled form of the dictionary ``source`` is kept: named by its content."""
    digest = hashlib.blake2b(source, digest_size=12).hexdigest()
    return directory / f"jieba-{_LAYOUT}-{digest}.bin"


def compiled_dictionary(directory: Path | None = None) -> CompiledDictionary:
    """jieba's dictionary, compiled: read from the cache file, else compiled (about a second)
    and written there for the next process. A damaged or unreadable cache file is compiled
    anew; a cache directory that cannot be used (not this user's own, open to others'
    writes, unwritable) leaves this process with the compiled copy it made."""
    source = _dictionary_source()
    directory = directory or default_cache_dir()
    usable = _private_directory(directory)
    path = cache_path(source, directory)
    if usable:
        try:
            return CompiledDictionary.from_bytes(_read_regular_file(path))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            _log.warning("compiling jieba's dictionary again: %s is unreadable (%s)", path, exc)
    compiled = CompiledDictionary.compile(io.BytesIO(source))
    if usable:
        try:
            _write_whole(path, compiled.to_bytes())
        except OSError as exc:
            _log.warning("cannot keep jieba's compiled dictionary in %s: %s", directory, exc)
        else:
            _remove_older(path)
    return compiled


def _remove_older(kept: Path) -> None:
    """Remove the compiled dictionaries of other jieba versions or layouts beside ``kept``
    (a few MB each, left by earlier installs). One that another install still uses is
    compiled again by it, in about a second."""
    for other in kept.parent.glob("jieba-*.bin"):
        if other.name != kept.name:
            try:
                other.unlink()
            except OSError as exc:  # gone meanwhile, or not ours to remove
                _log.debug("left %s: %s", other, exc)


def _private_directory(directory: Path) -> bool:
    """Whether ``directory`` is this user's own (made if missing), a real directory that no
    one else may write to; warns when it is not."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = directory.lstat()
    except OSError as exc:
        _log.warning("cannot keep jieba's compiled dictionary in %s: %s", directory, exc)
        return False
    problem = None
    if not stat.S_ISDIR(found.st_mode):
        problem = "not a directory"
    elif hasattr(os, "geteuid") and found.st_uid != os.geteuid():
        problem = "owned by another user"
    elif found.st_mode & 0o022:
        problem = "others may write to it"
    if problem:
        _log.warning("cannot keep jieba's compiled dictionary in %s: %s", directory, problem)
        return False
    return True


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link, a pipe or a device, which
    could hang or feed a reader)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    handle = os.open(path, flags)
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise ValueError("not a regular file")
        return file.read()


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
