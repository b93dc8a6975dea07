"""Stage: every tip in every language, with its provenance.

For each tip and each index language, in order of preference:

1. the tip's own language: ``original``;
2. an editor's translation (``content/<lang>/<slug>.<target>.yaml``): ``editor``, flagged
   ``outdated`` when its original has changed since;
3. a machine translation, from the translation memory or made now in one batch per language
   pair: ``machine``, with the model version;
4. otherwise the original text, shown as it is: ``none``.

Titles and article titles (the tip's context) are translated the same way, as separate segments.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pipeline.editor_translations import EditorTranslation, EditorTranslations
from pipeline.languages import INDEX_LANGS, LANGUAGE_NAMES
from pipeline.schema import (
    FileProblem,
    SourceRef,
    StoredTip,
    Tip,
    TipTable,
    TranslationInfo,
    TranslationReport,
)
from pipeline.state import ProcessedArticle
from pipeline.translation_memory import MemoryEntry, TranslationMemory
from pipeline.translator import Translator, output_problem

Pair = tuple[str, str]


@dataclass(frozen=True)
class Localised:
    records: dict[str, list[StoredTip]]
    #: (text, source, target) of every segment a tip needs machine-translated: what the
    #: translation memory should keep fresh.
    live_segments: set[tuple[str, str, str]]


def localise(
    articles: Iterable[ProcessedArticle],
    editor: EditorTranslations,
    translator: Translator | None,
    memory: TranslationMemory | None,
    report: TranslationReport,
    *,
    call_models: bool = True,
) -> Localised:
    entries = list(articles)
    tips = [tip for entry in entries for tip in entry.tips]
    by_editor = _editor_translations(entries, editor)
    needed = _segments_needed(tips, by_editor)
    machine = {
        pair: _machine_translations(pair, texts, translator, memory, report, call_models)
        for pair, texts in sorted(needed.items())
    }
    records: dict[str, list[StoredTip]] = {
        lang: [_record(tip, lang, by_editor[lang].get(tip.id), machine, report) for tip in tips]
        for lang in INDEX_LANGS
    }
    live = {(text, src, tgt) for (src, tgt), texts in needed.items() for text in texts}
    return Localised(records, live)


def _editor_translations(
    entries: list[ProcessedArticle], editor: EditorTranslations
) -> dict[str, dict[str, EditorTranslation]]:
    by_lang: dict[str, dict[str, EditorTranslation]] = {lang: {} for lang in INDEX_LANGS}
    for entry in entries:
        for lang in INDEX_LANGS:
            if lang != entry.article.lang:
                by_lang[lang].update(editor.for_article(entry.article, entry.tips, lang))
    return by_lang


def _segments_needed(
    tips: list[Tip], by_editor: dict[str, dict[str, EditorTranslation]]
) -> dict[Pair, set[str]]:
    needed: dict[Pair, set[str]] = defaultdict(set)
    for tip in tips:
        for lang in INDEX_LANGS:
            if lang == tip.lang:
                continue
            edited = by_editor[lang].get(tip.id)
            segments = needed[(tip.lang, lang)]
            if edited is None:
                segments.add(tip.text)
                segments.update(_table_cells(tip))
            if edited is None or edited.title is None:
                segments.add(tip.title)
            if edited is None or edited.context is None:
                segments.add(tip.context)
    return {pair: texts for pair, texts in needed.items() if texts}


def _table_cells(tip: Tip) -> set[str]:
    """A table's cells are translated one by one, so the table can be shown in every language."""
    if tip.table is None:
        return set()
    cells = {*tip.table.header, *(cell for row in tip.table.rows for cell in row)}
    return {cell for cell in cells if cell.strip()}


def _translated_table(table: TipTable | None, good: Callable[[str], str | None]) -> TipTable | None:
    """The table in another language, when every cell has a usable translation."""
    if table is None:
        return None

    def row(cells: tuple[str, ...]) -> tuple[str, ...] | None:
        out = tuple(good(cell) if cell.strip() else cell for cell in cells)
        return None if None in out else out  # type: ignore[return-value]

    header = row(table.header)
    rows = [row(cells) for cells in table.rows]
    if header is None or any(cells is None for cells in rows):
        return None
    return TipTable(header=header, rows=tuple(rows))


def _machine_translations(
    pair: Pair,
    texts: set[str],
    translator: Translator | None,
    memory: TranslationMemory | None,
    report: TranslationReport,
    call_models: bool,
) -> dict[str, MemoryEntry]:
    source, target = pair
    model = translator.model_for(source, target) if translator is not None else None
    if translator is None or model is None:
        return {}
    report.models[f"{source}→{target}"] = model
    known = memory.lookup(texts, source, target) if memory is not None else {}
    # A translation made by another model version, or by another revision of the engine's
    # decoding, than the installed ones is stale: redo it.
    usable = {
        text: entry
        for text, entry in known.items()
        if entry.model == model and entry.engine == translator.engine
    }
    report.segments_from_memory += len(usable)
    todo = sorted((text for text in texts if text not in usable), key=len)
    if not todo:
        return usable
    if not call_models:
        report.segments_pending += len(todo)
        return usable
    calls_before = translator.model_calls
    try:
        outputs = translator.translate(todo, source, target)
    except Exception as exc:  # a broken or half-installed model must not stop the ingest
        report.failed[f"{source}→{target}"] = f"{model}: {type(exc).__name__}: {exc}"
        return usable
    finally:
        report.model_calls += translator.model_calls - calls_before
    report.segments_translated += len(todo)
    made = [
        MemoryEntry(
            source_text=text,
            source_lang=source,
            target_lang=target,
            text=output.strip(),
            engine=translator.engine,
            model=model,
            problem=output_problem(text, output, source, target),
        )
        for text, output in zip(todo, outputs, strict=True)
    ]
    if memory is not None:
        memory.store(made)
    usable.update((entry.source_text, entry) for entry in made)
    return usable


def _record(
    tip: Tip,
    lang: str,
    edited: EditorTranslation | None,
    machine: dict[Pair, dict[str, MemoryEntry]],
    report: TranslationReport,
) -> StoredTip:
    if tip.lang == lang:
        return _make(tip, lang, tip.title, tip.context, tip.text, "original", table=tip.table)
    translated = machine.get((tip.lang, lang), {})

    def good(text: str) -> str | None:
        entry = translated.get(text)
        return entry.text if entry is not None and entry.problem is None else None

    if edited is not None:
        return _make(
            tip,
            lang,
            edited.title or good(tip.title) or tip.title,
            edited.context or good(tip.context) or tip.context,
            edited.text,
            "editor",
            outdated=edited.outdated,
            # The editor's own table; without one the editor's text shows the table as lines.
            table=edited.table,
        )
    text = good(tip.text)
    if text is not None:
        return _make(
            tip,
            lang,
            good(tip.title) or tip.title,
            good(tip.context) or tip.context,
            text,
            "machine",
            model=translated[tip.text].model,
            table=_translated_table(tip.table, good),
        )
    entry = translated.get(tip.text)
    if entry is not None and entry.problem is not None:
        report.flagged.append(
            FileProblem(
                path=tip.id, reason=f"machine translation into {lang} not used: {entry.problem}"
            )
        )
    pair = f"{tip.lang}→{lang}"
    report.untranslated[pair] = report.untranslated.get(pair, 0) + 1
    return _make(tip, tip.lang, tip.title, tip.context, tip.text, "none", table=tip.table)


def _make(
    tip: Tip,
    lang: str,
    title: str,
    context: str,
    text: str,
    provenance: str,
    *,
    outdated: bool = False,
    model: str | None = None,
    table: TipTable | None = None,
) -> StoredTip:
    return StoredTip(
        id=tip.id,
        lang=lang,
        title=title,
        context=context,
        text=text,
        table=table,
        position=tip.position,
        source=SourceRef(lang=tip.lang, article=tip.article, title=tip.title, text=tip.text),
        translation=TranslationInfo(
            provenance=provenance,
            outdated=outdated,
            model=model,
        ),
    )


def describe_untranslated(pair: str, count: int) -> str:
    source, target = pair.split("→")
    return (
        f"{count} tip(s) from {source} have no {LANGUAGE_NAMES.get(target, target)} translation "
        f"and are shown in the original: add an editor translation or install a {pair} model "
        "(csguide models install)"
    )
