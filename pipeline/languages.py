"""The languages csguide knows, in one place."""

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
