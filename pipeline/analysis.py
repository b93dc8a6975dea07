"""One whoosh analyzer per language, used identically at index and at query time.

* lv: word tokens, Latvian light stemmer (``LatvianStemmer``, a port of Lucene's), then the
  diacritics folded away *after* stemming, because agents often type "apkalposana" for
  "apkalpošana" and the stemmer needs the real endings to do its job.
* it, ru, en: Snowball stemmers through PyStemmer (the C build of the Snowball algorithms,
  fast enough to stem every query); Russian folds ё to е first.
* zh: jieba in search mode, which also emits the shorter words inside long ones, on text folded
  to simplified Chinese with half-width punctuation (over a compact copy of jieba's dictionary:
  :mod:`pipeline.chinese_segmenter`).

Whoosh pickles analyzers into each index's schema, so the filters here keep only plain
attributes (the language) and look their stemmers up in module-level caches.
"""

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import LatvianStemmer
import Stemmer
from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang.stopwords import stoplists

from pipeline.chinese_segmenter import SEGMENTER
from pipeline.normalise import fold_for_index

_WORD = r"\w+"
_WORD_RUN = re.compile(r"\w+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Short function words of our own for the languages whoosh ships no list for; elided Italian
# articles are added to whoosh's Italian list (the tokenizer splits "l'acquisto" at the quote).
_LATVIAN_STOPWORDS = frozenset(
    [
        "un",
        "ir",
        "ar",
        "uz",
        "no",
        "par",
        "ka",
        "kas",
        "lai",
        "vai",
        "to",
        "tā",
        "tie",
        "tās",
        "bet",
        "arī",
        "kā",
        "pie",
        "pēc",
        "līdz",
        "jau",
        "vēl",
        "ja",
        "tad",
        "nav",
        "būs",
        "bija",
        "esam",
        "esat",
        "jūs",
        "mēs",
        "es",
        "tu",
        "viņš",
        "viņa",
        "viņi",
        "tas",
        "šis",
        "šī",
        "šo",
        "tik",
        "gan",
        "nu",
    ]
)
_ITALIAN_ELISIONS = frozenset(
    [
        "l",
        "d",
        "c",
        "s",
        "m",
        "t",
        "v",
        "n",
        "un",
        "all",
        "dell",
        "nell",
        "sull",
        "dall",
        "quell",
        "po",
    ]
)
_CHINESE_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "和",
        "与",
        "或",
        "在",
        "也",
        "就",
        "都",
        "而",
        "及",
        "之",
        "着",
        "把",
        "被",
        "这",
        "那",
        "吗",
        "呢",
        "吧",
        "啊",
    ]
)

_SNOWBALL = {"it": "italian", "ru": "russian", "en": "english"}


@cache
def _snowball(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class SnowballStemFilter(Filter):
    """Stems with the Snowball algorithm for ``lang`` (PyStemmer caches recent words itself)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stem = _snowball(_SNOWBALL[self.lang]).stemWord
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


class LatvianStemFilter(Filter):
    """Latvian light stemming, then diacritics folded so that 'apkalposana' meets 'apkalpošana'."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = _latvian_stem(token.text)
            yield token


#: Latvian words kept stemmed per process (the stemmer is Python; PyStemmer's Snowball ones
#: keep 10,000 words each themselves). Ingest meets each word of a corpus many times; a
#: server's query words are kept analysed anyway (pipeline.matching.word_forms), so more would
#: only hold memory in every worker.
LATVIAN_STEMS_KEPT = 16_384


@lru_cache(maxsize=LATVIAN_STEMS_KEPT)
def _latvian_stem(word: str) -> str:
    return strip_diacritics(LatvianStemmer.stem(word))


class FoldFilter(Filter):
    """Applies :func:`pipeline.normalise.fold_for_index` to each token (Russian ё → е)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold_for_index(self.lang, token.text)
            yield token


class JiebaTokenizer(Tokenizer):
    """Chinese words by jieba's search mode, on text folded to simplified Chinese."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        folded = fold_for_index("zh", value)
        pieces = _chinese_words(folded) if tokenize else iter([(folded, 0, len(folded))])
        position = start_pos
        for word, start, end in pieces:
            token.text = word.lower()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = position
                position += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def _chinese_words(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end): jieba for runs with Han characters, other words whole."""
    for run in _WORD_RUN.finditer(text):
        chunk, offset = run.group(), run.start()
        if not _HAN.search(chunk):
            yield chunk, offset, run.end()
            continue
        for word, start, end in SEGMENTER.tokenize(chunk, mode="search", HMM=True):
            yield word, offset + start, offset + end


@cache
def analyzer_for(lang: str) -> Analyzer:
    """The analyzer for ``lang`` (one of csguide's index languages)."""
    if lang == "zh":
        return JiebaTokenizer() | StopFilter(stoplist=_CHINESE_STOPWORDS, minsize=1)
    words = RegexTokenizer(_WORD) | LowercaseFilter()
    if lang == "lv":
        return words | StopFilter(stoplist=_LATVIAN_STOPWORDS, minsize=1) | LatvianStemFilter()
    if lang == "it":
        stops = stoplists["it"] | _ITALIAN_ELISIONS
        return words | StopFilter(stoplist=stops, minsize=1) | SnowballStemFilter("it")
    if lang == "ru":
        stops = frozenset(fold_for_index("ru", word) for word in stoplists["ru"])
        return (
            words
            | FoldFilter("ru")
            | StopFilter(stoplist=stops, minsize=1)
            | SnowballStemFilter("ru")
        )
    if lang == "en":
        return words | StopFilter(stoplist=stoplists["en"], minsize=2) | SnowballStemFilter("en")
    raise ValueError(f"no analyzer for language {lang!r}")


def analyze(lang: str, text: str) -> list[str]:
    """The index terms ``text`` gives in ``lang`` (for tests and debugging)."""
    return [token.text for token in analyzer_for(lang)(text)]
