"""GET /v1/articles and /v1/articles/{id}: the published articles, with their tips."""

from itertools import islice
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AnswerLangDep, IndexDep
from api.errors import Problem, ProblemError
from api.schemas import ArticleList, ArticleResponse, ArticleSummary
from pipeline.schema import PublishedArticle
from pipeline.search import PublishedIndex

router = APIRouter(prefix="/v1", tags=["articles"])

#: Far beyond any content folder; bounded so that no offset reaches past what Python can slice.
MAX_ARTICLE_OFFSET = 1_000_000


def _title_in(index: PublishedIndex, article: PublishedArticle, lang: str) -> tuple[str, str]:
    """The article title as its first tip's context reads in ``lang``, and the language it
    is in (the article's own where the tip has no translation)."""
    first = index.tip(article.tips[0], lang) if article.tips else None
    return (first.context, first.lang) if first else (article.title, article.lang)


@router.get("/articles", response_model=ArticleList, summary="All articles, a page at a time")
def list_articles(
    index: IndexDep,
    negotiated: AnswerLangDep,
    limit: Annotated[int, Query(ge=1, le=500, description="How many articles.")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ARTICLE_OFFSET, description="Skip this many.")] = 0,
) -> ArticleList:
    # A page at a time: 5,000 articles in one answer were 483 KB, each title looked up in
    # the answer language.
    page = list(islice(index.articles.values(), offset, offset + limit))
    articles = [_summary(index, article, negotiated.lang) for article in page]
    return ArticleList(
        answer_lang=negotiated.lang,
        lang_source=negotiated.source,
        total=len(index.articles),
        limit=limit,
        offset=offset,
        articles=articles,
    )


@router.get(
    "/articles/{article_id:path}",
    response_model=ArticleResponse,
    responses={404: {"model": Problem}},
    summary="One article with its tips",
)
def get_article(
    article_id: str,
    index: IndexDep,
    negotiated: AnswerLangDep,
) -> ArticleResponse:
    article = index.articles.get(article_id)
    if article is None:
        raise ProblemError(404, "not-found", f"no article with id {article_id!r}")
    records = [index.tip(tip_id, negotiated.lang) for tip_id in article.tips]
    return ArticleResponse(
        **_summary(index, article, negotiated.lang).model_dump(),
        answer_lang=negotiated.lang,
        lang_source=negotiated.source,
        meta=article.meta,
        tips=[record for record in records if record is not None],
    )


def _summary(index: PublishedIndex, article: PublishedArticle, lang: str) -> ArticleSummary:
    title, title_lang = _title_in(index, article, lang)
    return ArticleSummary(
        id=article.id,
        source_lang=article.lang,
        lang=title_lang,
        title=title,
        original_title=article.title,
        tip_count=len(article.tips),
    )
