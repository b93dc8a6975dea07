"""Response bodies of the HTTP API. Tips themselves are pipeline.schema's, shared with the CLI."""

from typing import Literal

from pydantic import BaseModel, Field

from pipeline.query_language import LangSource
from pipeline.schema import ArticleMeta, ContentLang, Provenance, SearchHit, TipRecord


class SearchResponse(BaseModel):
    query: str
    query_lang: str = Field(description="The language the query was matched in.")
    lang: str = Field(description="The language the results are in (see lang_source).")
    lang_source: LangSource = Field(
        description="What decided lang: the lang parameter, the API key, Accept-Language, "
        "detection of the query, or the default."
    )
    total: int = Field(description="Tips matching the query.")
    limit: int
    offset: int
    results: list[SearchHit]
    suggestion: str | None = Field(
        None,
        description="When nothing matched: the nearest query that finds tips (for a "
        "'Did you mean …' link), else null.",
    )


class TipLanguage(BaseModel):
    lang: str
    provenance: Provenance
    outdated: bool


class TipResponse(TipRecord):
    lang_source: LangSource
    languages: list[TipLanguage] = Field(
        description="Every language the tip can be read in, with where that text came from."
    )


class ArticleSummary(BaseModel):
    id: str
    lang: ContentLang = Field(description="The language the article was written in.")
    title: str = Field(description="The article title in the answered language when translated.")
    original_title: str
    tips: int


class ArticleList(BaseModel):
    lang: str
    lang_source: LangSource
    total: int = Field(description="Articles published, whatever limit and offset.")
    limit: int
    offset: int
    articles: list[ArticleSummary]


class ArticleResponse(ArticleSummary):
    answer_lang: str
    lang_source: LangSource
    meta: ArticleMeta
    tip_records: list[TipRecord] = Field(description="The article's tips, in order.")


class LanguageInfo(BaseModel):
    code: str
    name: str
    tips: int = Field(description="Tips readable in this language (original or translated).")
    by_provenance: dict[str, int]


class ModelPair(BaseModel):
    source: str
    target: str
    version: str


class LanguagesResponse(BaseModel):
    index_version: str
    languages: list[LanguageInfo]
    models: list[ModelPair] = Field(description="Installed translation models.")
    index_models: dict[str, str] = Field(
        default_factory=dict,
        description="Language pair (e.g. 'lv→en') → the model that made the machine "
        "translations of the version being served (which may differ from the installed ones "
        "until the next ingest).",
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    index_version: str
    articles: int
    tips: int
