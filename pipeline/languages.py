"""The languages csguide knows, in one place."""

import unicodedata
from functools import lru_cache
from typing import Final, Literal

#: Every language a tip can be read and searched in.
Lang = Literal["lv", "it", "zh", "ru", "en"]
#: The languages articles are written in: every one is also a ``Lang``.
ContentLang = Literal["lv", "it", "zh", "ru"]

#: Languages editors write articles in (one folder each under ``content/``).
CONTENT_LANGS: Final[tuple[ContentLang, ...]] = ("lv", "it", "zh", "ru")

#: Languages every tip is searchable and readable in (one index each).
INDEX_LANGS: Final[tuple[Lang, ...]] = ("lv", "it", "zh", "ru", "en")

_BY_CODE: Final[dict[str, Lang]] = {lang: lang for lang in INDEX_LANGS}


def as_lang(code: str) -> Lang | None:
    """``code`` as a csguide language, or None when it is not one."""
    return _BY_CODE.get(code)


LANGUAGE_NAMES: Final[dict[str, str]] = {
    "lv": "Latviešu",
    "it": "Italiano",
    "zh": "中文",
    "ru": "Русский",
    "en": "English",
}


#: The scripts csguide tells apart, as the Unicode names of their letters begin.
_SCRIPTS = ("CJK", "CYRILLIC", "LATIN")


@lru_cache(maxsize=4_096)
def letter_script(char: str) -> str:
    """The script of a letter, as its Unicode name begins (CJK, CYRILLIC, LATIN), or "" (not
    a letter, or another script). Kept per character (enough for the Chinese characters in
    common use too): looking each one's name up again took half of a query's detection by
    script (2 of 4 µs for a Russian query)."""
    if not char.isalpha():
        return ""
    name = unicodedata.name(char, "")
    return next((script for script in _SCRIPTS if name.startswith(script)), "")


def script_letters(text: str) -> tuple[int, int, int]:
    """How many letters of ``text`` are Han, Cyrillic and Latin."""
    scripts = [letter_script(char) for char in text]
    return scripts.count("CJK"), scripts.count("CYRILLIC"), scripts.count("LATIN")
