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


def _title_in(index: PublishedIndex, article: PublishedArticle, lang: str) -> str:
    """The article title as its first tip's context reads in ``lang``."""
    first = index.tip(article.tips[0], lang) if article.tips else None
    return first.context if first else article.title


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
    articles = [
        ArticleSummary(
            id=article.id,
            lang=article.lang,
            title=_title_in(index, article, negotiated.lang),
            original_title=article.title,
            tips=len(article.tips),
        )
        for article in page
    ]
    return ArticleList(
        lang=negotiated.lang,
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
        id=article.id,
        lang=article.lang,
        title=_title_in(index, article, negotiated.lang),
        original_title=article.title,
        tips=len(article.tips),
        answer_lang=negotiated.lang,
        lang_source=negotiated.source,
        meta=article.meta,
        tip_records=[record for record in records if record is not None],
    )
