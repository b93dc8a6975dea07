"""The ``csguide`` command: ingest content, search what is published, manage index versions."""

import html
import json
import re
import shutil
import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pipeline.argos import ModelPackageError, install_package, installed_packages
from pipeline.editor_translations import load_translation_file, template, translation_path
from pipeline.files import atomic_write_text
from pipeline.index import (
    UnreadableFormat,
    check_readable_format,
    save_missing_surface_forms,
    save_missing_tips,
    save_missing_typo_indexes,
)
from pipeline.ingest import read_article, run_ingest
from pipeline.languages import CONTENT_LANGS, INDEX_LANGS, LANGUAGE_NAMES
from pipeline.load import ARTICLE_SUFFIXES, RejectedFile
from pipeline.model_index import install_online
from pipeline.publish import (
    PublishedVersion,
    PublishError,
    current_version,
    ingest_lock,
    list_versions,
    rollback,
    serving_version,
)
from pipeline.query import answer_search
from pipeline.query_language import UnsupportedLanguage
from pipeline.ranking import save_missing
from pipeline.read_articles import Preview, preview_file
from pipeline.schema import IngestReport
from pipeline.search import NotPublished, PublishedIndex, check_serveable
from pipeline.settings import get_settings
from pipeline.translate import describe_untranslated

app = typer.Typer(
    help="csguide: multilingual customer-service tips from editors' articles.",
    no_args_is_help=True,
    add_completion=False,
)
index_app = typer.Typer(help="Published index versions.", no_args_is_help=True)
app.add_typer(index_app, name="index")
translations_app = typer.Typer(help="Editors' translations of articles.", no_args_is_help=True)
app.add_typer(translations_app, name="translations")
models_app = typer.Typer(help="Offline translation models (Argos Translate).", no_args_is_help=True)
app.add_typer(models_app, name="models")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _BarProgress:
    """Adapts the pipeline's progress callbacks to a rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, description=f"{name} done", detail="")
        self._task = self._progress.add_task(name, total=total, detail="")

    def advance(self, detail: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1, detail=detail)


@app.command()
def ingest(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report; publish nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Process every article again, even unchanged ones.")
    ] = False,
) -> None:
    """Turn the articles in content/<lang>/ (.txt, .md, .html, .docx) into published
    per-language indexes.

    Exit status: 0 all published, 1 partial (some files rejected, the rest published),
    2 nothing published (the previous version, if any, keeps serving).
    """
    settings = get_settings()
    show_bar = not as_json and err.is_terminal
    if show_bar:
        columns = (
            TextColumn("{task.description:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=True) as bar:
            report = run_ingest(settings, dry_run=dry_run, force=force, progress=_BarProgress(bar))
    else:
        report = run_ingest(settings, dry_run=dry_run, force=force)
    if as_json:
        out.print_json(report.model_dump_json())
    else:
        _print_report(report)
    raise typer.Exit(report.exit_code)


def _print_report(report: IngestReport) -> None:
    colour = {0: "green", 1: "yellow"}.get(report.exit_code, "red")
    out.print(
        f"Articles: {report.articles_seen} found, {report.articles_processed} processed, "
        f"{report.articles_unchanged} unchanged, {len(report.rejected)} rejected"
        + (
            f", {len(report.articles_kept)} kept at their last good version"
            if report.articles_kept
            else ""
        )
    )
    for label, ids in (
        ("added", report.articles_added),
        ("changed", report.articles_changed),
        ("removed", report.articles_removed),
    ):
        if ids:
            out.print(f"  {label}: " + escape(", ".join(ids)))
    _print_glossary_counts(report)
    if report.languages:
        table = Table(
            title=f"Tips: {report.tip_count} from "
            + ", ".join(f"{n} {lang}" for lang, n in report.tip_count_by_source_lang.items())
        )
        table.add_column("index")
        for column in ("original", "editor", "machine", "untranslated", "outdated"):
            table.add_column(column, justify="right")
        for lang, counts in report.languages.items():
            table.add_row(
                f"{lang} {LANGUAGE_NAMES[lang]}",
                *(
                    str(counts.get(key, 0))
                    for key in ("original", "editor", "machine", "none", "outdated")
                ),
            )
        out.print(table)
    _print_translation(report)
    for problem in report.rejected:
        out.print(f"[red]rejected[/] {escape(problem.path)}: {escape(problem.reason)}")
    for kept in report.articles_kept:
        out.print(f"[yellow]kept[/] {escape(kept)}: its last good version stays published")
    for kept in report.translations_kept:
        out.print(f"[yellow]kept[/] {escape(kept)}: its last good version keeps serving")
    for problem in report.glossary.problems:
        out.print(f"[red]glossary[/] {escape(problem.path)}: {escape(problem.reason)}")
    if report.glossary.kept_from:
        out.print(
            f"[yellow]kept[/] {escape(report.glossary.path)}: the glossary of version "
            f"{escape(report.glossary.kept_from)} stays published until the file is fixed"
        )
    for problem in report.warnings:
        out.print(f"[yellow]warning[/] {escape(problem.path)}: {escape(problem.reason)}")
    out.print(f"[{colour}]{report.status}[/]: {escape(report.message)}")


def _print_glossary_counts(report: IngestReport) -> None:
    glossary = report.glossary
    if not glossary.found and not glossary.concepts:
        return
    line = f"Glossary: {glossary.concepts} concepts, {glossary.terms} terms"
    if glossary.problems:
        line += f", {len(glossary.problems)} problem(s)"
    if glossary.kept_from:
        line += f" (kept from version {glossary.kept_from})"
    out.print(escape(line))


def _print_translation(report: IngestReport) -> None:
    translation = report.translation
    done = (
        f"Machine translation: {translation.segments_from_memory} segment(s) from memory, "
        f"{translation.segments_translated} translated in {translation.model_calls} model call(s)"
    )
    if translation.segments_pending:
        done += f", {translation.segments_pending} would be translated"
    if translation.models:
        out.print(done)
        for pair, model in translation.models.items():
            out.print(f"  {pair}: {escape(model)}")
    for pair, count in sorted(translation.untranslated.items()):
        out.print(f"[yellow]untranslated[/] {pair}: {escape(describe_untranslated(pair, count))}")
    for pair, reason in sorted(translation.failed.items()):
        out.print(f"[red]model failed[/] {pair}: {escape(reason)}")
    for problem in translation.flagged:
        out.print(f"[yellow]flagged[/] {escape(problem.path)}: {escape(problem.reason)}")


@app.command()
def preview(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Article files (or folders of them) to cut, in any format."),
    ],
    lang: Annotated[
        str | None,
        typer.Option(help="The articles' language, for files outside content/<lang>/."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show how files will be cut into tips, without publishing anything.

    Each tip with its kind, title (and the heading above it) and text, then what was dropped.
    Exit status: 0 every file gives tips, 1 a file would be rejected (the reason is shown).
    """
    if lang is not None and lang not in CONTENT_LANGS:
        err.print(f"[red]error[/]: --lang must be one of {', '.join(CONTENT_LANGS)}, not {lang!r}")
        raise typer.Exit(2)
    settings = get_settings()
    previews = []
    for path in _article_paths(paths):
        file_lang = path.parent.name if path.parent.name in CONTENT_LANGS else lang
        if file_lang is None:
            previews.append(
                Preview(
                    str(path),
                    rejected="no language: put the file in content/<lang>/ or pass --lang",
                )
            )
            continue
        previews.append(preview_file(path, file_lang, settings.max_article_bytes))
    if as_json:
        out.print_json(json.dumps([_preview_json(p) for p in previews], ensure_ascii=False))
    else:
        for item in previews:
            _print_preview(item)
    raise typer.Exit(1 if any(p.rejected for p in previews) or not previews else 0)


def _article_paths(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and child.suffix.lower() in ARTICLE_SUFFIXES
                )
            )
        else:
            found.append(path)
    if not found:
        err.print("[red]no article files given[/]")
    return found


def _preview_json(item: Preview) -> dict[str, object]:
    article = item.article
    return {
        "path": item.path,
        "rejected": item.rejected,
        "format": article.format if article else None,
        "title": article.title if article else None,
        "tips": [tip.model_dump(mode="json", exclude={"hash"}) for tip in item.tips],
        "dropped": list(item.dropped),
        "warnings": list(item.warnings),
    }


def _print_preview(item: Preview) -> None:
    if item.rejected is not None or item.article is None:
        out.print(f"[red]rejected[/] {escape(item.path)}: {escape(item.rejected or '')}")
        return
    article = item.article
    out.print(
        f"[bold]{escape(item.path)}[/] ({article.format}) → {escape(article.id)}: "
        f"“{escape(article.title)}”, {len(item.tips)} tip(s)"
    )
    for tip in item.tips:
        where = tip.title if tip.context == article.title else f"{tip.context} › {tip.title}"
        out.print(f"  [cyan]{tip.position + 1:>3}[/] {tip.kind:<9} [bold]{escape(where)}[/]")
        if tip.table is not None:
            table = Table(
                *(escape(cell) for cell in tip.table.header),
                show_header=bool(tip.table.header),
                padding=(0, 1),
            )
            for row in tip.table.rows:
                table.add_row(*(escape(cell) for cell in row))
            out.print(table)
            continue
        for line in tip.text.split("\n"):
            out.print(f"      {escape(line)}")
    for what in item.dropped:
        out.print(f"  [yellow]dropped[/] {escape(what.removeprefix('dropped: '))}")
    for warning in item.warnings:
        out.print(f"  [yellow]warning[/] {escape(warning)}")


_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def _marked(highlighted: str) -> str:
    """The API's <mark> highlight as rich markup."""
    pieces, previous = [], 0
    for match in _MARK.finditer(highlighted):
        pieces.append(escape(html.unescape(highlighted[previous : match.start()])))
        pieces.append(f"[bold yellow]{escape(html.unescape(match.group(1)))}[/]")
        previous = match.end()
    pieces.append(escape(html.unescape(highlighted[previous:])))
    return "".join(pieces)


def _check_lang(value: str | None, option: str) -> None:
    if value is not None and value not in INDEX_LANGS:
        err.print(f"[red]error[/]: {option} must be one of {', '.join(INDEX_LANGS)}, not {value!r}")
        raise typer.Exit(2)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for, in any supported language.")],
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            "-l",
            help="Answer language: " + ", ".join(INDEX_LANGS) + " (default: the query's own, "
            "else CSGUIDE_DEFAULT_LANG)",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="How many tips.")] = 10,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many tips (paging).")] = 0,
    source_lang: Annotated[
        str | None, typer.Option(help="Only tips originally written in this language.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what GET /v1/search answers, as JSON.")
    ] = False,
) -> None:
    """Search the published tips, best first: the same answer as GET /v1/search."""
    _check_lang(source_lang, "--source-lang")  # --lang is negotiated as the API's lang is
    settings = get_settings()
    max_chars = settings.max_query_chars
    if not query.strip() or len(query) > max_chars:
        err.print(f"[red]error[/]: the query must have 1 to {max_chars} characters")
        raise typer.Exit(2)
    try:
        published = PublishedIndex.open_current(settings.data_dir)
    except NotPublished as exc:
        err.print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None
    try:
        page = answer_search(
            published,
            settings,
            query.strip(),
            lang=lang,
            limit=limit,
            offset=offset,
            source_lang=source_lang,
        )
    except UnsupportedLanguage as exc:
        err.print(f"[red]error[/]: --lang: {escape(str(exc))}")
        raise typer.Exit(2) from None
    finally:
        published.close()
    if as_json:
        sys.stdout.write(json.dumps(page.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    if not page.results:
        out.print(f"No tips found for {escape(repr(query))} in {page.answer_lang}.")
        return
    out.print(
        f"{page.total} tip(s) for {escape(repr(query))} in {page.answer_lang}, "
        f"showing {len(page.results)}:\n"
    )
    for rank, hit in enumerate(page.results, start=offset + 1):
        out.print(
            f"[bold]{rank}. {escape(hit.title)}[/]  [dim]{escape(hit.id)} · from {hit.source.lang}"
            f" · {hit.translation.provenance} · score {hit.score:.2f}[/]"
        )
        out.print(f"   {_marked(hit.highlight)}\n")


@index_app.command("versions")
def versions() -> None:
    """List the published index versions kept on disk; * marks the one being served."""
    data_dir = get_settings().data_dir
    serving = serving_version(data_dir)
    current = serving.version
    if serving.problem:
        err.print(f"[yellow]warning[/]: {escape(serving.problem)}")
    found = list_versions(data_dir)
    if not found:
        out.print(f"No versions published in {data_dir}.")
        return
    for version in found:
        marker = "*" if current and version.name == current.name else " "
        manifest = version.manifest
        out.print(
            f"{marker} {version.name}  {manifest.articles} articles, {manifest.tips} tips, "
            f"created {manifest.created:%Y-%m-%d %H:%M:%S}Z, format {manifest.format_version}"
        )
        try:
            check_readable_format(version.name, manifest.format_version)
        except UnreadableFormat as exc:
            out.print(f"    [yellow]cannot be served[/]: {escape(str(exc))}")


def _save_missing_files(version: PublishedVersion) -> None:
    """A version built before ranking scores, tip files, words as written or typo candidates
    were saved gets them now, not in the server; one in a format this code cannot read is
    refused first."""
    check_readable_format(version.name, version.manifest.format_version)
    for lang in INDEX_LANGS:
        if save_missing(version.index_dir(lang)):
            out.print(f"saved the ranking scores of {version.name}'s {lang} index")
        if save_missing_tips(version.index_dir(lang)):
            out.print(f"saved the tip records of {version.name}'s {lang} index")
        if save_missing_surface_forms(version.index_dir(lang), lang):
            out.print(f"saved the words as written of {version.name}'s {lang} index")
        if save_missing_typo_indexes(version.index_dir(lang)):
            out.print(f"saved the typo candidates of {version.name}'s {lang} index")


@index_app.command("rollback")
def rollback_command() -> None:
    """Serve the previous published version again."""
    data_dir = get_settings().data_dir
    try:
        with ingest_lock(data_dir):
            rolled = rollback(data_dir, prepare=_save_missing_files, check=check_serveable)
    except PublishError as exc:
        err.print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None
    except OSError as exc:  # a read-only or full data dir
        err.print(
            f"[red]error[/]: cannot write to the data dir {escape(str(data_dir))}: "
            f"{escape(exc.strerror or str(exc))}; nothing was changed"
        )
        raise typer.Exit(2) from None
    for skipped in rolled.skipped:
        err.print(f"[yellow]skipped[/] {escape(skipped)}")
    out.print(f"now serving {rolled.version.name}")


@translations_app.command("new")
def translations_new(
    article_id: Annotated[
        str, typer.Argument(help="Article id, e.g. zh/why-customer-service-matters")
    ],
    lang: Annotated[str, typer.Argument(help="Target language: " + ", ".join(INDEX_LANGS))],
) -> None:
    """Write content/<lang>/<slug>.<target>.yaml for an editor to fill in.

    Every tip is listed with its original; translations already in the file are kept, matched
    to the current tips, so running it again after the article changed shows what to update.
    """
    _check_lang(lang, "LANG")
    settings = get_settings()
    try:
        article, tips = read_article(settings, article_id)
    except LookupError as exc:
        err.print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None
    if lang == article.lang:
        err.print(f"[red]error[/]: {escape(article_id)} is written in {lang} already")
        raise typer.Exit(2)
    path = settings.content_dir / translation_path(article, lang)
    existing = None
    if path.exists():
        try:
            existing = load_translation_file(path, path.name, article.lang)
        except RejectedFile as exc:
            problem = escape(f"{path} is not valid ({exc}); fix or move it first")
            err.print(f"[red]error[/]: {problem}")
            raise typer.Exit(2) from None
    atomic_write_text(path, template(article, tips, lang, existing))  # editors' work: no torn file
    out.print(f"wrote {path} ({len(tips)} tips)")


class _DownloadDisplay:
    """Adapts install_online's callbacks: a rich bar per file on a terminal, a line per file
    otherwise; warnings on stderr."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID | None] = {}

    def progress(self, url: str, done: int, total: int | None) -> None:
        if url not in self._tasks:
            self._tasks[url] = self._start(url, total)
        task = self._tasks[url]
        if self._progress is not None and task is not None:
            self._progress.update(task, completed=done, total=total)

    def _start(self, url: str, total: int | None) -> TaskID | None:
        if self._progress is None:
            size = f" ({total / 1e6:.1f} MB)" if total is not None else ""
            err.print(f"downloading {escape(url)}{size}")
            return None
        return self._progress.add_task(escape(url.rsplit("/", 1)[-1] or url), total=total)

    def warning(self, message: str) -> None:
        err.print(f"[yellow]warning[/]: {escape(message)}")


@models_app.command("install")
def models_install(
    sources: Annotated[
        list[str],
        typer.Argument(help="Paths of .argosmodel files; with --online, language codes."),
    ],
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Download the packages these languages need (to and from English) from "
            "Argos' package index. The only command that uses the network.",
        ),
    ] = False,
) -> None:
    """Install translation models: offline from .argosmodel files, or explicitly online."""
    settings = get_settings()
    models_dir = settings.models_path
    failed = False
    if online:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
        )
        bar = Progress(*columns, console=err) if err.is_terminal else None
        display = _DownloadDisplay(bar)
        try:
            with bar if bar is not None else nullcontext():
                packages = install_online(
                    settings.argos_index_url,
                    sources,
                    models_dir,
                    on_progress=display.progress,
                    on_warning=display.warning,
                )
        except ModelPackageError as exc:
            err.print(f"[red]error[/]: {escape(str(exc))}")
            raise typer.Exit(2) from None
        for package in packages:
            out.print(f"installed {package.label} from {settings.argos_index_url}")
        if not packages:
            out.print("Nothing to install: English needs no model.")
        return
    for source in sources:
        try:
            package = install_package(Path(source), models_dir)
        except ModelPackageError as exc:
            err.print(f"[red]error[/]: {escape(str(exc))}")
            failed = True
            continue
        out.print(f"installed {package.label} into {package.path}")
    if failed:
        raise typer.Exit(2)
    out.print("Run 'csguide ingest' to translate what these models cover.")


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Installed models: language pairs and versions, and the pairs reachable through English."""
    from pipeline.argos import ArgosTranslator

    settings = get_settings()
    packages = installed_packages(settings.models_path)
    translator = ArgosTranslator(settings.models_path)
    routes = {
        f"{s}→{t}": translator.model_for(s, t)
        for s in INDEX_LANGS
        for t in INDEX_LANGS
        if s != t and translator.model_for(s, t)
    }
    if as_json:
        listing = {
            "models_dir": str(settings.models_path),
            "packages": [
                {
                    "from_lang": p.from_code,
                    "to_lang": p.to_code,
                    "version": p.version,
                    "path": str(p.path),
                }
                for p in packages
            ],
            "routes": routes,
        }
        sys.stdout.write(json.dumps(listing, ensure_ascii=False, indent=2) + "\n")
        return
    if not packages:
        out.print(
            f"No translation models in {settings.models_path}. Install one with "
            "'csguide models install FILE.argosmodel'."
        )
        return
    table = Table(title=f"Models in {settings.models_path}")
    for column in ("pair", "version", "size"):
        table.add_column(column)
    for package in packages:
        table.add_row(
            f"{package.from_code}→{package.to_code}",
            package.version,
            f"{package.size_bytes / 1e6:.1f} MB",
        )
    out.print(table)
    out.print("Routes: " + ", ".join(f"{pair} ({model})" for pair, model in routes.items()))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        str,
        typer.Option(help="Worker processes: a number (1-64), or auto for one per core."),
    ] = "1",
) -> None:
    """Serve the HTTP API (and, once published, switch to new index versions by itself)."""
    try:
        worker_count = worker_processes(workers)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--workers") from None
    # Before anything imports prometheus_client: it picks where values live at import.
    metrics_dir, made_metrics_dir = _metrics_dir()
    from api.server import run_server

    settings = get_settings()
    if current_version(settings.data_dir) is None:
        err.print(
            f"[yellow]warning[/]: nothing is published in {settings.data_dir} yet; /readyz and "
            "/v1 answer 503 until 'csguide ingest' publishes"
        )
    out.print(f"csguide API on http://{host}:{port}/  (docs: http://{host}:{port}/docs)")
    run_server("api.main:create_app", host, port, worker_count)
    if made_metrics_dir:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def worker_processes(given: str) -> int:
    """``--workers``: a number from 1 to 64, or ``auto``: one per core this process may run on
    (a search is CPU under the interpreter lock, so more workers than cores only queue)."""
    import os

    if given.strip().lower() == "auto":
        return max(1, min(64, len(os.sched_getaffinity(0))))
    if not given.strip().isdigit() or not 1 <= int(given) <= 64:
        raise ValueError(f"{given!r} is not a number from 1 to 64, or auto")
    return int(given)


def _metrics_dir() -> tuple[Path, bool]:
    """Where the workers of this server write their metrics, so that /metrics counts all of
    them (the operator's PROMETHEUS_MULTIPROC_DIR, emptied, or a new temporary directory);
    and whether it was made here."""
    import os
    import tempfile

    from pipeline.forked import process_alive

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # values of an earlier run would be added in
            stale.unlink()
        return directory, False
    # A server stopped by a signal never gets to remove its directory (uvicorn re-raises the
    # signal): each one is named for its server's pid, and the dead servers' are removed here.
    scratch = Path(tempfile.gettempdir())
    for stale in scratch.glob("csguide-metrics-*"):
        pid = stale.name.split("-")[2]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    directory = Path(tempfile.mkdtemp(prefix=f"csguide-metrics-{os.getpid()}-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory, True


@app.command()
def report(
    since: Annotated[
        str, typer.Option(help="How far back: 30d, 12h, or a date (2026-11-01).")
    ] = "30d",
    lang: Annotated[str | None, typer.Option(help="Only this answer language.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """What agents searched for, per answer language: top and zero-result queries, what they
    opened and voted on, and the tips to translate first."""
    from pipeline.analytics.report import build_report, counted
    from pipeline.analytics.store import FILE_NAME, AnalyticsError, open_store

    _check_lang(lang, "--lang")
    settings = get_settings()
    try:
        start = _since(since)
    except ValueError as exc:
        err.print(f"[red]error[/]: --since: {escape(str(exc))}")
        raise typer.Exit(2) from None
    if not settings.database_url and not (settings.data_dir / FILE_NAME).exists():
        err.print(
            f"No analytics recorded in {settings.data_dir} yet: 'csguide serve' records "
            "searches unless CSGUIDE_ANALYTICS=0."
        )
        raise typer.Exit(1)
    try:
        store = open_store(settings.data_dir, settings.database_url)
    except AnalyticsError as exc:
        err.print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None
    try:
        index = PublishedIndex.open_current(settings.data_dir)
    except NotPublished:
        index = None  # no provenance to read: no translation priorities
    try:
        result = build_report(store, start, index, lang)
    finally:
        store.close()
        if index is not None:
            index.close()
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    out.print(
        f"Since {datetime.fromtimestamp(start, UTC):%Y-%m-%d %H:%M}Z: "
        f"{counted(result.searches, 'search', 'searches')}, "
        f"{counted(result.events, 'event', 'events')}"
    )
    for code, part in result.languages.items():
        if not part.searches:
            continue
        out.print(
            f"\n[bold]{LANGUAGE_NAMES[code]} ({code})[/]: "
            f"{counted(part.searches, 'search', 'searches')}, "
            f"{part.zero_result_share:.0%} found nothing, {part.open_rate:.0%} had a result "
            "opened"
            + (
                f" (mean position {part.mean_position_opened:g})"
                if part.mean_position_opened
                else ""
            )
        )
        for title, rows in (
            ("Top queries", [(q.query, q.count) for q in part.top_queries[:10]]),
            ("Found nothing", [(q.query, q.count) for q in part.zero_result_queries[:10]]),
            (
                "Translate first",
                [
                    (
                        f"{p.title} ({p.tip_id}, {p.provenance}"
                        f"{', outdated' if p.outdated else ''})",
                        p.demand,
                    )
                    for p in part.translation_priorities[:10]
                ],
            ),
        ):
            if rows:
                table = Table(title=title, title_justify="left")
                table.add_column("")
                table.add_column("count" if title != "Translate first" else "demand")
                for text, count in rows:
                    table.add_row(escape(text), str(count))
                out.print(table)


def _since(text: str) -> float:
    """Unix seconds for '30d', '12h' or a date."""
    match = re.fullmatch(r"\s*(\d+)\s*([dh])\s*", text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return time.time() - amount * (86400 if unit == "d" else 3600)
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{text!r}: write 30d, 12h or a date like 2026-11-01") from None
    return day.timestamp()


keys_app = typer.Typer(help="API keys for callers of the HTTP API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Argument(help="Who the key is for, e.g. 'riga-intranet'.")],
    lang: Annotated[
        str | None, typer.Option(help="Default answer language for this key's callers.")
    ] = None,
    rate: Annotated[
        int | None, typer.Option(min=1, help="Requests a minute (default: the server's).")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="A key for /admin/report (CSGUIDE_ADMIN_KEYS).")
    ] = False,
) -> None:
    """Make a new API key: prints the key (give it to the caller) and the settings entry
    (add it to CSGUIDE_API_KEYS, or with --admin to CSGUIDE_ADMIN_KEYS; only the key's hash
    is stored)."""
    from api.security import hash_key, new_key

    _check_lang(lang, "--lang")
    key = new_key()
    if admin:
        out.print(f"admin key for {escape(name)}: {key}  (the password /admin/report asks for)")
        out.print("settings entry (a JSON list item of CSGUIDE_ADMIN_KEYS):")
        sys.stdout.write(json.dumps(hash_key(key)) + "\n")
        return
    entry = {"name": name, "sha256": hash_key(key)}
    if lang:
        entry["lang"] = lang
    if rate:
        entry["rate_per_minute"] = rate  # type: ignore[assignment]
    out.print(f"key: {key}")
    out.print("settings entry (a JSON list item of CSGUIDE_API_KEYS):")
    sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
