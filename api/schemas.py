"""Response bodies of the HTTP API. Tips themselves are pipeline.schema's, shared with the CLI.

One naming scheme everywhere (README, "Names in the API"): ``answer_lang`` is the language a
response answers in, at its top with ``lang_source``; ``lang`` in any object is the language
of that object's own text; ``source_lang`` the language an article was written in; a plural
(``tips``, ``articles``) is a list and a count is ``*_count`` (``total``: matches over all
pages); a translation pair is ``from_lang``/``to_lang``.
"""

from typing import Literal

from pydantic import BaseModel, Field

from pipeline.languages import ContentLang
from pipeline.query_language import LangSource
from pipeline.schema import ArticleMeta, Provenance, SearchHit, TipRecord

_LANG_SOURCE = (
    "What decided answer_lang: the lang parameter, the API key, Accept-Language, detection "
    "of the query, or the default."
)


class SearchResponse(BaseModel):
    query: str
    query_lang: str = Field(description="The language the query reads as.")
    answer_lang: str = Field(
        description="The language the results are in where a text exists in it (each "
        "result's own lang says which language its text is in)."
    )
    lang_source: LangSource = Field(description=_LANG_SOURCE)
    total: int = Field(description="Tips matching the query.")
    limit: int
    offset: int
    results: list[SearchHit]
    suggestion: str | None = Field(
        None,
        description="When nothing matched: the nearest query that finds tips (for a "
        "'Did you mean …' link), else null.",
    )
    search_id: str | None = Field(
        None,
        description="This search, for POST /v1/events (an agent opened a result, or voted "
        "on it); null when the server records no analytics.",
    )


class TipLanguage(BaseModel):
    lang: str
    provenance: Provenance
    outdated: bool


class TipResponse(TipRecord):
    answer_lang: str = Field(
        description="The language asked for; lang differs when the tip has no text in it."
    )
    lang_source: LangSource = Field(description=_LANG_SOURCE)
    languages: list[TipLanguage] = Field(
        description="Every language the tip can be read in, with where that text came from."
    )


class ArticleSummary(BaseModel):
    id: str
    source_lang: ContentLang = Field(description="The language the article was written in.")
    lang: str = Field(description="The language of title.")
    title: str = Field(description="The article title in the answer language when translated.")
    original_title: str
    tip_count: int


class ArticleList(BaseModel):
    answer_lang: str
    lang_source: LangSource = Field(description=_LANG_SOURCE)
    total: int = Field(description="Articles published, whatever limit and offset.")
    limit: int
    offset: int
    articles: list[ArticleSummary]


class ArticleResponse(ArticleSummary):
    answer_lang: str
    lang_source: LangSource = Field(description=_LANG_SOURCE)
    meta: ArticleMeta
    tips: list[TipRecord] = Field(description="The article's tips, in order.")


class LanguageInfo(BaseModel):
    lang: str
    name: str
    tip_count: int = Field(description="Tips readable in this language (original or translated).")
    by_provenance: dict[str, int]


class ModelPair(BaseModel):
    from_lang: str
    to_lang: str
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
    article_count: int
    tip_count: int
