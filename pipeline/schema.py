"""What a tip is, for the pipeline that writes it and for everything that reads it.

The index stores :class:`StoredTip` as JSON. What readers get is :class:`TipRecord` (and
:class:`SearchHit`, the same plus the score and a highlighted text) from ``csguide search
--json`` and the HTTP API: a separate model, so that a stored format is only ever read by
the model of that format. From index format 7 the index also writes each record as
:class:`TipRecord` serialises it, and the server sends those bytes as they are: a change to
:class:`TipRecord` (or the models inside it) needs a new ``FORMAT_VERSION``
(:mod:`pipeline.index`), so that versions stored before it are read through the models again.
"""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.blocks import Block
from pipeline.languages import ContentLang, Lang

#: Where a tip's text in a given language came from.
#: ``original``: the editor's article itself; ``editor``: a human translation;
#: ``machine``: machine translation; ``none``: no translation exists, the text is the original.
Provenance = Literal["original", "editor", "machine", "none"]

#: ``list``: a lead-in ending in ':' with the list it introduces; ``table``: a whole table.
TipKind = Literal["paragraph", "list_item", "list", "table"]

#: The formats articles are written in; each has a reader in ``pipeline.readers``.
ArticleFormat = Literal["text", "markdown", "html", "docx"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArticleMeta(_Model):
    """Optional YAML front matter of an article."""

    title: str | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    date: dt.date | None = None
    source: str | None = None


class TipTable(_Model):
    """A table kept whole as one tip: its header row (empty when it has none) and its rows."""

    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


class Article(_Model):
    """One article after loading and normalising: its blocks, and ``body``, the same blocks as
    plain text (what language checks read)."""

    id: str = Field(description="Stable id: '<lang>/<slug>'.")
    lang: ContentLang
    path: str = Field(description="Path relative to the content dir.")
    title: str
    body: str
    blocks: tuple[Block, ...] = ()
    format: ArticleFormat = "text"
    meta: ArticleMeta = ArticleMeta()
    hash: str = Field(description="sha256 of the normalised title and blocks.")


class Tip(_Model):
    """One tip cut from an article, in the article's language."""

    id: str = Field(
        description="'<article id>/<10 hex of the tip text hash>', stable while the text is."
    )
    article: str
    lang: ContentLang
    position: int = Field(description="Order of the tip within its article, from 0.")
    kind: TipKind
    title: str = Field(
        description="The nearest heading above the tip, or the article title before any."
    )
    context: str = Field(
        description="The parent heading of ``title``; the article title for tips under a "
        "top-level heading or before any heading."
    )
    text: str
    hash: str = Field(description="sha256 of the tip text: what translations are made from.")
    table: TipTable | None = Field(None, description="The table, when the tip is one.")


class SourceRef(_Model):
    lang: ContentLang
    article: str
    title: str
    text: str


class TranslationInfo(_Model):
    provenance: Provenance
    outdated: bool = False
    model: str | None = None


class _Stored(BaseModel):
    # Fields a reader does not know are ignored at every depth; built from the pipeline's
    # own models (SourceRef, TipTable …) by their attributes.
    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)


class StoredTable(_Stored):
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


class StoredSource(_Stored):
    lang: ContentLang
    article: str
    title: str
    text: str


class StoredTranslation(_Stored):
    provenance: Provenance
    outdated: bool = False
    model: str | None = None


class StoredTip(_Stored):
    """A tip as one language's index stores it (``tips/records.bin``): in that language, or
    in its source language with provenance ``none`` when no translation exists.

    Its fields, and those of the records inside it, are the stored format: changing them
    means a new ``FORMAT_VERSION``. Fields it does not know are ignored, so a record keeps
    opening whatever the API's models become.
    """

    id: str
    lang: Lang
    title: str
    context: str
    text: str
    table: StoredTable | None = None
    position: int
    source: StoredSource
    translation: StoredTranslation


class TipRecord(_Model):
    """A tip as readers get it, in one language: that language's text, or the source text
    with provenance ``none`` when no translation exists."""

    id: str
    lang: Lang = Field(description="Language of title and text.")
    title: str
    context: str
    text: str
    table: TipTable | None = Field(
        None,
        description="Set when the tip is a table: its header and rows, in the language of "
        "``text``. ``text`` holds the same table as lines of 'header: cell; header: cell'.",
    )
    position: int
    source: SourceRef
    translation: TranslationInfo

    @classmethod
    def from_stored(cls, stored: StoredTip) -> "TipRecord":
        # Validated when read; the fields are taken as they are, not validated again.
        table = stored.table
        return cls.model_construct(
            **{
                **stored.__dict__,
                "table": None if table is None else TipTable.model_construct(**table.__dict__),
                "source": SourceRef.model_construct(**stored.source.__dict__),
                "translation": TranslationInfo.model_construct(**stored.translation.__dict__),
            }
        )


class SearchHit(TipRecord):
    score: float
    highlight: str = Field(description="``text`` with the query's terms wrapped in <mark>…</mark>.")


class PublishedArticle(_Model):
    """An article as a published version lists it (``articles.json``)."""

    id: str
    lang: ContentLang
    path: str
    title: str
    meta: ArticleMeta = ArticleMeta()
    tips: tuple[str, ...] = Field(description="Ids of the article's tips, in order.")


class FileProblem(_Model):
    path: str
    reason: str


class TranslationReport(BaseModel):
    """What translation did during one ingest."""

    models: dict[str, str] = Field(
        default_factory=dict, description="Language pair → model(s) that translate it."
    )
    segments_from_memory: int = 0
    segments_translated: int = 0
    segments_pending: int = Field(0, description="Dry run: segments that would be translated.")
    model_calls: int = 0
    untranslated: dict[str, int] = Field(
        default_factory=dict,
        description="Language pair → tips with neither an editor nor a machine translation.",
    )
    flagged: list[FileProblem] = Field(
        default_factory=list, description="Machine translations that looked broken; not used."
    )
    failed: dict[str, str] = Field(
        default_factory=dict, description="Language pair → why its model failed to translate."
    )


class GlossaryReport(BaseModel):
    """The editors' glossary (``content/glossary.yaml``) as one ingest read it."""

    path: str = "glossary.yaml"
    found: bool = Field(False, description="The file exists (no file: an empty glossary).")
    concepts: int = Field(0, description="Concepts published with the version.")
    terms: int = Field(0, description="Their terms, in all languages.")
    problems: list[FileProblem] = Field(
        default_factory=list,
        description="Entries not used, each naming the concept and the reason; the rest is used.",
    )
    kept_from: str | None = Field(
        None,
        description="The file could not be used at all: the glossary of this version, the one "
        "serving, is published again instead.",
    )


IngestStatus = Literal["published", "up-to-date", "partial", "failed", "dry-run"]


class IngestReport(BaseModel):
    """What one ingest did; printed by ``csguide ingest`` (and as JSON with ``--json``)."""

    status: IngestStatus = "failed"
    exit_code: int = 2
    dry_run: bool = False
    version: str | None = Field(None, description="The index version serving after this ingest.")
    previous_version: str | None = None
    articles_seen: int = 0
    articles_processed: int = Field(0, description="New or changed articles that were segmented.")
    articles_unchanged: int = 0
    articles_kept: list[str] = Field(
        default_factory=list,
        description="Articles whose file was rejected now; their last good version stays indexed.",
    )
    articles_added: list[str] = Field(
        default_factory=list, description="Articles published now that the last version lacked."
    )
    articles_changed: list[str] = Field(
        default_factory=list,
        description="Articles whose title, metadata or tips differ from the last version's.",
    )
    articles_removed: list[str] = Field(
        default_factory=list, description="Articles of the last version that are gone now."
    )
    translations_kept: list[str] = Field(
        default_factory=list,
        description="Editor translation files rejected now whose last good version still serves.",
    )
    tip_count: int = Field(0, description="Tips in the published content.")
    tip_count_by_source_lang: dict[str, int] = Field(default_factory=dict)
    languages: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Per index language: how many tips it holds of each provenance.",
    )
    rejected: list[FileProblem] = Field(default_factory=list)
    warnings: list[FileProblem] = Field(default_factory=list)
    translation: TranslationReport = Field(default_factory=TranslationReport)
    glossary: GlossaryReport = Field(default_factory=GlossaryReport)
    message: str = ""
