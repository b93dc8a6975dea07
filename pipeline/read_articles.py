"""Stage 1–4 for each article: read (normalise), check its language and cut it into tips —
on every core when there are many, and not at all for a file whose bytes are unchanged."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.forked import forked_pool
from pipeline.langcheck import check_language
from pipeline.languages import ContentLang
from pipeline.load import RejectedFile, SourceFile, read_article_file
from pipeline.normalise import normalise_article
from pipeline.schema import Article, FileProblem, IngestReport, Tip
from pipeline.segment import SEGMENTER_VERSION, segment_article
from pipeline.state import IngestState, ProcessedArticle


class Progress(Protocol):
    """Receives progress of long steps (the CLI shows it as a progress bar)."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, detail: str) -> None: ...


def process_articles(
    files: list[SourceFile],
    state: IngestState,
    report: IngestReport,
    *,
    force: bool,
    progress: Progress,
    max_bytes: int,
    processes: int = 1,
) -> dict[str, ProcessedArticle]:
    reusable = {} if force or state.segmenter_version != SEGMENTER_VERSION else state.articles
    processed: dict[str, ProcessedArticle] = {}
    progress.phase("articles", len(files))
    todo: list[SourceFile] = []
    for source in files:
        cached = reusable.get(source.id)
        if (
            cached is not None
            and source.digest
            and cached.source_digest == source.digest
            and cached.article.path == source.path
        ):
            # The very bytes it was read from: nothing to read again.
            processed[source.id] = cached
            report.articles_unchanged += 1
            progress.advance(source.path)
        else:
            todo.append(source)
    for source, outcome in _read_and_cut(todo, reusable, max_bytes, processes):
        progress.advance(source.path)
        if isinstance(outcome, str):
            report.rejected.append(FileProblem(path=source.path, reason=outcome))
        elif outcome is reusable.get(source.id):
            processed[source.id] = outcome.model_copy(update={"source_digest": source.digest})
            report.articles_unchanged += 1
        else:
            processed[source.id] = outcome
            report.articles_processed += 1
    return processed


#: Below this many articles to read, reading in parallel costs more than it saves.
MIN_PARALLEL_ARTICLES = 40


def _read_and_cut(
    sources: list[SourceFile],
    reusable: dict[str, ProcessedArticle],
    max_bytes: int,
    processes: int,
) -> Iterator[tuple[SourceFile, ProcessedArticle | str]]:
    """Each article read, checked and cut (or why not), in order; on several cores in forked
    processes, since reading a Word file or a page is pure Python work."""
    if processes <= 1 or len(sources) < MIN_PARALLEL_ARTICLES:
        for source in sources:
            yield source, _read_and_cut_one(source, reusable.get(source.id), max_bytes)
        return
    _PENDING_SOURCES[:] = sources
    _PENDING_REUSABLE.update(reusable)
    try:
        size = max(1, min(50, len(sources) // (processes * 4)))
        chunks = [
            range(start, min(start + size, len(sources))) for start in range(0, len(sources), size)
        ]
        with forked_pool(processes) as pool:
            for chunk, outcomes in zip(
                chunks,
                pool.map(_read_and_cut_chunk, [(c.start, c.stop, max_bytes) for c in chunks]),
                strict=True,
            ):
                for index, outcome in zip(chunk, outcomes, strict=True):
                    source = sources[index]
                    if outcome is None:  # unchanged: the cached article, not a copy of it
                        yield source, reusable[source.id]
                    else:
                        yield source, outcome
    finally:
        _PENDING_SOURCES.clear()
        _PENDING_REUSABLE.clear()


# Articles handed to forked readers without pickling them (set just before the fork).
_PENDING_SOURCES: list[SourceFile] = []
_PENDING_REUSABLE: dict[str, ProcessedArticle] = {}


def _read_and_cut_chunk(job: tuple[int, int, int]) -> list[ProcessedArticle | str | None]:
    start, stop, max_bytes = job
    outcomes: list[ProcessedArticle | str | None] = []
    for source in _PENDING_SOURCES[start:stop]:
        cached = _PENDING_REUSABLE.get(source.id)
        outcome = _read_and_cut_one(source, cached, max_bytes)
        outcomes.append(None if outcome is cached and cached is not None else outcome)
    return outcomes


def _read_and_cut_one(
    source: SourceFile, cached: ProcessedArticle | None, max_bytes: int
) -> ProcessedArticle | str:
    """The article with its tips (``cached`` itself when reading gives the same article), or
    the reason it is rejected."""
    try:
        article = normalise_article(source, max_bytes).article
        if cached is not None and cached.article == article:
            return cached
        check = check_language(article)
        if not check.ok:
            raise RejectedFile(check.reason)
        tips = segment_article(article)
        if not tips:
            raise RejectedFile("no tips found in the text")
    except RejectedFile as exc:
        return str(exc)
    return ProcessedArticle(article=article, tips=tips, source_digest=source.digest)


@dataclass(frozen=True)
class Preview:
    """How ingest would cut one file, without publishing anything."""

    path: str
    article: Article | None = None
    tips: tuple[Tip, ...] = ()
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    rejected: str | None = None  # why ingest would refuse the file


def preview_file(path: Path, lang: ContentLang, max_bytes: int) -> Preview:
    """Load, normalise, check and segment ``path`` exactly as ingest does."""
    shown = str(path)
    try:
        source, warnings = read_article_file(path, lang, max_bytes)
        normalised = normalise_article(source, max_bytes)
        check = check_language(normalised.article)
        if not check.ok:
            raise RejectedFile(check.reason)
        tips = segment_article(normalised.article)
        if not tips:
            raise RejectedFile("no tips found in the text")
    except RejectedFile as exc:
        return Preview(shown, rejected=str(exc))
    return Preview(shown, normalised.article, tuple(tips), normalised.removed, tuple(warnings))
