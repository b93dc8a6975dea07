"""Which language to answer in: negotiation, and detection of short queries.

Negotiation, first that applies: the ``lang`` parameter (BCP 47), the API key's default
language, ``Accept-Language`` (by q-value, first supported), the query's detected language, the
configured default.

Detection is built for what agents type, 1–4 words: the script decides first (Han → zh,
Cyrillic → ru); Latin script is narrowed to lv, it and en by letters only one of them uses
(ā č ē … → lv; à è é ì ò ù → it), and otherwise scored by langdetect restricted to those three
languages together with how many of the query's words the published index of each language
knows, plus a hint from spellings only English uses (w, y, th, -tion …); when exactly one
index knows every word and no other knows half of them, that lexicon alone decides. Below a
confidence threshold the query is not trusted to say its language.
"""

import random
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY

from pipeline.languages import INDEX_LANGS, Lang, as_lang, script_letters
from pipeline.normalise import without_invisible

LangSource = Literal["param", "key", "header", "detected", "default"]
LATIN_LANGS: tuple[Lang, ...] = ("lv", "it", "en")
_LATVIAN_LETTERS = frozenset("āēīūčģķļņšžĀĒĪŪČĢĶĻŅŠŽ")
_ITALIAN_LETTERS = frozenset("àèéìòóùÀÈÉÌÒÓÙ")
# Spellings native to English but not to Italian or Latvian (neither writes w, x, y or q, nor
# "th"; Italian writes -zione, not -tion): a hint, weighed with the other signals.
_ENGLISH_SPELLING = re.compile(r"[wxyq]|th|tion\b|sion\b|ing\b|ck\b|ph", re.IGNORECASE)
ENGLISH_SPELLING_WEIGHT = 0.3
# langdetect averages 7 random walks over the query's n-grams by default. On the labelled short
# queries one walk scores exactly as well as 3 or 7 (96.9 %, the same queries right) at a third
# of 3's cost.
LANGDETECT_TRIALS = 1
LEXICON_RIVAL_SHARE = 0.5
_TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")


class UnsupportedLanguage(ValueError):
    pass


def language_of_tag(tag: str) -> Lang | None:
    """csguide's language for a BCP 47 tag: 'lv-LV' → lv, 'zh-Hans'/'zh-TW' → zh; None if
    the tag is well-formed but not supported; raises for a malformed tag."""
    tag = tag.strip()
    if not _TAG.match(tag):
        raise UnsupportedLanguage(f"{tag!r} is not a language tag")
    primary = tag.replace("_", "-").split("-")[0].lower()
    if primary in ("zh", "cmn", "yue"):  # every Chinese script and region reads zh tips
        return "zh"
    return as_lang(primary)


_QVALUE = re.compile(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?")


def parse_accept_language(header: str) -> list[Lang]:
    """Supported languages from an Accept-Language header, most preferred first."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        tag, quality = fields[0].strip(), 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                # RFC 9110's qvalue: 0 to 1, at most three decimals; "nan", "inf", "1e0" or
                # "2" are no weight, and the language they weigh is left out.
                quality = float(value) if _QVALUE.fullmatch(value.strip()) else 0.0
        if not tag or tag == "*" or quality <= 0:
            continue
        try:
            lang = language_of_tag(tag)
        except UnsupportedLanguage:
            continue
        if lang is not None:
            ranked.append((-quality, position, lang))
    seen: list[Lang] = []
    for _, _, lang in sorted(ranked):
        if lang not in seen:
            seen.append(lang)
    return seen


@dataclass(frozen=True)
class Detection:
    lang: Lang | None
    confidence: float
    method: str  # script | letters | lexicon | statistics | none


#: Share of a query's words that language L's index knows (0–1); None: no index to ask.
Lexicon = Callable[[str, str], float]


@lru_cache(maxsize=1)
def _latin_factory() -> DetectorFactory:
    """langdetect with only the Latin-script languages csguide serves."""
    factory = DetectorFactory()
    profiles = [
        (Path(PROFILES_DIRECTORY) / code).read_text(encoding="utf-8") for code in LATIN_LANGS
    ]
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory


_detectors = threading.local()


def _statistics(query: str) -> dict[str, float]:
    """langdetect's estimate of the query's language among :data:`LATIN_LANGS`: the numbers its
    ``Detector.get_probabilities`` gives (tests compare them), from its own text preparation
    and n-grams, with its random walk (:func:`_walk`) done here. The walk was four fifths of
    a detection's time, most of it langdetect's two method calls a step."""
    factory = _latin_factory()
    detector: Detector | None = getattr(_detectors, "latin", None)
    if detector is None:  # one a thread, emptied for each query: making one was a tenth
        detector = _detectors.latin = factory.create()
    detector.text = ""
    detector.append(query)
    detector.cleaning_text()
    grams: list[str] = detector._extract_ngrams()
    if not grams:
        return {}
    table: dict[str, list[float]] = factory.word_lang_prob_map
    estimate = _walk([table[gram] for gram in grams], factory.seed)
    return {lang: p for lang, p in zip(factory.langlist, estimate, strict=True) if p > _SHOWN}


#: langdetect's constants (``Detector``): the smoothing and its spread, how often and how far
#: the walk may go before it stops, the frequency n-gram probabilities are counted against.
_ALPHA, _ALPHA_WIDTH = 0.5, 0.05
_CHECK_EVERY, _CONVERGED, _MOST_STEPS = 5, 0.99999, 1000
_BASE_FREQUENCY = 10_000
#: langdetect leaves out languages of this probability or less.
_SHOWN = 0.1


def _walk(grams: list[list[float]], seed: int) -> list[float]:
    """langdetect's estimate from a text's n-grams (each one's probability in lv, it and en):
    each trial starts from equal odds, then multiplies in randomly drawn n-grams' smoothed
    probabilities, normalising every few steps, until one language is nearly certain. The
    same draws from the same seeded generator (``random.choice``'s), and the same arithmetic
    in the same order, as ``Detector._detect_block``, so the same numbers; but over three
    local numbers rather than through two method calls and a list a step."""
    draws = random.Random(seed)
    bits, count = len(grams).bit_length(), len(grams)
    estimate = [0.0, 0.0, 0.0]
    for _ in range(LANGDETECT_TRIALS):
        a = b = c = 1.0 / 3
        weight = (_ALPHA + draws.gauss(0.0, 1.0) * _ALPHA_WIDTH) / _BASE_FREQUENCY
        step = 0
        while True:
            drawn = draws.getrandbits(bits)  # random.choice(grams), as langdetect draws
            while drawn >= count:
                drawn = draws.getrandbits(bits)
            pa, pb, pc = grams[drawn]
            a, b, c = a * (weight + pa), b * (weight + pb), c * (weight + pc)
            if step % _CHECK_EVERY == 0:
                # sum() as langdetect sums: from Python 3.12 on it adds floats with compensation
                total = sum((a, b, c))
                a, b, c = a / total, b / total, c / total
                if max(a, b, c) > _CONVERGED or step >= _MOST_STEPS:
                    break
            step += 1
        estimate = [e + o / LANGDETECT_TRIALS for e, o in zip(estimate, (a, b, c), strict=True)]
    return estimate


def detect_query_language(
    query: str, lexicon: Lexicon | None = None, min_confidence: float = 0.5
) -> Detection:
    # as query_words reads it: full-width letters as letters, no zero-width characters
    query = unicodedata.normalize("NFKC", without_invisible(query))
    han, cyrillic, latin = script_letters(query)
    if han and han * 3 >= latin and han >= cyrillic:
        return Detection("zh", 1.0, "script")
    if cyrillic and cyrillic >= latin:
        return Detection("ru", 1.0, "script")
    if not latin:
        return Detection(None, 0.0, "none")
    letters = set(query)
    if letters & _LATVIAN_LETTERS:
        return Detection("lv", 0.95, "letters")
    if letters & _ITALIAN_LETTERS:
        return Detection("it", 0.9, "letters")
    shares = {lang: lexicon(lang, query) for lang in LATIN_LANGS} if lexicon else {}
    known_by = [lang for lang, share in shares.items() if share == 1.0]
    if len(known_by) == 1 and all(
        share < LEXICON_RIVAL_SHARE for lang, share in shares.items() if lang != known_by[0]
    ):
        # One index knows every word and no other knows half of them: langdetect (the
        # costliest step of a search) would not change the answer. On the labelled queries
        # this settled 52 of the 127 that reach this point, all correctly.
        return Detection(known_by[0], 0.9, "lexicon")
    guesses = _statistics(query)
    scores: dict[Lang, float] = {}
    for lang in LATIN_LANGS:
        statistical = guesses.get(lang, 0.0)
        scores[lang] = (statistical + shares[lang]) / 2 if lexicon else statistical
    if _ENGLISH_SPELLING.search(query):
        scores["en"] = min(1.0, scores["en"] + ENGLISH_SPELLING_WEIGHT)
    best = max(scores, key=scores.__getitem__)
    confidence = round(scores[best], 3)
    if confidence < min_confidence:
        return Detection(None, confidence, "statistics")
    return Detection(best, confidence, "statistics")


@dataclass(frozen=True)
class Negotiated:
    lang: Lang
    source: LangSource


def negotiate(
    *,
    param: str | None,
    key_lang: Lang | None,
    accept_language: str | None,
    query: str | None,
    default: Lang,
    lexicon: Lexicon | None = None,
    min_confidence: float = 0.5,
) -> Negotiated:
    """The answer language; raises :class:`UnsupportedLanguage` for a bad ``lang`` parameter."""
    if param is not None and param.strip():
        lang = language_of_tag(param)
        if lang is None:
            raise UnsupportedLanguage(
                f"{param!r} is not supported; use one of {', '.join(INDEX_LANGS)}"
            )
        return Negotiated(lang, "param")
    if key_lang:
        return Negotiated(key_lang, "key")
    if accept_language:
        preferred = parse_accept_language(accept_language)
        if preferred:
            return Negotiated(preferred[0], "header")
    if query:
        detected = detect_query_language(query, lexicon, min_confidence)
        if detected.lang is not None:
            return Negotiated(detected.lang, "detected")
    return Negotiated(default, "default")
