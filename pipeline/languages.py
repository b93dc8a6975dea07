"""The languages csguide knows, in one place."""

from typing import Final, Literal

Lang = Literal["lv", "it", "zh", "ru", "en"]

#: Languages editors write articles in (one folder each under ``content/``).
CONTENT_LANGS: Final[tuple[Lang, ...]] = ("lv", "it", "zh", "ru")

#: Languages every tip is searchable and readable in (one index each).
INDEX_LANGS: Final[tuple[Lang, ...]] = ("lv", "it", "zh", "ru", "en")

LANGUAGE_NAMES: Final[dict[str, str]] = {
    "lv": "Latviešu",
    "it": "Italiano",
    "zh": "中文",
    "ru": "Русский",
    "en": "English",
}
