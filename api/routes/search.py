"""GET /v1/search: the best tips for a query, in the caller's language."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from api.cache import ResponseCache
from api.deps import IndexDep, KeyDep, LangParam, SettingsDep, answer_language
from api.errors import FieldError, Problem, ProblemError
from api.language import detect_query_language
from api.schemas import SearchResponse
from pipeline.languages import INDEX_LANGS
from pipeline.search import PublishedIndex
from pipeline.settings import ApiKey, Settings

router = APIRouter(prefix="/v1", tags=["search"])

MAX_OFFSET = 10_000

_QUERY_EXAMPLES = {
    "lv": {"summary": "Latvian, no diacritics", "value": "klientu apkalposana"},
    "it": {"summary": "Italian", "value": "rispondere al telefono"},
    "zh": {"summary": "Chinese", "value": "回电时间"},
    "ru": {"summary": "Russian", "value": "обслуживание клиентов"},
    "en": {"summary": "English", "value": "answer before the third ring"},
}


@router.get(
    "/search",
    response_model=SearchResponse,
    responses={422: {"model": Problem}, 401: {"model": Problem}, 429: {"model": Problem}},
    summary="Search tips",
)
async def search(
    request: Request,
    index: IndexDep,
    settings: SettingsDep,
    key: KeyDep,
    q: Annotated[
        str,
        Query(
            description="What the agent typed, in any supported language.",
            openapi_examples=_QUERY_EXAMPLES,
            min_length=1,
            max_length=2000,
        ),
    ],
    lang: LangParam = None,
    limit: Annotated[int, Query(ge=1, le=50, description="How many tips.")] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many.")] = 0,
    source_lang: Annotated[
        str | None, Query(description="Only tips originally written in this language.")
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    query = q.strip()
    problems = []
    if not query:
        problems.append(FieldError(field="query.q", message="the query is empty"))
    if len(q) > settings.max_query_chars:
        problems.append(
            FieldError(field="query.q", message=f"at most {settings.max_query_chars} characters")
        )
    if source_lang is not None and source_lang not in INDEX_LANGS:
        problems.append(
            FieldError(field="query.source_lang", message=f"one of {', '.join(INDEX_LANGS)}")
        )
    if problems:
        raise ProblemError(
            422,
            "invalid-parameter",
            "; ".join(f"{p.field}: {p.message}" for p in problems),
            title="Invalid parameter",
            errors=problems,
        )
    cache: ResponseCache = request.app.state.search_cache
    cache_key = (
        index.version.name,
        query,
        lang,
        key.lang if key else None,
        accept_language,
        limit,
        offset,
        source_lang,
    )
    body = cache.get(cache_key)
    if body is None:
        # Answered on the event loop: a search is about a millisecond of CPU under the GIL, so
        # a thread pool only added hand-offs and GIL contention (measured: 296 -> 376 req/s,
        # p99 71 -> 38 ms). Several cores are used with `csguide serve --workers N`.
        body = _answer(
            index, settings, key, query, lang, limit, offset, source_lang, accept_language
        )
        cache.put(cache_key, body)
    return Response(body, media_type="application/json")


def _answer(
    index: PublishedIndex,
    settings: Settings,
    key: ApiKey | None,
    query: str,
    lang: str | None,
    limit: int,
    offset: int,
    source_lang: str | None,
    accept_language: str | None,
) -> bytes:
    negotiated = answer_language(
        lang=lang,
        key=key,
        accept_language=accept_language,
        settings=settings,
        query=query,
        index=index,
    )
    # The query's language is reported, not used to choose which words count: every word is
    # looked up in every language (PublishedIndex.search).
    query_lang = negotiated.lang
    if negotiated.source != "detected":  # the caller's language need not be the query's
        detected = detect_query_language(
            query,
            lambda code, text: index.vocabulary_share(text, code),
            settings.detect_min_confidence,
        )
        query_lang = detected.lang or negotiated.lang
    page = index.search(
        query,
        negotiated.lang,
        limit=limit,
        offset=offset,
        source_lang=source_lang,
    )
    body = SearchResponse(
        query=query,
        query_lang=query_lang,
        lang=negotiated.lang,
        lang_source=negotiated.source,
        total=page.total,
        limit=limit,
        offset=offset,
        results=page.results,
    )
    # Already a validated model: serialise it directly instead of having FastAPI validate it
    # against response_model a second time (the schema still documents the response).
    return body.model_dump_json().encode()
