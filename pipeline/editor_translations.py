"""Editors' human translations, kept next to the articles in a diffable YAML file per target.

``content/<lang>/<slug>.<target>.yaml`` translates article ``<lang>/<slug>`` (whatever its
format: .txt, .md, .html or .docx) into ``<target>``::

    article: zh/why-customer-service-matters
    lang: lv
    title: Kāpēc klientu apkalpošana ir tik svarīga?      # the article title
    sections:                         # each heading once, however many tips stand under it
      - original: 承诺回电时间
        title: Apsoliet atzvanīšanas laiku
    tips:
      - source_hash: 9bcaea1a32      # which original text this translates: keep it as it is
        original_title: 承诺回电时间    # for reviewers only; csguide ignores it
        original: 要像重视自己的时间…    # for reviewers only; csguide ignores it
        text: Novērtējiet klienta laiku tāpat kā savu. …

A tip's title is its section's translation; a ``title`` on a tip entry (as older files have)
overrides it for that tip. A table tip may carry ``table:`` (``header`` and ``rows``, shaped
as the original) to be shown as a table; without it its text is shown.

A tip's entry is found by ``source_hash`` (the start of the sha256 of the original tip text,
the same 10 hex digits that end the tip's id). When the original text changes its hash no longer
matches; the entry in the same position then still serves, flagged ``outdated``.
``csguide translations new`` rewrites the file against the current tips: such an entry gets the
new hash and original, keeps its text, and says ``outdated: true`` until an editor has reviewed
it and deleted that line.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.languages import INDEX_LANGS, LANGUAGE_NAMES, Lang
from pipeline.load import RejectedFile, TranslationCandidate, decode_article, first_error
from pipeline.schema import Article, FileProblem, Tip, TipTable
from pipeline.segment import TIP_HASH_CHARS

_NAME = re.compile(r"^(?P<slug>\w[\w.-]*)\.(?P<target>[a-z]{2})\.yaml$")


class EditorTip(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_hash: str = Field(pattern=r"^[0-9a-f]{10,64}$")
    title: str = ""  # blank: not translated yet (the title then comes from elsewhere)
    text: str = ""  # blank: not translated yet
    original_title: str | None = None
    original: str | None = None
    #: Set by ``csguide translations new`` when the original changed under this translation;
    #: an editor removes it after reviewing the text against the new original.
    outdated: bool = False
    #: A table tip's cells translated, shaped as the original table.
    table: TipTable | None = None


class EditorSection(BaseModel):
    """A heading translated once for every tip under it (and every tip it is the context of)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    original: str
    title: str = ""  # blank: not translated yet


class EditorTranslationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    article: str
    lang: Lang
    title: str = ""  # the article title; blank: not translated yet
    sections: tuple[EditorSection, ...] = ()
    tips: tuple[EditorTip, ...] = ()


@dataclass(frozen=True)
class EditorTranslation:
    """One tip's editor translation as matched to the current tip; a blank title or context
    means the editor has not translated that part (yet)."""

    title: str | None
    text: str
    context: str | None
    outdated: bool
    table: TipTable | None = None


@dataclass
class EditorTranslations:
    """All editor translation files under the content dir, by (article id, target language)."""

    files: dict[tuple[str, str], EditorTranslationFile] = field(default_factory=dict)
    paths: dict[tuple[str, str], str] = field(default_factory=dict)
    rejected: list[FileProblem] = field(default_factory=list)

    def for_article(
        self, article: Article, tips: list[Tip], lang: str
    ) -> dict[str, EditorTranslation]:
        """Tip id → editor translation into ``lang`` for the tips of ``article``."""
        document = self.files.get((article.id, lang))
        if document is None:
            return {}
        return match_tips(document, tips, article.title)


def section_titles(document: EditorTranslationFile) -> dict[str, str]:
    """Original heading → its translation, for the sections the editor has translated."""
    return {s.original.strip(): s.title.strip() for s in document.sections if s.title.strip()}


def _same_shape(table: TipTable | None, original: TipTable | None) -> bool:
    if table is None or original is None:
        return False
    return (len(table.header), [len(row) for row in table.rows]) == (
        len(original.header),
        [len(row) for row in original.rows],
    )


def match_tips(
    document: EditorTranslationFile, tips: list[Tip], article_title: str
) -> dict[str, EditorTranslation]:
    """Entries by source hash. An entry whose original changed still serves, flagged outdated,
    in the same position as the changed tip, but only while the article has as many tips as
    the file has entries: once tips are added or removed, positions no longer say which
    translation belongs to which tip, and the changed tips wait for an editor."""
    by_prefix = {entry.source_hash: entry for entry in document.tips}
    lengths = sorted({len(h) for h in by_prefix})

    def entry_for(tip: Tip) -> EditorTip | None:
        return next((by_prefix[tip.hash[:n]] for n in lengths if tip.hash[:n] in by_prefix), None)

    sections = section_titles(document)
    article = document.title.strip() or None
    found = {tip.id: entry_for(tip) for tip in tips}
    used = {entry.source_hash for entry in found.values() if entry is not None}
    same_shape = len(tips) == len(document.tips)
    matched: dict[str, EditorTranslation] = {}
    for tip in tips:
        entry = found[tip.id]
        outdated = False
        if entry is None and same_shape:
            candidate = document.tips[tip.position]
            if candidate.source_hash not in used:  # its original is gone: it was edited
                entry, outdated = candidate, True
        if entry is not None and entry.text.strip():
            # Before any heading a tip's title is the article title; so is the context of a
            # tip under a top-level heading.
            title = article if tip.title == article_title else sections.get(tip.title)
            context = article if tip.context == article_title else sections.get(tip.context)
            matched[tip.id] = EditorTranslation(
                title=entry.title.strip() or title,
                text=entry.text.strip(),
                context=context,
                outdated=outdated or entry.outdated,
                table=entry.table if _same_shape(entry.table, tip.table) else None,
            )
    return matched


def load_editor_translations(candidates: list[TranslationCandidate]) -> EditorTranslations:
    result = EditorTranslations()
    for candidate in candidates:
        try:
            document = parse_translation_file(candidate.path.name, candidate.raw, candidate.lang)
        except RejectedFile as exc:
            result.rejected.append(FileProblem(path=candidate.rel, reason=str(exc)))
            continue
        key = (document.article, document.lang)
        result.files[key] = document
        result.paths[key] = candidate.rel
    return result


def translation_path(article: Article, lang: str) -> str:
    """Where the translation of ``article`` into ``lang`` lives, relative to the content dir."""
    return f"{article.path.rsplit('.', 1)[0]}.{lang}.yaml"


def translation_file_target(path: Path) -> tuple[str, str] | None:
    """'why.lv.yaml' → ('why', 'lv'); None when the name is not a translation file's."""
    match = _NAME.match(unicodedata.normalize("NFC", path.name))
    if not match or match["target"] not in INDEX_LANGS:
        return None
    return match["slug"], match["target"]


def load_translation_file(path: Path, rel: str, source_lang: str) -> EditorTranslationFile:
    """Read, parse and check one translation file; raises :class:`RejectedFile`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RejectedFile(f"unreadable: {exc.strerror or exc}") from exc
    return parse_translation_file(path.name, raw, source_lang)


def parse_translation_file(name: str, raw: bytes, source_lang: str) -> EditorTranslationFile:
    """Parse and check one translation file's bytes; raises :class:`RejectedFile`."""
    named = translation_file_target(Path(name))
    if named is None:
        raise RejectedFile("not a translation file name: use <slug>.<lang>.yaml")
    slug, target = named
    if target == source_lang:
        raise RejectedFile(f"translates into {target}, the article's own language")
    text = decode_article(raw)
    try:
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RejectedFile(f"not valid YAML{where}: {exc.problem or exc.context}") from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise RejectedFile(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise RejectedFile("must be a YAML mapping with article, lang, title and tips")
    try:
        document = EditorTranslationFile.model_validate(data)
    except ValidationError as exc:
        line = _line_of(text, exc.errors()[0]["loc"])
        raise RejectedFile((f"line {line}: " if line else "") + first_error(exc)) from exc
    expected = f"{source_lang}/{slug}"
    if document.article != expected:
        raise RejectedFile(f"article is '{document.article}', but the file name says '{expected}'")
    if document.lang != target:
        raise RejectedFile(f"lang is '{document.lang}', but the file name says '{target}'")
    hashes = [entry.source_hash for entry in document.tips]
    duplicates = sorted({h for h in hashes if hashes.count(h) > 1})
    if duplicates:
        raise RejectedFile(f"source_hash listed twice: {', '.join(duplicates)}")
    originals = [section.original.strip() for section in document.sections]
    repeated = sorted({o for o in originals if originals.count(o) > 1})
    if repeated:
        raise RejectedFile(f"section listed twice: {', '.join(repeated)}")
    return document


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line where the value at ``loc`` (as pydantic names it) starts in the YAML text."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((pair for pair in node.value if pair[0].value == key), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def template(
    article: Article, tips: list[Tip], lang: str, existing: EditorTranslationFile | None = None
) -> str:
    """A translation file for editors to fill in: each section heading once, every tip with its
    original, and whatever ``existing`` already translates (matched as ingest would match it)."""
    matched = match_tips(existing, tips, article.title) if existing else {}
    name = LANGUAGE_NAMES.get(lang, lang)
    header = (
        f"# Editor translation of {article.id} into {name} ({lang}).\n"
        "# Translate the article title, each section title once, and the text of every tip.\n"
        "# Keep source_hash as it is: it names the original you translated, and csguide flags\n"
        "# the translation outdated when that original changes. original_title and original\n"
        "# are there for you and for reviewers; csguide ignores them. A table tip may also take\n"
        "# 'table:' (header: and rows:, shaped as the original) to be shown as a table.\n"
        "# 'outdated: true' marks a translation whose original has changed: review it against\n"
        "# the original, then delete that line.\n"
    )
    article_title = existing.title if existing else ""
    sections = _template_sections(article, tips, existing, matched)
    translated_section = {**sections, article.title: article_title}
    entries = []
    for tip in tips:
        entry: dict[str, object] = {
            "source_hash": tip.hash[:TIP_HASH_CHARS],
            "original_title": tip.title,
            "original": tip.text,
            "text": "",
        }
        found = matched.get(tip.id)
        if found is not None:
            entry["text"] = found.text
            if found.title and found.title != translated_section.get(tip.title):
                entry["title"] = found.title  # this tip's own title, not its section's
            if found.table is not None:
                entry["table"] = found.table.model_dump(mode="json")
            if found.outdated:  # keep it flagged until an editor has reviewed it
                entry["outdated"] = True
        entries.append(entry)
    document = {
        "article": article.id,
        "lang": lang,
        "title": article_title,
        "sections": [
            {"original": original, "title": title} for original, title in sections.items()
        ],
        "tips": entries,
    }
    if not sections:
        del document["sections"]
    return header + dump_yaml(document)


def _template_sections(
    article: Article,
    tips: list[Tip],
    existing: EditorTranslationFile | None,
    matched: dict[str, EditorTranslation],
) -> dict[str, str]:
    """Every heading of the article once, in order, with its translation so far: from the
    file's sections, else the title most of its tips carried (files written before sections)."""
    known = section_titles(existing) if existing else {}
    headings: dict[str, Counter[str]] = {}
    for tip in tips:
        for heading in (tip.context, tip.title):
            if heading != article.title:
                headings.setdefault(heading, Counter())
        found = matched.get(tip.id)
        if tip.title != article.title and found is not None and found.title:
            headings[tip.title][found.title] += 1
    return {
        heading: known.get(heading) or (votes.most_common(1)[0][0] if votes else "")
        for heading, votes in headings.items()
    }


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Long paragraphs as folded blocks: easy to edit and to diff, and they parse back exactly
    # (the texts hold no line breaks of their own).
    style = "|" if "\n" in value else ">" if len(value) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_representer)


def dump_yaml(document: object) -> str:
    return str(
        yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)
    )
