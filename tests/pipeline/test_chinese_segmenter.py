import logging
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import jieba
import pytest

from pipeline.chinese_segmenter import (
    ChineseSegmenter,
    CompiledDictionary,
    cache_path,
    compiled_dictionary,
    default_cache_dir,
)

CONTENT = Path(__file__).resolve().parents[2] / "content" / "zh"
ARTICLES = Path(__file__).resolve().parent / "articles"


@pytest.fixture(scope="module")
def stock() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> ChineseSegmenter:
    segmenter = ChineseSegmenter(tmp_path_factory.mktemp("jieba"))
    segmenter.initialize()
    return segmenter


def _texts(stock: jieba.Tokenizer) -> list[str]:
    """Editors' Chinese (the bundled articles and the test articles, line by line), and
    strings made of the dictionary's words and of their beginnings, the cases where the word
    graph's edges and the route's choice matter most."""
    texts = [
        line
        for directory in (CONTENT, ARTICLES)
        for path in sorted(directory.rglob("*"))
        if path.suffix in (".txt", ".md") and path.is_file()
        for line in path.read_text(encoding="utf-8").splitlines()
        if any("\u4e00" <= char <= "\u9fff" for char in line)
    ]
    assert len(texts) > 20
    words = sorted(word for word, frequency in stock.FREQ.items() if frequency)
    rng = random.Random(7)
    for _ in range(1_500):
        texts.append("".join(rng.choice(words) for _ in range(rng.randint(1, 6))))
        pieces = (rng.choice(words)[: rng.randint(1, 3)] for _ in range(rng.randint(1, 8)))
        texts.append("".join(pieces) + rng.choice(["", "，退款 ok", " 2024年"]))
    texts += ["", "客", "知根知底", "客户服务中心的电话号码", "ａｂｃ客服123"]
    return texts


def test_cuts_exactly_as_jieba(stock: jieba.Tokenizer, compact: ChineseSegmenter) -> None:
    differ = []
    for text in _texts(stock):
        for hmm in (True, False):
            if list(compact.cut(text, HMM=hmm)) != list(stock.cut(text, HMM=hmm)):
                differ.append(("cut", hmm, text))
            for mode in ("default", "search"):
                ours = list(compact.tokenize(text, mode=mode, HMM=hmm))
                if ours != list(stock.tokenize(text, mode=mode, HMM=hmm)):
                    differ.append((mode, hmm, text))
        if list(compact.cut(text, cut_all=True)) != list(stock.cut(text, cut_all=True)):
            differ.append(("all", None, text))
    assert differ == []


def test_the_dictionary_is_jiebas(stock: jieba.Tokenizer, compact: ChineseSegmenter) -> None:
    assert compact.total == stock.total
    words = compact.FREQ
    for word in ("客户", "服务", "知根知底", "的"):
        assert words.get(word) == stock.FREQ[word] > 0
    # a beginning of a word only (jieba keeps it with frequency 0) and a non-word
    assert not words.get("知根知") and not stock.FREQ.get("知根知")
    assert words.get("客户xyz") is None


def test_compiled_once_then_read_from_the_cache(tmp_path: Path) -> None:
    first = compiled_dictionary(tmp_path)
    (cached,) = tmp_path.iterdir()
    stamp = cached.stat().st_mtime_ns
    again = compiled_dictionary(tmp_path)
    assert cached.stat().st_mtime_ns == stamp  # read, not written again
    assert len(again.trie) == len(first.trie) and again.total == first.total
    assert again.frequencies == first.frequencies and again.longest == first.longest == 16
    assert list(tmp_path.iterdir()) == [cached]  # no scratch file left behind


def test_older_compiled_dictionaries_are_removed(tmp_path: Path) -> None:
    """A jieba upgrade or a new layout names a new file; the old ones go when it is written."""
    older = [tmp_path / "jieba-2-1350c17b9acd397bbe254a6f.bin", tmp_path / "jieba-3-0123.bin"]
    for path in older:
        path.write_bytes(b"an earlier install's")
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("not ours")
    compiled_dictionary(tmp_path)
    (kept,) = tmp_path.glob("jieba-*.bin")
    assert kept not in older and unrelated.exists()
    compiled_dictionary(tmp_path)  # read from the file: nothing written, nothing removed
    assert sorted(tmp_path.iterdir()) == sorted([kept, unrelated])


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1 :]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:56] + b"\x00" * (len(data) - 56),  # a trie that is not one
        lambda data: b"",
        # one bit of the trie: marisa may crash the process on such bytes
        lambda data: _flip(data, 796_481),
        # one bit of a frequency: read silently, it would cut words differently
        lambda data: _flip(data, len(data) - 9),
    ],
    ids=["cut short", "zeros", "empty", "trie bit", "frequency bit"],
)
def test_a_damaged_cache_is_compiled_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: object
) -> None:
    compiled_dictionary(tmp_path)
    (cached,) = tmp_path.iterdir()
    good = cached.read_bytes()
    cached.write_bytes(damage(good))  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        words = compiled_dictionary(tmp_path)
    assert "unreadable" in caplog.text and cached.name in caplog.text
    assert words.get("客户") is not None
    assert cached.read_bytes() == good  # and kept again


def test_a_pipe_or_a_link_at_the_cache_path_is_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing but a regular file is read: a named pipe would hang every process."""
    compiled_dictionary(tmp_path)
    (cached,) = tmp_path.iterdir()
    good = cached.read_bytes()
    for plant in (lambda: os.mkfifo(cached), lambda: cached.symlink_to(tmp_path / "x")):
        cached.unlink()
        plant()
        with caplog.at_level(logging.WARNING):
            assert compiled_dictionary(tmp_path).get("客户") is not None
        assert "unreadable" in caplog.text
        caplog.clear()
        assert cached.is_file() and not cached.is_symlink() and cached.read_bytes() == good


def test_a_cache_directory_others_may_write_to_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with caplog.at_level(logging.WARNING):
        assert compiled_dictionary(shared).get("客户") is not None
    assert "others may write to it" in caplog.text
    assert list(shared.iterdir()) == []


def test_the_default_cache_is_this_users_own(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    directory = default_cache_dir()
    assert directory.parent == tmp_path and str(os.geteuid()) in directory.name
    compiled_dictionary()
    assert directory.is_dir() and directory.stat().st_mode & 0o777 == 0o700
    assert len(list(directory.iterdir())) == 1


def test_a_cache_that_cannot_be_written_still_segments(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("")
    impossible = tmp_path / "a-file" / "cache"
    with caplog.at_level(logging.WARNING):
        segmenter = ChineseSegmenter(impossible)
        assert list(segmenter.cut("客户服务")) == ["客户服务"]
    assert "cannot keep jieba's compiled dictionary" in caplog.text


def test_the_cache_is_named_by_the_dictionary(tmp_path: Path) -> None:
    assert cache_path(b"a 1\n", tmp_path) != cache_path(b"a 2\n", tmp_path)
    assert cache_path(b"a 1\n", tmp_path).parent == tmp_path


def test_a_bad_dictionary_line_is_named() -> None:
    import io

    with pytest.raises(ValueError, match="line 2"):
        CompiledDictionary.compile(io.BytesIO("客户 10 n\n服务\n".encode()))
    with pytest.raises(ValueError, match="'服务' has frequency 4294967296"):
        CompiledDictionary.compile(io.BytesIO("客户 10 n\n服务 4294967296 n\n".encode()))


def test_a_search_worker_does_without_pkg_resources(tmp_path: Path) -> None:
    """jieba falls back to opening its data files by path, HMM tables included, so a worker
    never pays pkg_resources' 5 MiB and 90 ms; a process that imported it already keeps it
    (here a stand-in, as setuptools need not be installed)."""
    script = (
        "import sys, api.main\n"
        "from pathlib import Path\nfrom pipeline.chinese_segmenter import ChineseSegmenter\n"
        f"segmenter = ChineseSegmenter(Path({str(tmp_path)!r}))\n"
        "kept = sys.modules.get('pkg_resources')\n"
        "print(getattr(kept, 'stand_in', kept is not None),"
        " '/'.join(segmenter.cut('退款投诉太慢了', HMM=True)))\n"
    )
    without = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert without.stdout.split() == ["False", "退款/投诉/太慢/了"]
    stand_in = (
        "import os, sys, types\n"
        "stub = types.ModuleType('pkg_resources')\n"
        "stub.stand_in = 'kept'\n"
        "stub.resource_stream = lambda package, name: open(\n"
        "    os.path.join(os.path.dirname(sys.modules[package].__file__), name), 'rb')\n"
        "sys.modules['pkg_resources'] = stub\n"
    )
    already = subprocess.run(
        [sys.executable, "-c", stand_in + script], capture_output=True, text=True, check=True
    )
    assert already.stdout.split() == ["kept", "退款/投诉/太慢/了"]
