"""The translation boundary: one small interface, and checks on what comes back through it.

:class:`Translator` is all the pipeline knows of machine translation. The real one is
:class:`pipeline.argos.ArgosTranslator` (Argos Translate models on CTranslate2); tests use a fake
with the same interface.
"""

import re
from collections.abc import Sequence
from typing import Protocol


class Translator(Protocol):
    #: Name of the engine, stored with every translation it makes.
    engine: str
    #: Calls made into the underlying models so far (for reports and benchmarks).
    model_calls: int

    def model_for(self, source: str, target: str) -> str | None:
        """Label of the model(s) that would translate ``source`` → ``target``, or None when
        no route is installed. Cheap: must not load any model."""
        ...

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate ``texts`` (paragraphs) from ``source`` into ``target``, in one go so the
        engine can batch; returns one translation per text, in order. A translation may be a
        :class:`Translated` that says what the engine saw go wrong with it."""
        ...


class Translated(str):
    """A machine translation, and what the engine itself saw go wrong with it (a sentence cut
    at the decoding cap, one that came out empty), which no check of the text could see."""

    problem: str | None

    def __new__(cls, text: str, problem: str | None = None) -> "Translated":
        translated = super().__new__(cls, text)
        translated.problem = problem
        return translated


def output_problem(source: str, output: str, source_lang: str, target_lang: str) -> str | None:
    """What the engine reported of ``output``, else what :func:`translation_problem` finds."""
    reported = output.problem if isinstance(output, Translated) else None
    return reported or translation_problem(source, output, source_lang, target_lang)


#: A Chinese character carries about as much as three Latin-script characters.
_CHAR_WEIGHT = {"zh": 3.0}
MAX_LENGTH_RATIO = 3.0
MAX_REPEATS = 4
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _weighted_length(text: str, lang: str) -> float:
    if lang == "zh":
        han = len(_HAN.findall(text))
        return han * _CHAR_WEIGHT["zh"] + (len(text) - han)
    return float(len(text))


_ZH_UNITS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+")


def _units(text: str, lang: str) -> list[str]:
    """Words to look for loops in: Chinese characters one by one (numbers and Latin whole)."""
    return _ZH_UNITS.findall(text) if lang == "zh" else text.split()


#: Tokenizer debris that must never reach an index: SentencePiece's word marker, the model's
#: special tokens, and the replacement character left by bytes that did not decode.
_DEBRIS = re.compile(r"\u2581|<(?:unk|s|/s|pad|blank)>|<0x[0-9A-Fa-f]{2}>|\ufffd")
_DEBRIS_NAMES = {"\u2581": "the SentencePiece marker '\u2581'", "\ufffd": "undecodable bytes"}


def translation_problem(source: str, output: str, source_lang: str, target_lang: str) -> str | None:
    """Why ``output`` should not be shown as a translation of ``source``, or None if it may.

    Small MT models fail in two known ways: they run on far past the input, or they loop on
    a word or phrase. A model whose package is decoded wrongly leaves tokenizer debris. Each is
    flagged instead of indexed silently.
    """
    if not output.strip():
        return "empty output"
    for debris in _DEBRIS.finditer(output):
        found = debris.group()
        if found not in source:  # "<s>" in an article about HTML is text, not debris
            return f"output holds {_DEBRIS_NAMES.get(found, repr(found))}"
    ratio = _weighted_length(output, target_lang) / max(_weighted_length(source, source_lang), 1)
    if ratio > MAX_LENGTH_RATIO and len(output) > 20:
        return f"output {ratio:.1f}× as long as the input"
    units = _units(output, target_lang)
    for size in (1, 2, 3, 4):
        for start in range(len(units) - size * MAX_REPEATS + 1):
            gram = units[start : start + size]
            if all(
                units[start + k * size : start + (k + 1) * size] == gram for k in range(MAX_REPEATS)
            ):
                return f"output repeats {' '.join(gram)!r} {MAX_REPEATS} times or more"
    return None
