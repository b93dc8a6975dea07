"""Turn tips into the records each language's index holds.

Every index holds every tip: in its own language (provenance ``original``), or, until a
translation exists, in its source language with provenance ``none`` so that it is still found by
its original words and never passed off as a translation.
"""

from collections.abc import Iterable

from pipeline.schema import SourceRef, Tip, TipRecord, TranslationInfo


def source_of(tip: Tip) -> SourceRef:
    return SourceRef(lang=tip.lang, article=tip.article, title=tip.title, text=tip.text)


def record_for(tip: Tip, lang: str) -> TipRecord:
    """``tip`` as the index for ``lang`` shows it."""
    provenance = "original" if tip.lang == lang else "none"
    return TipRecord(
        id=tip.id,
        lang=tip.lang,
        title=tip.title,
        context=tip.context,
        text=tip.text,
        position=tip.position,
        source=source_of(tip),
        translation=TranslationInfo(provenance=provenance),
    )


def records_for_language(tips: Iterable[Tip], lang: str) -> list[TipRecord]:
    return [record_for(tip, lang) for tip in tips]
