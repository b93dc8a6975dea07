"""Stage 5, index: one whoosh index per language, built from that language's tip records.

Fields of the index for language L:

* ``title``, ``text``: the tip in L (original or translation), analyzed for L;
* ``orig_<src>``: the original title and text of every tip written in another language,
  analyzed for that language, so a tip is always found by its original words too (and tips with
  no translation into L yet are found at all);
* ``record``: the whole :class:`~pipeline.schema.TipRecord` as JSON, which is what readers return.

Whoosh-Reloaded rather than Whoosh 2.7.4: the same ``import whoosh`` API, but maintained, and
free of the invalid-escape warnings 2.7.4 raises on current Pythons.
"""

import math
from collections.abc import Sequence
from pathlib import Path

from whoosh import index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.query import Or, Term
from whoosh.searching import Searcher

from pipeline.analysis import analyzer_for
from pipeline.languages import CONTENT_LANGS
from pipeline.ranking import IMPACTS_DIR, DamagedImpacts, ImpactTable, Ranker
from pipeline.schema import TipRecord

#: Bump when fields, analyzers or the files beside the index change: a new format makes the
#: next ingest rebuild everything.
FORMAT_VERSION = 4

TITLE_BOOST = 2.0
ORIGINAL_BOOST = 0.5


class IndexValidationError(Exception):
    pass


def original_field(lang: str) -> str:
    return f"orig_{lang}"


def schema_for(lang: str) -> Schema:
    fields: dict[str, object] = {
        "id": ID(stored=True, unique=True),
        "article": ID(stored=True),
        "source_lang": ID(stored=True),
        "provenance": ID(stored=True),
        "position": NUMERIC(stored=True, sortable=True),
        # Term frequencies only, no positions: agents type words, not phrases, and postings
        # without positions are smaller and faster to score.
        "title": TEXT(analyzer=analyzer_for(lang), field_boost=TITLE_BOOST, phrase=False),
        "text": TEXT(analyzer=analyzer_for(lang), phrase=False),
        "record": STORED(),
        # The index terms of the tip's text with where they stand, for marking matched words
        # without analyzing the text again on every search that shows it.
        "spans": STORED(),
    }
    for source_lang in CONTENT_LANGS:
        if source_lang != lang:
            fields[original_field(source_lang)] = TEXT(
                analyzer=analyzer_for(source_lang), field_boost=ORIGINAL_BOOST, phrase=False
            )
    return Schema(**fields)


def document_for(record: TipRecord, index_lang: str) -> dict[str, object]:
    document: dict[str, object] = {
        "id": record.id,
        "article": record.source.article,
        "source_lang": record.source.lang,
        "provenance": record.translation.provenance,
        "position": record.position,
        "record": record.model_dump_json(),
        "spans": encode_spans(token_spans(record.text, record.lang)),
    }
    if record.lang == index_lang:
        document["title"] = record.title
        document["text"] = record.text
    if record.source.lang != index_lang:
        document[original_field(record.source.lang)] = (
            f"{record.source.title}\n{record.source.text}"
        )
    return document


Span = tuple[str, int, int]


def token_spans(text: str, lang: str) -> tuple[Span, ...]:
    """(index term, start, end) of every word of ``text``, as ``lang``'s analyzer indexes it."""
    return tuple(
        (token.text, token.startchar, token.endchar)
        for token in analyzer_for(lang)(text, chars=True, mode="index")
        if not token.stopped
    )


def encode_spans(spans: Sequence[Span]) -> str:
    """Spans as one compact string: "term start end" per line (terms hold no whitespace)."""
    return "\n".join(f"{term} {start} {end}" for term, start, end in spans)


def decode_spans(encoded: str) -> tuple[Span, ...]:
    spans = []
    for line in encoded.splitlines():
        term, start, end = line.rsplit(" ", 2)
        spans.append((term, int(start), int(end)))
    return tuple(spans)


def write_index(directory: Path, lang: str, records: Sequence[TipRecord]) -> None:
    """Create a new index for ``lang`` in the empty or missing ``directory``."""
    directory.mkdir(parents=True, exist_ok=False)
    ix = index.create_in(str(directory), schema_for(lang))
    # Separate segment files, not whoosh's compound file: a reader copies each part of a
    # compound file into memory (58 MB per process for the 4x bench corpus), while separate
    # files are read in place, and the server reads little from them (the ranking scores and
    # the tip records it keeps are its hot data).
    writer = ix.writer(limitmb=256, compound=False)
    try:
        for record in records:
            writer.add_document(**document_for(record, lang))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    try:
        with ix.searcher() as searcher:
            ImpactTable.compute(searcher).save(directory / IMPACTS_DIR)
    finally:
        ix.close()


def validate_index(directory: Path, lang: str, records: Sequence[TipRecord]) -> None:
    """Open the built index as a reader would and check it holds exactly ``records``."""
    try:
        ix = index.open_dir(str(directory), readonly=True)
    except Exception as exc:  # whoosh raises several unrelated types for a broken index
        raise IndexValidationError(f"{lang} index cannot be opened: {exc}") from exc
    try:
        with ix.searcher() as searcher:
            if searcher.doc_count() != len(records):
                raise IndexValidationError(
                    f"{lang} index holds {searcher.doc_count()} tips, expected {len(records)}"
                )
            if records:
                probe = records[len(records) // 2]
                found = searcher.document(id=probe.id)
                if not found or TipRecord.model_validate_json(found["record"]) != probe:
                    raise IndexValidationError(f"{lang} index does not return tip {probe.id}")
                if not searcher.search(Term("id", probe.id), limit=1):
                    raise IndexValidationError(f"{lang} index cannot search for tip {probe.id}")
            _validate_ranking(directory, lang, searcher, records)
    finally:
        ix.close()


def _validate_ranking(
    directory: Path, lang: str, searcher: Searcher, records: Sequence[TipRecord]
) -> None:
    """The saved scores are whole and rank the probe tip's own words as whoosh does."""
    try:
        table = ImpactTable.load(directory / IMPACTS_DIR, searcher.doc_count_all())
    except DamagedImpacts as exc:
        raise IndexValidationError(f"{lang} index ranking scores: {exc}") from exc
    if table is None:
        raise IndexValidationError(f"{lang} index has no ranking scores")
    if not records:
        return
    probe = records[len(records) // 2]
    terms = [
        (("title", "text"), token.text)
        for token in searcher.schema["text"].analyzer(f"{probe.title} {probe.text}")
        if not token.stopped
    ][:8]
    ranked = Ranker(lambda: searcher, table).rank(terms, 10)
    expected = searcher.search(
        Or([Term(field, text) for fields, text in terms for field in fields]), limit=10
    )
    wanted = [hit.score for hit in expected]
    if (
        ranked.total != len(expected)
        or len(ranked.scores) != len(wanted)
        or not all(map(math.isclose, ranked.scores, wanted))
    ):
        raise IndexValidationError(f"{lang} index ranking scores disagree with the index")
