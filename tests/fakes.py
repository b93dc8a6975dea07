"""Fakes at the translation-model boundary only (everything else in tests is real)."""

from collections.abc import Callable, Iterable, Sequence

from pipeline.languages import INDEX_LANGS


class FakeTranslator:
    """A :class:`pipeline.translator.Translator` whose 'translation' is ``[target] text``.

    It records every text it was asked to translate, so tests can count model work, and can be
    given a different ``render`` to imitate a model's failure modes.
    """

    engine = "fake"

    def __init__(
        self,
        pairs: Iterable[tuple[str, str]] | None = None,
        *,
        version: str = "1",
        render: Callable[[str, str, str], str] | None = None,
    ) -> None:
        every = {(s, t) for s in INDEX_LANGS for t in INDEX_LANGS if s != t}
        self.pairs = set(pairs) if pairs is not None else every
        self.version = version
        self.render = render or (lambda text, source, target: f"[{target}] {text}")
        self.model_calls = 0
        self.translated: list[tuple[str, str, str]] = []

    def model_for(self, source: str, target: str) -> str | None:
        return f"fake:{source}-{target}@{self.version}" if (source, target) in self.pairs else None

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        assert (source, target) in self.pairs, f"no route {source}→{target}"
        self.model_calls += 1
        self.translated += [(source, target, text) for text in texts]
        return [self.render(text, source, target) for text in texts]
