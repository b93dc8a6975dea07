"""Answer-language negotiation and short-query detection."""

import csv
import random
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from langdetect import LangDetectException

from pipeline.query_language import (
    LANGDETECT_TRIALS,
    UnsupportedLanguage,
    _latin_factory,
    _statistics,
    detect_query_language,
    language_of_tag,
    negotiate,
    parse_accept_language,
)

LABELLED = Path(__file__).with_name("short_queries.tsv")


@pytest.mark.parametrize(
    ("param", "key", "header", "query", "expected"),
    [
        ("lv", "it", "ru", "回电时间", ("lv", "param")),
        ("zh-TW", None, None, None, ("zh", "param")),
        (None, "it", "ru", "回电时间", ("it", "key")),
        (None, None, "ru-RU,ru;q=0.9,en;q=0.8", "klientu", ("ru", "header")),
        (None, None, "de-DE,de;q=0.9,lv;q=0.5", "hello", ("lv", "header")),  # first supported
        (None, None, "en;q=0.3,it;q=0.8", None, ("it", "header")),  # by q-value, not order
        (None, None, "de, fr;q=0.9", "回电时间", ("zh", "detected")),  # nothing supported
        (None, None, "*", "обслуживание клиентов", ("ru", "detected")),
        (None, None, None, "klientu apkalposana", ("lv", "detected")),
        (None, None, None, "12345", ("en", "default")),
        (None, None, "", "", ("en", "default")),
        ("", None, None, None, ("en", "default")),  # an empty parameter is no parameter
    ],
)
def test_negotiation(param, key, header, query, expected):
    negotiated = negotiate(
        param=param, key_lang=key, accept_language=header, query=query, default="en"
    )
    assert (negotiated.lang, negotiated.source) == expected


def test_unsupported_parameter_is_an_error():
    with pytest.raises(UnsupportedLanguage, match="'de' is not supported"):
        negotiate(param="de", key_lang=None, accept_language=None, query=None, default="en")
    with pytest.raises(UnsupportedLanguage, match="not a language tag"):
        language_of_tag("en us")


def test_accept_language_parsing():
    assert parse_accept_language("lv-LV,lv;q=0.9,en-US;q=0.8,en;q=0.7,*;q=0.1") == ["lv", "en"]
    assert parse_accept_language("zh-Hant-TW;q=0.5, ru;q=0") == ["zh"]  # q=0 means "not"
    assert parse_accept_language("it;q=abc, en") == ["en"]
    assert parse_accept_language("garbage;;;,") == []


@pytest.mark.parametrize(
    ("query", "lang", "method"),
    [
        ("回电时间", "zh", "script"),
        ("回電時間", "zh", "script"),
        ("жалоба", "ru", "script"),
        ("sūdzība", "lv", "letters"),
        ("perché attendere", "it", "letters"),
        ("!!!", None, "none"),
    ],
)
def test_detection_cues(query, lang, method):
    detection = detect_query_language(query)
    assert (detection.lang, detection.method) == (lang, method)


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        (
            "ｒｉｓｐｏｎｄｅｒｅ ａｌ ｔｅｌｅｆｏｎｏ",
            "rispondere al telefono",
        ),  # a full-width IME
        ("ｓūｄｚīｂａ", "sūdzība"),
        ("sū\u00addzība", "sūdzība"),  # pasted with a soft hyphen
        ("жа\u200bлоба", "жалоба"),
    ],
)
def test_a_query_is_detected_as_its_words_are_matched(typed, plain):
    """Full-width letters and zero-width characters are read as query_words reads them."""
    assert detect_query_language(typed) == detect_query_language(plain)


def test_short_query_accuracy_on_the_labelled_set(seed_index):
    """The figure reported in the issue note: at least 95 % on 250+ labelled agent queries."""
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) >= 150 and set(Counter(r["lang"] for r in rows)) == {
        "lv",
        "it",
        "zh",
        "ru",
        "en",
    }
    lexicon = lambda code, text: seed_index.vocabulary_share(text, code)  # noqa: E731
    detected = [detect_query_language(r["query"], lexicon, 0.5).lang for r in rows]
    correct = sum(d == r["lang"] for d, r in zip(detected, rows, strict=True))
    answered = sum((d or "en") == r["lang"] for d, r in zip(detected, rows, strict=True))
    print(
        f"detected {correct}/{len(rows)} = {correct / len(rows):.1%}; "
        f"answer language with default en {answered}/{len(rows)} = {answered / len(rows):.1%}"
    )
    assert correct / len(rows) >= 0.95


@pytest.mark.parametrize(
    ("query", "lang", "method"),
    [
        ("klientu apkalposana", "lv", "lexicon"),  # only the Latvian index knows both words
        ("complaint handling", "en", "lexicon"),
        ("problema", "it", "statistics"),  # Latvian and Italian texts both have it
    ],
)
def test_the_lexicon_decides_when_one_index_alone_knows_the_words(seed_index, query, lang, method):
    lexicon = lambda code, text: seed_index.vocabulary_share(text, code)  # noqa: E731
    detection = detect_query_language(query, lexicon)
    assert (detection.lang, detection.method) == (lang, method)


def _langdetects(query: str) -> dict[str, float]:
    detector = _latin_factory().create()
    detector.n_trial = LANGDETECT_TRIALS
    detector.append(query)
    try:
        return {guess.lang: guess.prob for guess in detector.get_probabilities()}
    except LangDetectException:
        return {}


def _typed(count: int) -> list[str]:
    """What agents type, and worse: Latin letters of the three languages, spaces, capitals,
    digits, punctuation, an address, a stray Cyrillic or Chinese letter."""
    draws = random.Random(18)
    pieces = [
        *"abcdefghijklmnopqrstuvwxyzāčēģīķļņšūžàèéìòù",
        *(" ", "  ", "-", "'", "7", "SMS", "Klient", "info@example.com", "https://x.lv/a"),
        *("к", "客"),
    ]
    return ["".join(draws.choices(pieces, k=draws.randint(1, 24))) for _ in range(count)]


def test_the_statistics_are_langdetects_own_numbers() -> None:
    """The walk is done in csguide (four fifths of a detection's time in langdetect's method
    calls), but from langdetect's n-grams and its seeded draws: every number is the same."""
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8"), delimiter="\t"))
    texts = [r["query"] for r in rows] + _typed(3000) + ["", "   ", "12345", "!!!"]
    different = [t for t in texts if _statistics(t) != _langdetects(t)]
    assert different == []
    assert sum(bool(_statistics(t)) for t in texts) > 2500  # most of them have n-grams


def test_the_statistics_agree_across_threads() -> None:
    """Each thread keeps its own detector, emptied for every query."""
    texts = _typed(300)
    expected = [_langdetects(t) for t in texts]
    results: dict[int, list[dict[str, float]]] = {}

    def detect(number: int) -> None:
        results[number] = [_statistics(t) for t in texts]

    threads = [threading.Thread(target=detect, args=(n,)) for n in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often, mid-query: a shared detector shows
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(found == expected for found in results.values())
