"""Stage 5, index: one whoosh index per language, built from that language's tip records.

Fields of the index for language L:

* ``title``, ``text``: the tip in L (original or translation), analyzed for L;
* ``id``, ``article``, ``source_lang``, ``provenance``, ``position``: keywords, for finding a
  tip by id and filtering.

Beside the whoosh files: every term's BM25F scores (:mod:`pipeline.ranking`) and the tip
records with their token spans, in document order (:mod:`pipeline.tip_store`): what readers
return.

Whoosh-Reloaded rather than Whoosh 2.7.4: the same ``import whoosh`` API, but maintained, and
free of the invalid-escape warnings 2.7.4 raises on current Pythons.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from whoosh import index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.query import Or, Term
from whoosh.searching import Searcher

from pipeline.analysis import analyzer_for
from pipeline.index_files import save_missing
from pipeline.matching import query_words, surface_form
from pipeline.ranking import IMPACTS_DIR, DamagedImpacts, ImpactTable, Ranker
from pipeline.schema import StoredTip, TipRecord
from pipeline.surface_forms import (
    SURFACE_DIR,
    DamagedSurfaceTable,
    SurfaceTable,
    write_surface_table,
)
from pipeline.tip_store import TIPS_DIR, DamagedTipStore, Document, TipStore, write_tip_store
from pipeline.typo_index import (
    STEMS,
    TYPO_DIR,
    WORDS,
    DamagedTypoIndex,
    indexed,
    open_typo_indexes,
    write_typo_indexes,
)

#: Bump when fields, analyzers or the files beside the index change, or the API's
#: :class:`~pipeline.schema.TipRecord`: from format 7, ``tips/records.bin`` holds each record
#: as that model serialises it and the server sends those bytes as they are; from format 8,
#: ``typos/`` holds the deletion indexes of typo candidates. A new format makes the next
#: ingest rebuild everything.
FORMAT_VERSION = 8
#: The first format whose stored records are the API's record JSON (see above).
RECORDS_AS_SERVED = 7
#: The first format with the typo candidates' deletion indexes saved (the server builds them
#: for an older version).
TYPOS_SAVED = 8
#: The oldest format this code still serves (format 3 kept records in whoosh's stored fields;
#: the files missing beside it are saved on a rollback). Older ones must be rebuilt.
OLDEST_READABLE_FORMAT = 3


class UnreadableFormat(ValueError):
    """A version in an index format this csguide does not read."""


def check_readable_format(name: str, found: int) -> None:
    """Refuse a version whose format is outside what this code reads, saying what to do:
    opening it anyway passes the open and then fails every request."""
    readable = f"this csguide reads formats {OLDEST_READABLE_FORMAT}–{FORMAT_VERSION}"
    if found > FORMAT_VERSION:
        raise UnreadableFormat(
            f"{name} is in index format {found}, made by a newer csguide ({readable}): "
            "upgrade csguide, or serve a version this one built"
        )
    if found < OLDEST_READABLE_FORMAT:
        raise UnreadableFormat(
            f"{name} is in index format {found} ({readable}): "
            "run 'csguide ingest --force' to rebuild it"
        )


TITLE_BOOST = 2.0


class IndexValidationError(Exception):
    pass


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
    }
    return Schema(**fields)


def document_for(record: StoredTip, index_lang: str) -> dict[str, object]:
    document: dict[str, object] = {
        "id": record.id,
        "article": record.source.article,
        "source_lang": record.source.lang,
        "provenance": record.translation.provenance,
        "position": record.position,
    }
    if record.lang == index_lang:
        document["title"] = record.title
        document["text"] = record.text
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


def write_index(directory: Path, lang: str, records: Sequence[StoredTip]) -> None:
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
            table = ImpactTable.compute(searcher)
            table.save(directory / IMPACTS_DIR)
    finally:
        ix.close()
    words = None
    if lang != "zh":  # Chinese words are not stemmed: an exact term is the word as typed
        words = write_surface_table(directory / SURFACE_DIR, _surface_words(records, lang))
    write_typo_indexes(directory / TYPO_DIR, typo_vocabularies(table, words))
    # In document order: whoosh numbers the documents of one writer as they were added. Each
    # record as the API writes it, so that the server serves its bytes as they are
    # (pipeline.search reads it without a model); the spans are the index terms of the tip's
    # text with where they stand, for marking matched words without analyzing the text again
    # on every search that shows it.
    write_tip_store(
        directory / TIPS_DIR,
        (
            (
                TipRecord.from_stored(record).model_dump_json(),
                encode_spans(token_spans(record.text, record.lang)),
            )
            for record in records
        ),
    )


def stored_tip_documents(searcher: Searcher) -> Iterator[Document]:
    """The records and spans of an index built before they were written beside it (format 4
    and older): whoosh stored each record, and from format 4 its spans, with the document."""
    for stored in searcher.all_stored_fields():
        record = stored["record"]
        spans = stored.get("spans")
        if not isinstance(spans, str):
            tip = StoredTip.model_validate_json(record)
            spans = encode_spans(token_spans(tip.text, tip.lang))
        yield record, spans


def open_tip_store(index_dir: Path, searcher: Searcher) -> TipStore:
    """The tip records of an index: its files, mapped; for an index built before they were
    written (whoosh stored the records then), read from whoosh's stored fields into memory
    once. Raises :class:`DamagedTipStore` when the files are missing from an index that never
    stored records in whoosh, or do not hold readable records."""
    store = TipStore.open(index_dir / TIPS_DIR, searcher.doc_count_all())
    if store is None:
        if "record" not in searcher.schema:
            raise DamagedTipStore(f"{index_dir / TIPS_DIR}: missing")
        return TipStore.in_memory(stored_tip_documents(searcher))
    # The first and last records decode: a damaged file is refused here, where the version
    # being served stays, not tip by tip in requests.
    for docnum in sorted({0, len(store) - 1} if len(store) else ()):
        try:
            StoredTip.model_validate_json(store.record(docnum))
        except ValueError as exc:
            store.close()
            raise DamagedTipStore(f"{index_dir / TIPS_DIR}: record {docnum}: {exc}") from exc
    return store


def save_missing_tips(index_dir: Path) -> bool:
    """Write the tip files of an index built before they were written (a rollback target),
    so that a server switching to it maps them instead of reading them into memory."""
    return save_missing(
        index_dir,
        TIPS_DIR,
        lambda searcher, scratch: write_tip_store(scratch, stored_tip_documents(searcher)),
    )


def _surface_words(records: Iterable[StoredTip], lang: str) -> Iterator[list[str]]:
    """Per record, the words of its title and text as a query is cut and folded; none for a
    record indexed in ``lang`` without its title and text (not translated into it)."""
    for record in records:
        if record.lang == lang:
            words = query_words(f"{record.title}\n{record.text}")
            yield [surface_form(word, lang) for word in words]
        else:
            yield []


def save_missing_surface_forms(index_dir: Path, lang: str) -> bool:
    """Write the words-as-written table of an index built before they were saved (a rollback
    target): without it, search ranks exact and stemmed matches alike there."""
    if lang == "zh":
        return False

    def write(searcher: Searcher, scratch: Path) -> None:
        store = open_tip_store(index_dir, searcher)
        try:
            records = [StoredTip.model_validate_json(record) for record in store.records()]
        finally:
            store.close()
        write_surface_table(scratch, _surface_words(records, lang))

    return save_missing(index_dir, SURFACE_DIR, write)


def typo_vocabularies(table: ImpactTable, words: list[str] | None) -> dict[str, list[str]]:
    """The vocabularies of an index whose typo candidates are looked up (their terms sorted):
    its terms, from its ranking scores, and its words as written (``words``; None for an index
    without them)."""
    vocabularies = {STEMS: sorted(table.term_frequencies())}
    if words is not None:
        vocabularies[WORDS] = words
    return vocabularies


def save_missing_typo_indexes(index_dir: Path) -> bool:
    """Write the typo candidates' deletion indexes of an index built before they were saved
    (a rollback target), so that a server switching to it does not build them."""

    def write(searcher: Searcher, scratch: Path) -> None:
        doc_count = searcher.doc_count_all()
        table = ImpactTable.load(index_dir / IMPACTS_DIR, doc_count)
        if table is None:
            table = ImpactTable.compute(searcher)
        surface = SurfaceTable.open(index_dir / SURFACE_DIR, doc_count)
        words = surface.words() if surface is not None else None
        write_typo_indexes(scratch, typo_vocabularies(table, words))

    return save_missing(index_dir, TYPO_DIR, write)


def validate_index(directory: Path, lang: str, records: Sequence[StoredTip]) -> None:
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
            _validate_tip_records(directory, lang, searcher, records)
            _validate_ranking(directory, lang, searcher, records)
            _validate_surface_forms(directory, lang, searcher, records)
            _validate_typo_indexes(directory, lang, searcher)
    finally:
        ix.close()


def _validate_tip_records(
    directory: Path, lang: str, searcher: Searcher, records: Sequence[StoredTip]
) -> None:
    """The tip files are whole, and the first, middle and last tips are found by id at the
    number the files hold them under and read back as they were written."""
    try:
        store = TipStore.open(directory / TIPS_DIR, searcher.doc_count_all())
    except DamagedTipStore as exc:
        raise IndexValidationError(f"{lang} index tip records: {exc}") from exc
    if store is None:
        raise IndexValidationError(f"{lang} index has no tip records")
    try:
        for position in sorted({0, len(records) // 2, len(records) - 1} if records else ()):
            probe = records[position]
            docnum = searcher.document_number(id=probe.id)
            if docnum != position:
                raise IndexValidationError(f"{lang} index does not find tip {probe.id}")
            if StoredTip.model_validate_json(store.record(docnum)) != probe:
                raise IndexValidationError(f"{lang} index does not return tip {probe.id}")
        if records and not searcher.search(Term("id", records[0].id), limit=1):
            raise IndexValidationError(f"{lang} index cannot search for tip {records[0].id}")
    finally:
        store.close()


def _validate_ranking(
    directory: Path, lang: str, searcher: Searcher, records: Sequence[StoredTip]
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


def _validate_surface_forms(
    directory: Path, lang: str, searcher: Searcher, records: Sequence[StoredTip]
) -> None:
    """The saved words are whole, and the first tip written in ``lang`` is found by its
    first word."""
    try:
        table = SurfaceTable.open(directory / SURFACE_DIR, searcher.doc_count_all())
    except DamagedSurfaceTable as exc:
        raise IndexValidationError(f"{lang} index words: {exc}") from exc
    if lang == "zh":
        return
    if table is None:
        raise IndexValidationError(f"{lang} index has no saved words")
    for docnum, words in enumerate(_surface_words(records, lang)):
        if words:
            if docnum not in table.tips(words[0]).tolist():
                raise IndexValidationError(
                    f"{lang} index words do not find tip {records[docnum].id}"
                )
            return


def _validate_typo_indexes(directory: Path, lang: str, searcher: Searcher) -> None:
    """The deletion indexes are whole, made of the index's own terms and words, and find the
    first, middle and last of them one typo away from themselves."""
    doc_count = searcher.doc_count_all()
    table = ImpactTable.load(directory / IMPACTS_DIR, doc_count)
    surface = SurfaceTable.open(directory / SURFACE_DIR, doc_count)
    if table is None:
        raise IndexValidationError(f"{lang} index has no ranking scores")
    vocabularies = typo_vocabularies(table, surface.words() if surface is not None else None)
    try:
        saved = open_typo_indexes(directory / TYPO_DIR, vocabularies)
    except DamagedTypoIndex as exc:
        raise IndexValidationError(f"{lang} index typo candidates: {exc}") from exc
    if saved is None:
        raise IndexValidationError(f"{lang} index has no typo candidates")
    for name, terms in vocabularies.items():
        for number in sorted({0, len(terms) // 2, len(terms) - 1} if terms else ()):
            term = terms[number]
            if not indexed(term, 1):
                continue  # Chinese or very long: such words are scanned, never looked up
            if number not in saved[name].near(term, 1).tolist():
                raise IndexValidationError(f"{lang} index typo candidates do not find {term!r}")
