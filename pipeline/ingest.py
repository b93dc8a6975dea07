"""The ingest pipeline, composed:
load → normalise → language check → segment → translate → index → publish.

The editors' glossary (``content/glossary.yaml``) is read and checked at each ingest and
published with the version; a glossary edit alone publishes a new version.

:func:`run_ingest` never raises for bad content: every refused file is in the report with its
reason, and the previously published version keeps serving unless a complete, validated new one
replaces it.
"""

import hashlib
import logging
import shutil
import sqlite3
import unicodedata
from collections import Counter
from concurrent.futures import as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter

from pipeline.analysis import analyzer_for
from pipeline.argos import ArgosTranslator
from pipeline.checkpoints import checkpoint
from pipeline.editor_translations import EditorTranslations, load_editor_translations
from pipeline.forked import forked_pool
from pipeline.glossary import (
    GLOSSARY_SOURCE,
    Glossary,
    load_published_glossary,
    read_glossary,
)
from pipeline.index import FORMAT_VERSION, IndexValidationError, validate_index, write_index
from pipeline.languages import CONTENT_LANGS, INDEX_LANGS
from pipeline.load import (
    ARTICLE_SUFFIXES,
    RejectedFile,
    load_content,
)
from pipeline.normalise import normalise_article
from pipeline.publish import (
    ARTICLES_FILE,
    GLOSSARY_FILE,
    INDEX_DIR,
    MANIFEST_FILE,
    IngestBusy,
    Manifest,
    PublishedVersion,
    PublishError,
    current_version,
    ingest_lock,
    new_build_dir,
    next_version_name,
    publish,
    remove_leftover_builds,
)
from pipeline.read_articles import Progress, process_articles
from pipeline.schema import (
    Article,
    FileProblem,
    IngestReport,
    PublishedArticle,
    StoredTip,
    Tip,
)
from pipeline.segment import SEGMENTER_VERSION, segment_article
from pipeline.settings import Settings
from pipeline.state import STATE_FILE, IngestState, ProcessedArticle, load_state, save_state
from pipeline.translate import localise
from pipeline.translation_memory import TranslationMemory
from pipeline.translator import Translator

logger = logging.getLogger("csguide.ingest")


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, detail: str) -> None:
        pass


def default_translator(settings: Settings) -> ArgosTranslator:
    """The installed Argos models (none installed: a translator with no routes)."""
    return ArgosTranslator(
        settings.models_path,
        threads=settings.threads,
        beam_size=settings.translation_beam_size,
        batch_size=settings.translation_batch_size,
    )


def run_ingest(
    settings: Settings,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    translator: Translator | None = None,
) -> IngestReport:
    """Ingest ``settings.content_dir`` into ``settings.data_dir``; see :class:`IngestReport`.

    ``translator`` defaults to the installed Argos models; a dry run makes no model calls.
    """
    report = IngestReport(dry_run=dry_run)
    translator = translator if translator is not None else default_translator(settings)
    run = _Run(settings, report, translator, progress or _Silent(), dry_run=dry_run, force=force)
    try:
        if dry_run:  # reads only, so it needs no lock and leaves leftovers alone
            run.ingest()
        else:
            with ingest_lock(settings.data_dir):
                run.ingest()
    except (IngestBusy, PublishError, IndexValidationError, OSError, sqlite3.Error) as exc:
        report.status, report.exit_code = "failed", 2
        report.message = f"nothing published: {exc}"
    except Exception as exc:  # a bug or a broken dependency: still a report, still exit 2
        logger.exception("ingest failed")
        report.status, report.exit_code = "failed", 2
        report.message = f"nothing published: unexpected {type(exc).__name__}: {exc}"
    return report


@dataclass
class _Run:
    settings: Settings
    report: IngestReport
    translator: Translator
    progress: Progress
    dry_run: bool
    force: bool

    def ingest(self) -> None:
        settings, report, dry_run = self.settings, self.report, self.dry_run
        data_dir = settings.data_dir
        previous = current_version(data_dir)
        report.previous_version = report.version = previous.name if previous else None
        if not dry_run:
            for removed in remove_leftover_builds(data_dir):
                if not removed.startswith("."):  # a half-built one goes without a word
                    report.warnings.append(
                        FileProblem(
                            path=f"versions/{removed}",
                            reason="removed: an ingest was killed after putting this version "
                            "in place and before serving it; it was never served",
                        )
                    )

        loaded = load_content(settings.content_dir, settings.max_article_bytes)
        report.rejected.extend(loaded.rejected)
        report.warnings.extend(loaded.warnings)
        report.articles_seen = len(loaded.files) + len(loaded.rejected)
        editor = load_editor_translations(loaded.translations)
        report.rejected.extend(editor.rejected)
        glossary = self._read_glossary(previous)

        state = load_state(data_dir)
        _keep_last_good_translations(editor, state, report)
        processed = process_articles(
            loaded.files,
            state,
            report,
            force=self.force,
            progress=self.progress,
            max_bytes=settings.max_article_bytes,
            processes=settings.index_processes,
        )
        _keep_last_good_versions(processed, state, report)
        checkpoint("read")
        published = _published_articles(previous)
        _refuse_to_drop_silently(report, processed, published)
        for article_id, lang in sorted(editor.files):
            if article_id not in processed:
                report.warnings.append(
                    FileProblem(
                        path=editor.paths[(article_id, lang)],
                        reason=f"translates {article_id}, which is not published; not used",
                    )
                )

        entries = [processed[article_id] for article_id in sorted(processed)]
        _report_article_changes(report, published, entries, state)
        inputs = _inputs_fingerprint(entries, editor, self.translator, glossary)
        if (
            previous is not None
            and entries
            and previous.manifest.inputs == inputs
            and not self.force
        ):
            # Nothing the last version was built from has changed: no record to rebuild.
            _count_from_manifest(report, entries, previous.manifest)
            report.status = "up-to-date"
            report.message = f"nothing changed since version {previous.name}"
            # e.g. only the segmenter cache moved, or files were saved again unchanged
            if not dry_run and _state_moved(state, processed, editor):
                self._save_state(_new_state(processed, editor))
            self._finish()
            return
        memory = self._open_memory()
        try:
            self.progress.phase("translate", 1)
            localised = localise(
                entries,
                editor,
                self.translator,
                memory,
                report.translation,
                call_models=not dry_run,
            )
            self.progress.advance("done")
            checkpoint("translated")
            records = localised.records
            _count(report, [tip for entry in entries for tip in entry.tips], records)
            if not entries:
                report.status, report.exit_code = "failed", 2
                report.message = "nothing published: no article could be used" + (
                    "; the previous version keeps serving" if previous else ""
                )
                return
            fingerprint = _fingerprint(records, entries, glossary)
            if (
                previous is not None
                and previous.manifest.fingerprint == fingerprint
                and not self.force
            ):
                report.status = "up-to-date"
                report.message = f"nothing changed since version {previous.name}"
            elif dry_run:
                report.status = "dry-run"
                report.message = "dry run: a new version would be published"
            else:
                report.version = _build_and_publish(
                    settings,
                    processed,
                    records,
                    glossary,
                    fingerprint,
                    inputs,
                    self.progress,
                    models=report.translation.models,
                )
                report.status = "published"
                report.message = f"published version {report.version}"
            if not dry_run:
                self._save_state(_new_state(processed, editor))
                if memory is not None:
                    memory.mark_outdated_except(localised.live_segments)
        finally:
            if memory is not None:
                memory.close()
        self._finish()

    def _finish(self) -> None:
        report = self.report
        glossary_problems = len(report.glossary.problems)
        if report.rejected or glossary_problems:
            report.exit_code = 1
            if report.status != "dry-run":
                report.status = "partial"
            if report.rejected:
                report.message += f"; {len(report.rejected)} file(s) rejected"
            if glossary_problems:
                report.message += f"; {glossary_problems} glossary problem(s)"
        else:
            report.exit_code = 0

    def _read_glossary(self, previous: PublishedVersion | None) -> Glossary:
        """The glossary to publish: the editors' file as checked, its problems in the report.
        A file that cannot be used at all keeps the serving version's glossary (as a rejected
        article keeps its last good version) rather than publishing none."""
        glossary_report = self.report.glossary
        loaded = read_glossary(self.settings.content_dir / GLOSSARY_SOURCE, GLOSSARY_SOURCE)
        glossary_report.path = GLOSSARY_SOURCE
        glossary_report.found = loaded.found
        glossary_report.problems.extend(loaded.problems)
        glossary = loaded.glossary
        if not loaded.usable and previous is not None:
            try:
                glossary = load_published_glossary(previous.path)
                glossary_report.kept_from = previous.name
            except PublishError as exc:
                glossary_report.problems.append(
                    FileProblem(
                        path=GLOSSARY_SOURCE,
                        reason=f"the glossary of version {previous.name} cannot be kept: {exc}",
                    )
                )
        glossary_report.concepts = len(glossary.concepts)
        glossary_report.terms = glossary.term_count
        return glossary

    def _save_state(self, state: IngestState) -> None:
        """The state is a shortcut and a keeper of last good versions; failing to write it
        loses nothing published, so it is a warning, not "nothing published"."""
        try:
            save_state(self.settings.data_dir, state)
        except OSError as exc:
            self.report.warnings.append(
                FileProblem(
                    path=str(STATE_FILE),
                    reason=f"the ingest state could not be saved ({exc.strerror or exc}); the "
                    "next ingest reads every article again and cannot keep the last good "
                    "version of a file rejected then",
                )
            )

    def _open_memory(self) -> TranslationMemory | None:
        path = self.settings.translation_memory_path
        try:
            if self.dry_run:
                return TranslationMemory(path, readonly=True) if path.exists() else None
            return TranslationMemory(path)
        except sqlite3.DatabaseError as exc:
            raise PublishError(
                f"the translation memory {path} cannot be read ({exc}): move it aside and "
                "ingest again; a new memory is made, and machine translations are made again"
            ) from exc


def _keep_last_good_translations(
    editor: EditorTranslations, state: IngestState, report: IngestReport
) -> None:
    """A translation file that was good before and is rejected now keeps serving its last good
    version (its rejection stays in the report, with the line to fix)."""
    for problem in report.rejected:  # refused by the loader (size, symlink) or the parser
        kept = state.translations.get(problem.path)
        if kept is None or (kept.article, kept.lang) in editor.files:
            continue
        editor.files[(kept.article, kept.lang)] = kept
        editor.paths[(kept.article, kept.lang)] = problem.path
        report.translations_kept.append(problem.path)


def _state_moved(
    state: IngestState, processed: dict[str, ProcessedArticle], editor: EditorTranslations
) -> bool:
    translations = {editor.paths[key]: document for key, document in editor.files.items()}
    return (
        state.segmenter_version != SEGMENTER_VERSION
        or state.translations != translations
        or any(
            (old := state.articles.get(article_id)) is None
            or old.source_digest != entry.source_digest
            or old.article != entry.article
            for article_id, entry in processed.items()
        )
    )


def _new_state(processed: dict[str, ProcessedArticle], editor: EditorTranslations) -> IngestState:
    return IngestState(
        segmenter_version=SEGMENTER_VERSION,
        articles=processed,
        translations={editor.paths[key]: document for key, document in editor.files.items()},
    )


def _published_articles(previous: PublishedVersion | None) -> dict[str, PublishedArticle] | None:
    """The serving version's articles by id ({} with none published; None when its list cannot
    be read)."""
    if previous is None:
        return {}
    try:
        listed = _ARTICLE_LIST.validate_json((previous.path / ARTICLES_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    return {article.id: article for article in listed}


def _refuse_to_drop_silently(
    report: IngestReport,
    processed: dict[str, ProcessedArticle],
    published: dict[str, PublishedArticle] | None,
) -> None:
    """A published article whose file is rejected now keeps its last good version from the
    ingest state. With the state missing or unreadable there is none to keep: publishing would
    drop the article without anyone asking, so nothing is published and the report says why."""
    lost = sorted(
        article_id
        for problem in report.rejected
        if (article_id := article_id_for(problem.path)) is not None
        and article_id not in processed
        and published is not None
        and article_id in published
    )
    if lost:
        raise PublishError(
            f"{', '.join(lost)}: published now, rejected in this ingest, and the ingest state "
            f"that keeps a last good version ({STATE_FILE}) is missing or unreadable; fix the "
            "file(s), or remove them to drop the article(s) from the next version"
        )


def _report_article_changes(
    report: IngestReport,
    published: dict[str, PublishedArticle] | None,
    entries: list[ProcessedArticle],
    state: IngestState,
) -> None:
    """Which articles this ingest adds, changes and removes, against the serving version (and
    the state it was built from, which also sees edits of headings alone)."""
    if published is None:
        return  # the old list cannot be read: nothing to compare with, nothing claimed
    before = published
    now = {entry.article.id: _published_article(entry) for entry in entries}
    report.articles_added = sorted(now.keys() - before.keys())
    report.articles_removed = sorted(before.keys() - now.keys())
    hashes = {entry.article.id: entry.article.hash for entry in entries}
    report.articles_changed = sorted(
        article_id
        for article_id in now.keys() & before.keys()
        if now[article_id] != before[article_id]
        or (
            article_id in state.articles
            and state.articles[article_id].article.hash != hashes[article_id]
        )
    )


_ARTICLE_LIST = TypeAdapter(list[PublishedArticle])


def _keep_last_good_versions(
    processed: dict[str, ProcessedArticle], state: IngestState, report: IngestReport
) -> None:
    """A file that was good before and is rejected now keeps its last good version indexed."""
    for problem in report.rejected:
        article_id = article_id_for(problem.path)
        if article_id and article_id not in processed and article_id in state.articles:
            processed[article_id] = state.articles[article_id]
            report.articles_kept.append(article_id)


def read_article(settings: Settings, article_id: str) -> tuple[Article, list[Tip]]:
    """One article from the content dir with its tips, as ingest would cut it."""
    loaded = load_content(settings.content_dir, settings.max_article_bytes)
    for problem in loaded.rejected:
        if article_id_for(problem.path) == article_id:
            raise LookupError(f"{problem.path} is rejected: {problem.reason}")
    for source in loaded.files:
        if source.id == article_id:
            try:
                article = normalise_article(source, settings.max_article_bytes).article
            except RejectedFile as exc:
                raise LookupError(f"{source.path} is rejected: {exc}") from exc
            return article, segment_article(article)
    raise LookupError(f"no article {article_id!r} in {settings.content_dir}")


def article_id_for(path: str) -> str | None:
    """'lv/slug.txt' (or .md, .html, .docx) → 'lv/slug'; None for paths that cannot be
    articles."""
    parts = Path(path).parts
    if len(parts) != 2 or parts[0] not in CONTENT_LANGS:
        return None
    if not path.lower().endswith(ARTICLE_SUFFIXES):
        return None
    return f"{parts[0]}/{unicodedata.normalize('NFC', Path(parts[1]).stem)}"


def _fingerprint(
    records: dict[str, list[StoredTip]], entries: list[ProcessedArticle], glossary: Glossary
) -> str:
    """Everything a version publishes (indexes, article list, glossary): equal fingerprints,
    equal versions."""
    digest = hashlib.sha256(f"format {FORMAT_VERSION}\n".encode())
    digest.update(f"glossary {glossary.fingerprint()}\n".encode())
    for entry in entries:
        digest.update(_published_article(entry).model_dump_json().encode())
    for lang in sorted(records):
        for record in records[lang]:
            digest.update(f"{lang} ".encode())
            digest.update(record.model_dump_json().encode())
            digest.update(b"\n")
    return digest.hexdigest()


def _inputs_fingerprint(
    entries: list[ProcessedArticle],
    editor: EditorTranslations,
    translator: Translator,
    glossary: Glossary,
) -> str:
    digest = hashlib.sha256(f"format {FORMAT_VERSION} segmenter {SEGMENTER_VERSION}\n".encode())
    # The cleaned glossary, not the file: an edit of comments or layout alone changes nothing.
    digest.update(f"glossary {glossary.fingerprint()}\n".encode())
    for entry in entries:
        meta = entry.article.meta.model_dump_json()
        digest.update(f"{entry.article.id} {entry.article.hash} {meta}\n".encode())
    for key in sorted(editor.files):
        digest.update(f"{key} ".encode() + editor.files[key].model_dump_json().encode() + b"\n")
    for source in CONTENT_LANGS:
        for target in INDEX_LANGS:
            if source != target:
                digest.update(
                    f"{source}>{target}={translator.model_for(source, target)}\n".encode()
                )
    return digest.hexdigest()


def _count_from_manifest(
    report: IngestReport, entries: list[ProcessedArticle], manifest: Manifest
) -> None:
    tips = [tip for entry in entries for tip in entry.tips]
    report.tip_count = len(tips)
    report.tip_count_by_source_lang = dict(sorted(Counter(tip.lang for tip in tips).items()))
    report.languages = manifest.provenance


def _count(report: IngestReport, tips: list[Tip], records: dict[str, list[StoredTip]]) -> None:
    report.tip_count = len(tips)
    report.tip_count_by_source_lang = dict(sorted(Counter(tip.lang for tip in tips).items()))
    report.languages = _provenance_counts(records)


def _provenance_counts(records: dict[str, list[StoredTip]]) -> dict[str, dict[str, int]]:
    counts = {}
    for lang, lang_records in records.items():
        by_provenance = Counter(r.translation.provenance for r in lang_records)
        counts[lang] = {
            **{p: by_provenance.get(p, 0) for p in ("original", "editor", "machine", "none")},
            "outdated": sum(1 for r in lang_records if r.translation.outdated),
        }
    return counts


def _published_article(entry: ProcessedArticle) -> PublishedArticle:
    return PublishedArticle(
        id=entry.article.id,
        lang=entry.article.lang,
        path=entry.article.path,
        title=entry.article.title,
        meta=entry.article.meta,
        tips=tuple(tip.id for tip in entry.tips),
    )


# Records handed to forked index builders without pickling them (set just before the fork).
_PENDING: dict[str, list[StoredTip]] = {}


def _build_one(lang: str, directory: Path) -> str:
    write_index(directory, lang, _PENDING[lang])
    validate_index(directory, lang, _PENDING[lang])
    if lang == next(iter(_PENDING)):
        checkpoint("indexing")  # in a builder process: the parent and the others run on
    return lang


def _write_indexes(
    build_dir: Path, records: dict[str, list[StoredTip]], processes: int, progress: Progress
) -> None:
    """Build and validate every language's index; whoosh is pure Python, so on several cores
    they are built in parallel processes (forked, so they share the loaded analyzers)."""
    progress.phase("indexes", len(records))
    if processes <= 1 or len(records) <= 1:
        for lang, lang_records in records.items():
            write_index(build_dir / INDEX_DIR / lang, lang, lang_records)
            validate_index(build_dir / INDEX_DIR / lang, lang, lang_records)
            progress.advance(lang)
            checkpoint("indexing")
        return
    list(analyzer_for("zh")("预热"))  # load jieba once, before forking, for every builder
    _PENDING.update(records)
    try:
        with forked_pool(processes) as pool:
            futures = [
                pool.submit(_build_one, lang, build_dir / INDEX_DIR / lang) for lang in records
            ]
            for future in as_completed(futures):
                progress.advance(future.result())
    finally:
        _PENDING.clear()


def _build_and_publish(
    settings: Settings,
    processed: dict[str, ProcessedArticle],
    records: dict[str, list[StoredTip]],
    glossary: Glossary,
    fingerprint: str,
    inputs: str,
    progress: Progress,
    models: dict[str, str],
) -> str:
    data_dir = settings.data_dir
    build_dir = new_build_dir(data_dir)
    try:
        _write_indexes(build_dir, records, settings.index_processes, progress)
        articles = [_published_article(entry) for _, entry in sorted(processed.items())]
        (build_dir / ARTICLES_FILE).write_text(
            "[" + ",\n".join(a.model_dump_json() for a in articles) + "]\n", encoding="utf-8"
        )
        (build_dir / GLOSSARY_FILE).write_text(
            glossary.model_dump_json(indent=1) + "\n", encoding="utf-8"
        )
        if load_published_glossary(build_dir).fingerprint() != glossary.fingerprint():
            raise PublishError(f"{GLOSSARY_FILE} does not read back as it was written")
        name = next_version_name(data_dir)
        manifest = Manifest(
            version=name,
            created=datetime.now(UTC),
            format_version=FORMAT_VERSION,
            fingerprint=fingerprint,
            inputs=inputs,
            articles=len(articles),
            tips=sum(len(a.tips) for a in articles),
            languages={lang: len(lang_records) for lang, lang_records in records.items()},
            provenance=_provenance_counts(records),
            glossary_concepts=len(glossary.concepts),
            models=models,
        )
        (build_dir / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        checkpoint("built")
        return publish(data_dir, build_dir, name, settings.keep_versions).name
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir, ignore_errors=True)
