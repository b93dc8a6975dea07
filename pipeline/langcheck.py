"""Stage 3, language check: is the article in the language of the folder it was put in?

The script decides first: of the languages editors write, Chinese is the one in Han
characters and Russian the one in Cyrillic. langdetect knows 55 languages and, on a short
article, took Russian for Bulgarian or Macedonian (a fifth of one-sentence articles) and
Chinese with a few Latin words (CRM, ticket ID) for Vietnamese. Latin-script text is told
apart by langdetect (a port of Google's language-detection, profiles shipped in the wheel, no
download, pure Python), reliable on article-length text; its random sampling is seeded so
that the same article always gets the same verdict.
"""

from dataclasses import dataclass
from functools import lru_cache

from langdetect import DetectorFactory, LangDetectException
from langdetect.detector_factory import PROFILES_DIRECTORY

from pipeline.languages import CONTENT_LANGS, LANGUAGE_NAMES, script_letters
from pipeline.normalise import fold_for_index
from pipeline.schema import Article

#: Below this many letters the detectors' guesses are noise; such articles are accepted.
MIN_LETTERS = 20
#: An article passes when its folder's language gets at least this probability.
MIN_PROBABILITY = 0.2
#: Enough text to decide (detection time grows with length; 1,500 characters of an article
#: are plenty, and 4,000 made the check a fifth of a cold ingest).
SAMPLE_CHARS = 1500

_DETECTOR_CODES = {"zh-cn": "zh", "zh-tw": "zh"}


@dataclass(frozen=True)
class LanguageCheck:
    expected: str
    detected: str | None
    probability: float
    ok: bool
    reason: str = ""


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


def detect_language(text: str) -> list[tuple[str, float]]:
    """Languages of ``text`` as (code, probability), most likely first; codes as csguide's."""
    detector = _factory().create()
    # langdetect's profiles know simplified Chinese far better than traditional (which it
    # takes for Korean); folding to simplified first only changes Han characters.
    detector.append(fold_for_index("zh", text[:SAMPLE_CHARS]))
    try:
        guesses = detector.get_probabilities()
    except LangDetectException:
        return []
    return [(_DETECTOR_CODES.get(g.lang, g.lang), g.prob) for g in guesses]


def check_language(article: Article) -> LanguageCheck:
    text = f"{article.title}\n{article.body}"
    letters = sum(1 for char in text if char.isalpha())
    if letters < MIN_LETTERS:
        return LanguageCheck(article.lang, None, 0.0, ok=True, reason="too short to check")
    by_script = _language_by_script(text[:SAMPLE_CHARS])
    if by_script is not None:
        detected, probability = by_script
        expected_probability = probability if detected == article.lang else 0.0
    else:
        guesses = detect_language(text)
        if not guesses:
            return LanguageCheck(article.lang, None, 0.0, ok=True, reason="no language detected")
        detected, probability = guesses[0]
        expected_probability = sum(p for code, p in guesses if code == article.lang)
    if detected == article.lang or expected_probability >= MIN_PROBABILITY:
        return LanguageCheck(
            article.lang, article.lang, max(probability, expected_probability), True
        )
    return LanguageCheck(
        article.lang,
        detected,
        probability,
        ok=False,
        reason=_wrong_folder(detected, probability, article.lang),
    )


#: The share of an article's letters in Han or Cyrillic script from which the script alone
#: says Chinese or Russian; below it (an Italian article quoting Chinese greetings, a Latvian
#: one listing Russian phrases) langdetect weighs the whole text, as it always did.
SCRIPT_DECIDES = 0.8
#: Cyrillic letters Russian does not use (Ukrainian, Belarusian, Serbian, Macedonian): text
#: holding them is left to langdetect, which tells those languages apart.
_NOT_RUSSIAN = frozenset("іїєґўјљњђћџѓќѕ")


def _language_by_script(text: str) -> tuple[str, float] | None:
    """Chinese or Russian, with the share of the letters in its script, when at least
    :data:`SCRIPT_DECIDES` of them are Han or Cyrillic (a Han character counted as three
    letters, a word's worth; Japanese kana and other scripts count as other letters); None
    otherwise, and for Cyrillic text with letters Russian does not have."""
    han, cyrillic, _ = script_letters(text)
    weights = {"zh": han * 3, "ru": cyrillic}
    lang = max(weights, key=weights.__getitem__)
    total = han * 3 + sum(1 for char in text if char.isalpha()) - han
    if not total or weights[lang] / total < SCRIPT_DECIDES:
        return None
    if lang == "ru" and not _NOT_RUSSIAN.isdisjoint(text.lower()):
        return None
    return lang, weights[lang] / total


def _wrong_folder(detected: str, probability: float, folder: str) -> str:
    """What is wrong, and what to do: the language's own folder, or none of ours."""
    if detected in LANGUAGE_NAMES:
        looks = f"{LANGUAGE_NAMES[detected]} ({detected}, {probability:.0%})"
    else:
        looks = f"'{detected}' ({probability:.0%})"
    if detected in CONTENT_LANGS:
        advice = f"move it to content/{detected}/"
    else:
        advice = "articles are written in lv, it, zh or ru, each in its folder"
    return f"language looks like {looks}, but the file is in content/{folder}/; {advice}"
