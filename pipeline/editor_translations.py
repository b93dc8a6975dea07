"""Editors' human translations, kept next to the articles in a diffable YAML file per target.

``content/<lang>/<slug>.<target>.yaml`` translates article ``<lang>/<slug>`` into ``<target>``::

    article: zh/why-customer-service-matters
    lang: lv
    title: Kāpēc klientu apkalpošana ir tik svarīga?      # the article title
    tips:
      - source_hash: 9bcaea1a32      # which original text this translates: keep it as it is
        original_title: 承诺回电时间    # for reviewers only; csguide ignores it
        original: 要像重视自己的时间…    # for reviewers only; csguide ignores it
        title: Apsoliet atzvanīšanas laiku
        text: Novērtējiet klienta laiku tāpat kā savu. …

A tip's entry is found by ``source_hash`` (the start of the sha256 of the original tip text,
the same 10 hex digits that end the tip's id). When the original text changes its hash no longer
matches; the entry in the same position then still serves, flagged ``outdated``.
``csguide translations new`` rewrites the file against the current tips: such an entry gets the
new hash and original, keeps its text, and says ``outdated: true`` until an editor has reviewed
it and deleted that line.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.languages import INDEX_LANGS, LANGUAGE_NAMES, Lang
from pipeline.load import RejectedFile, TranslationCandidate, decode_article, first_error
from pipeline.schema import Article, FileProblem, Tip
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


class EditorTranslationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    article: str
    lang: Lang
    title: str = ""  # the article title; blank: not translated yet
    tips: tuple[EditorTip, ...] = ()


@dataclass(frozen=True)
class EditorTranslation:
    """One tip's editor translation as matched to the current tip; a blank title or context
    means the editor has not translated that part (yet)."""

    title: str | None
    text: str
    context: str | None
    outdated: bool


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
        return match_tips(document, tips)


def match_tips(document: EditorTranslationFile, tips: list[Tip]) -> dict[str, EditorTranslation]:
    """Entries by source hash. An entry whose original changed still serves, flagged outdated,
    in the same position as the changed tip, but only while the article has as many tips as
    the file has entries: once tips are added or removed, positions no longer say which
    translation belongs to which tip, and the changed tips wait for an editor."""
    by_prefix = {entry.source_hash: entry for entry in document.tips}
    lengths = sorted({len(h) for h in by_prefix})

    def entry_for(tip: Tip) -> EditorTip | None:
        return next((by_prefix[tip.hash[:n]] for n in lengths if tip.hash[:n] in by_prefix), None)

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
            matched[tip.id] = EditorTranslation(
                title=entry.title.strip() or None,
                text=entry.text.strip(),
                context=document.title.strip() or None,
                outdated=outdated or entry.outdated,
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
    try:
        data: Any = yaml.safe_load(decode_article(raw))
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise RejectedFile(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise RejectedFile("must be a YAML mapping with article, lang, title and tips")
    try:
        document = EditorTranslationFile.model_validate(data)
    except ValidationError as exc:
        raise RejectedFile(first_error(exc)) from exc
    expected = f"{source_lang}/{slug}"
    if document.article != expected:
        raise RejectedFile(f"article is '{document.article}', but the file name says '{expected}'")
    if document.lang != target:
        raise RejectedFile(f"lang is '{document.lang}', but the file name says '{target}'")
    hashes = [entry.source_hash for entry in document.tips]
    duplicates = sorted({h for h in hashes if hashes.count(h) > 1})
    if duplicates:
        raise RejectedFile(f"source_hash listed twice: {', '.join(duplicates)}")
    return document


def template(
    article: Article, tips: list[Tip], lang: str, existing: EditorTranslationFile | None = None
) -> str:
    """A translation file for editors to fill in: every tip with its original, and whatever
    ``existing`` already translates (matched as ingest would match it)."""
    matched = match_tips(existing, tips) if existing else {}
    name = LANGUAGE_NAMES.get(lang, lang)
    header = (
        f"# Editor translation of {article.id} into {name} ({lang}).\n"
        "# Fill in title and text of every tip. Keep source_hash as it is: it names the original\n"
        "# you translated, and csguide flags the translation outdated when that original changes.\n"
        "# original_title and original are there for you and for reviewers; csguide ignores them.\n"
        "# 'outdated: true' marks a translation whose original has changed: review it against\n"
        "# the original, then delete that line.\n"
    )
    entries = []
    for tip in tips:
        entry: dict[str, object] = {
            "source_hash": tip.hash[:TIP_HASH_CHARS],
            "original_title": tip.title,
            "original": tip.text,
            "title": "",
            "text": "",
        }
        if tip.id in matched:
            entry["title"] = matched[tip.id].title or ""
            entry["text"] = matched[tip.id].text
            if matched[tip.id].outdated:  # keep it flagged until an editor has reviewed it
                entry["outdated"] = True
        entries.append(entry)
    document = {
        "article": article.id,
        "lang": lang,
        "title": existing.title if existing else "",
        "tips": entries,
    }
    return header + dump_yaml(document)


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Long paragraphs as folded blocks: easy to edit and to diff, and they parse back exactly
    # (the texts hold no line breaks of their own).
    style = "|" if "\n" in value else ">" if len(value) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_representer)


def dump_yaml(document: object) -> str:
    return yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)
