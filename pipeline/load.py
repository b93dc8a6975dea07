"""Stage 1, load: find the article files under ``content/<lang>/`` and read them strictly.

Every file either becomes a :class:`SourceFile` or a :class:`~pipeline.schema.FileProblem` that
names it and says why it was refused; one bad file never stops the others.
"""

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.languages import CONTENT_LANGS, ContentLang
from pipeline.readers import FORMAT_BY_SUFFIX, looks_like_markdown
from pipeline.schema import ArticleFormat, ArticleMeta, FileProblem

#: What an article file may be called, by format (see pipeline.readers).
ARTICLE_SUFFIXES = tuple(FORMAT_BY_SUFFIX)
#: Editors' translations live beside the articles (see pipeline.editor_translations).
TRANSLATION_SUFFIX = ".yaml"
_BOM = "\ufeff"
#: UTF-16's byte order marks, little- and big-endian.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Slugs become ids and URL path segments: letters (any script), digits, '-', '_' and '.'.
_SLUG = re.compile(r"^\w[\w.-]*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class SourceFile:
    """An article file that was read and decoded; ``text`` is the body after any front matter
    (empty for a Word file, whose ``raw`` bytes its reader unpacks)."""

    id: str
    lang: ContentLang
    path: str
    text: str
    meta: ArticleMeta = field(default_factory=ArticleMeta)
    first_line: int = 1  # line number of the body's first line in the file (after front matter)
    format: ArticleFormat = "text"
    raw: bytes = field(default=b"", repr=False)
    #: sha256 of the file's bytes: an unchanged file need not be read again.
    digest: str = field(default="", compare=False)


class RejectedFile(Exception):
    """Raised for a file that cannot be used; carries the reason shown to editors."""


def first_error(exc: ValidationError) -> str:
    """The first validation error as an editor reads it: "field 'tips.0.title': …"."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"field '{where}': {first['msg']}"


@dataclass(frozen=True)
class TranslationCandidate:
    path: Path
    rel: str
    lang: ContentLang  # the language of the article it translates
    raw: bytes  # read with the same checks as articles (size, symlinks)


@dataclass
class LoadResult:
    files: list[SourceFile] = field(default_factory=list)
    translations: list[TranslationCandidate] = field(default_factory=list)
    rejected: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)


def load_content(content_dir: Path, max_bytes: int) -> LoadResult:
    """Read every article under ``content_dir``; never raises for a single bad file."""
    result = LoadResult()
    if not content_dir.is_dir():
        result.rejected.append(
            FileProblem(path=str(content_dir), reason="content folder does not exist")
        )
        return result
    root = content_dir.resolve()
    seen_ids: dict[str, str] = {}
    _warn_about_unknown_folders(content_dir, result)
    for lang in CONTENT_LANGS:
        lang_dir = content_dir / lang
        if not lang_dir.is_dir():
            continue
        if not lang_dir.resolve().is_relative_to(root):
            result.rejected.append(
                FileProblem(
                    path=lang, reason="folder is a symlink leading outside the content folder"
                )
            )
            continue
        for path in _article_candidates(lang_dir, result, content_dir):
            rel = shown_path(path.relative_to(content_dir).as_posix())
            try:
                if rel != path.relative_to(content_dir).as_posix():
                    raise RejectedFile(
                        "file name is not valid UTF-8: rename it (e.g. with the file manager)"
                    )
                if path.suffix.lower() == TRANSLATION_SUFFIX:
                    raw = _checked_bytes(path, root, max_bytes)
                    result.translations.append(TranslationCandidate(path, rel, lang, raw))
                    continue
                source = _read_article(path, rel, lang, root, max_bytes, result)
                if source.id in seen_ids:
                    raise RejectedFile(f"same article id {source.id} as {seen_ids[source.id]}")
                seen_ids[source.id] = rel
                result.files.append(source)
            except RejectedFile as exc:
                result.rejected.append(FileProblem(path=rel, reason=str(exc)))
    return result


def _warn_about_unknown_folders(content_dir: Path, result: LoadResult) -> None:
    """Folders that are not a language's, and articles put beside the language folders (the
    glossary and other files there are no articles): neither is read, and editors are told."""
    for entry in sorted(content_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and entry.name not in CONTENT_LANGS:
            result.warnings.append(
                FileProblem(
                    path=entry.name,
                    reason="not a content language folder (expected one of "
                    + ", ".join(CONTENT_LANGS)
                    + "); not read",
                )
            )
        elif (
            entry.is_file()
            and entry.suffix.lower() in FORMAT_BY_SUFFIX
            and not entry.name.upper().startswith("README")  # the editors' own notes
        ):
            result.warnings.append(
                FileProblem(
                    path=shown_path(entry.name),
                    reason="an article outside the language folders is not read: put it in "
                    + ", ".join(f"content/{lang}/" for lang in CONTENT_LANGS[:-1])
                    + f" or content/{CONTENT_LANGS[-1]}/",
                )
            )


def _article_candidates(lang_dir: Path, result: LoadResult, content_dir: Path) -> Iterator[Path]:
    for entry in sorted(lang_dir.iterdir()):
        if entry.name.startswith("."):
            continue  # .gitkeep, editor swap files, .DS_Store
        rel = shown_path(entry.relative_to(content_dir).as_posix())
        if entry.is_dir() and not entry.is_symlink():
            result.warnings.append(
                FileProblem(path=rel, reason="subfolders are not read; put articles directly here")
            )
            continue
        yield entry


def read_article_file(
    path: Path, lang: ContentLang, max_bytes: int
) -> tuple[SourceFile, list[str]]:
    """One article file wherever it is (for ``csguide preview``), read as ingest reads it, with
    the warnings ingest would give; raises :class:`RejectedFile` with the reason it would."""
    rel = f"{lang}/{path.name}"
    if path.suffix.lower() == TRANSLATION_SUFFIX:
        raise RejectedFile("an editor translation file, not an article: preview its article")
    result = LoadResult()
    source = _read_article(path, rel, lang, path.parent.resolve(), max_bytes, result)
    return source, [warning.reason for warning in result.warnings]


def shown_path(path: str) -> str:
    """A path as reports can show it: bytes of a file name that are not UTF-8 (which Python
    keeps as lone surrogates, and JSON cannot carry) written as \\xNN escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _read_article(
    path: Path, rel: str, lang: ContentLang, root: Path, max_bytes: int, result: LoadResult
) -> SourceFile:
    article_format = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if article_format is None:
        raise RejectedFile(
            f"not an article: articles are {', '.join(ARTICLE_SUFFIXES)} files, translations "
            f"<slug>.<lang>{TRANSLATION_SUFFIX}"
        )
    slug = unicodedata.normalize("NFC", path.stem)  # macOS writes names decomposed
    if not _SLUG.match(slug):
        raise RejectedFile(
            "file name is not a usable slug: use letters, digits, '-', '_' or '.', e.g. "
            "'answer-within-three-rings.txt'"
        )
    raw = _checked_bytes(path, root, max_bytes)
    article_id = f"{lang}/{slug}"
    digest = hashlib.sha256(raw).hexdigest()
    if article_format == "docx":  # a ZIP archive: its reader checks and unpacks it
        return SourceFile(
            id=article_id, lang=lang, path=rel, text="", format="docx", raw=raw, digest=digest
        )
    if article_format == "html":
        text = decode_html(raw)
        if not text.strip():
            raise RejectedFile("empty file")
        return SourceFile(
            id=article_id, lang=lang, path=rel, text=text, format="html", digest=digest
        )
    text = decode_article(raw)
    body, meta, meta_warnings = split_front_matter(text)
    if article_format == "text" and looks_like_markdown(body):
        article_format = "markdown"  # Markdown pasted into a .txt: its marks must not reach agents
    for warning in meta_warnings:
        result.warnings.append(FileProblem(path=rel, reason=warning))
    if not body.strip():
        had_front_matter = len(body) != len(text)
        raise RejectedFile("no text after the front matter" if had_front_matter else "empty file")
    first_line = text[: len(text) - len(body)].count("\n") + 1
    return SourceFile(
        id=article_id,
        lang=lang,
        path=rel,
        text=body,
        meta=meta,
        first_line=first_line,
        format=article_format,  # type: ignore[arg-type]
        digest=digest,
    )


def _checked_bytes(path: Path, root: Path, max_bytes: int) -> bytes:
    """The file's bytes, if it is a regular file inside the content folder, within the limit."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # a loop, or pointing at nothing
            raise RejectedFile("symlink leads nowhere (missing target or a loop)") from exc
        if not target.is_relative_to(root):
            raise RejectedFile("symlink leads outside the content folder")
    return _read_bytes(path, max_bytes)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.is_file():
            raise RejectedFile("not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise RejectedFile(
                f"too large: {size} bytes, the limit is {max_bytes} (CSGUIDE_MAX_ARTICLE_BYTES)"
            )
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise RejectedFile(f"unreadable: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:  # grew while we looked
        raise RejectedFile(f"too large: over the limit of {max_bytes} bytes")
    return raw


def decode_article(raw: bytes) -> str:
    """Strict UTF-8 (a leading BOM is dropped), or UTF-16 that starts with its BOM (what
    Windows' Notepad saves as "Unicode"); with CRLF and lone CR turned into LF."""
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")  # the BOM says which byte order, and is dropped
        except UnicodeDecodeError as exc:
            raise RejectedFile(
                f"not valid UTF-16 (it starts as UTF-16 does): bytes at offset {exc.start}; "
                "save the file as UTF-8"
            ) from exc
        if "\x00" in text:
            raise RejectedFile("binary file, not text (a NUL character)")
        return text.replace("\r\n", "\n").replace("\r", "\n")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise RejectedFile(
            f"binary file, not text (NUL byte at offset {nul}); if it is text, save it as UTF-8"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex()
        raise RejectedFile(
            f"not valid UTF-8: byte 0x{bad} at offset {exc.start}; save the file as UTF-8"
        ) from exc
    if text.startswith(_BOM):
        text = text[len(_BOM) :]
    return text.replace("\r\n", "\n").replace("\r", "\n")


_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def decode_html(raw: bytes) -> str:
    """UTF-8 as for every article; an export in another encoding is read by the charset its
    <meta> declares (older help centres write windows-1251 or GB2312)."""
    try:
        return decode_article(raw)
    except RejectedFile as utf8_problem:
        if b"\x00" in raw:
            raise
        declared = _DECLARED_CHARSET.search(raw[:4096])
        if declared is None:
            raise
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
            text = raw.decode(name)
        except (LookupError, UnicodeDecodeError) as exc:
            raise RejectedFile(f"not readable in its declared charset {name}") from exc
        if not text:
            raise utf8_problem from None
        return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[str, ArticleMeta, list[str]]:
    """Split an optional leading ``---`` YAML block from the body.

    Returns the body, the parsed metadata and warnings (unknown keys). Malformed front matter
    rejects the file: silently indexing the YAML as text would put it in front of users.
    """
    match = _FRONT_MATTER.match(text)
    unclosed: list[str] = []
    if match:
        block, body = match.group(1) or "", text[match.end() :]
    elif _OPENING_FENCE.match(text):
        # Opened and never closed: the YAML up to the first blank line, when it is metadata
        # csguide knows, is taken as the front matter (and said so); anything else is refused
        # rather than published with the title '---'.
        block, _, body = text[text.index("\n") + 1 :].partition("\n\n")
        if not _looks_like_metadata(block):
            raise RejectedFile(
                "front matter opened with '---' on line 1 is never closed: add a line '---' "
                "after it"
            )
        unclosed = ["front matter has no closing '---': read up to the first blank line"]
    else:
        return text, ArticleMeta(), []
    try:
        data: Any = yaml.load(block, Loader=_MetadataLoader) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise RejectedFile(f"front matter is not valid YAML{where}") from exc
    except ValueError as exc:  # PyYAML's constructors, e.g. an impossible date 2010-02-30
        raise RejectedFile(f"front matter has an invalid value: {exc}") from exc
    except RecursionError as exc:  # absurdly nested YAML
        raise RejectedFile("front matter is nested too deeply") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RejectedFile("front matter must be a YAML mapping (key: value lines)")
    known = set(ArticleMeta.model_fields)
    unknown = sorted(str(key) for key in data if key not in known)
    fields = {key: value for key, value in data.items() if key in known}
    if isinstance(fields.get("tags"), str):
        fields["tags"] = [tag.strip() for tag in fields["tags"].split(",") if tag.strip()]
    try:
        meta = ArticleMeta.model_validate(fields)
    except ValidationError as exc:
        raise RejectedFile(f"front matter {first_error(exc)}") from exc
    warnings = unclosed + (
        [f"front matter keys ignored: {', '.join(unknown)} (known: {', '.join(sorted(known))})"]
        if unknown
        else []
    )
    return body, meta, warnings


_OPENING_FENCE = re.compile(r"\A---[ \t]*\n")


class _MetadataLoader(yaml.SafeLoader):
    """YAML's safe loader, reading a number or a yes/no as the text written: front matter's
    fields are text or a date, and ``title: 2024`` or ``title: Yes`` (a number and a boolean
    to YAML) were refused as "not a valid string"."""


_MetadataLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _looks_like_metadata(block: str) -> bool:
    try:
        data = yaml.safe_load(block)
    except (yaml.YAMLError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and bool(set(map(str, data)) & set(ArticleMeta.model_fields))
