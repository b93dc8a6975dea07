import logging
import random
from pathlib import Path

import jieba
import pytest

from pipeline.chinese_segmenter import (
    ChineseSegmenter,
    CompiledDictionary,
    cache_path,
    compiled_dictionary,
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
    assert again.frequencies == first.frequencies
    assert list(tmp_path.iterdir()) == [cached]  # no scratch file left behind


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:24] + b"\x00" * (len(data) - 24),  # a trie that is not one
        lambda data: b"",
    ],
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


def test_a_cache_that_cannot_be_written_still_segments(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no" / "such" / "directory"
    with caplog.at_level(logging.WARNING):
        segmenter = ChineseSegmenter(missing)
        assert list(segmenter.cut("客户服务")) == ["客户服务"]
    assert "cannot keep jieba's compiled dictionary" in caplog.text
    assert not missing.exists()


def test_the_cache_is_named_by_the_dictionary(tmp_path: Path) -> None:
    assert cache_path(b"a 1\n", tmp_path) != cache_path(b"a 2\n", tmp_path)
    assert cache_path(b"a 1\n", tmp_path).parent == tmp_path


def test_a_bad_dictionary_line_is_named() -> None:
    import io

    with pytest.raises(ValueError, match="line 2"):
        CompiledDictionary.compile(io.BytesIO("客户 10 n\n服务\n".encode()))
