"""GET /v1/search: the best tips for a query, in the caller's language.

Requests are answered on the lean lane (:mod:`api.lanes`) by :func:`handle_search`, which
checks the documented endpoint's parameters with :class:`SearchParams`, built from the same
annotated types, and calls the same key check, index lease and query service as its
dependencies do. The route stays thin: the query service does the work.
"""

import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from api.analytics import Analytics
from api.cache import ResponseCache
from api.deps import (
    IndexDep,
    KeyDep,
    LangParam,
    SettingsDep,
    caller_key,
    invalid_lang,
    leased_index,
)
from api.errors import FieldError, Problem, invalid_parameters
from api.lanes import added_route, checked_params, wanted_headers
from api.schemas import SearchResponse
from pipeline.analytics.store import SearchRecord
from pipeline.languages import ContentLang
from pipeline.normalise import without_invisible
from pipeline.query import answer_search
from pipeline.query_language import UnsupportedLanguage
from pipeline.search import PublishedIndex
from pipeline.settings import ApiKey, Settings

MAX_OFFSET = 10_000

_QUERY_EXAMPLES = {
    "lv": {"summary": "Latvian, no diacritics", "value": "klientu apkalposana"},
    "it": {"summary": "Italian", "value": "rispondere al telefono"},
    "zh": {"summary": "Chinese", "value": "回电时间"},
    "ru": {"summary": "Russian", "value": "обслуживание клиентов"},
    "en": {"summary": "English", "value": "answer before the third ring"},
}


QueryText = Annotated[
    str,
    Query(
        description="What the agent typed, in any supported language.",
        openapi_examples=_QUERY_EXAMPLES,
        # No fixed maximum: the configured one (CSGUIDE_MAX_QUERY_CHARS) is checked by the
        # route and stated in /openapi.json; the request head's size limit bounds the rest.
        min_length=1,
    ),
]
Limit = Annotated[int, Query(ge=1, le=50, description="How many tips.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many.")]
SourceLang = Annotated[
    ContentLang | None,
    Query(
        description="Only tips originally written in this language (articles are written in "
        "lv, it, zh or ru)."
    ),
]


class SearchParams(BaseModel):
    """The query parameters of a search, checked from the same types the endpoint documents."""

    model_config = ConfigDict(extra="ignore")

    q: QueryText
    lang: LangParam = None
    limit: Limit = 10
    offset: Offset = 0
    source_lang: SourceLang = None


PATH = "/v1/search"


async def handle_search(request: Request) -> Response:
    """``GET /v1/search`` without FastAPI's per-request machinery: the checks of the
    documented endpoint's dependencies and parameters, in their order (index, key, then
    parameters), and the same answer."""
    settings: Settings = request.app.state.settings
    api_key, accept_language = wanted_headers(request.scope["headers"])
    with leased_index(request) as index:
        key = caller_key(request, settings, api_key)
        params = checked_params(SearchParams, request.scope["query_string"])
        return _respond(request, index, settings, key, params, accept_language)


async def search(
    request: Request,
    index: IndexDep,
    settings: SettingsDep,
    key: KeyDep,
    q: QueryText,
    lang: LangParam = None,
    limit: Limit = 10,
    offset: Offset = 0,
    source_lang: SourceLang = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """The contract, as FastAPI reads it for /openapi.json. Requests are answered by
    :func:`handle_search`; a request that reached the router would be answered here, through
    FastAPI's dependencies, the same way (``tests/api/test_search.py`` checks the two agree)."""
    params = SearchParams(q=q, lang=lang, limit=limit, offset=offset, source_lang=source_lang)
    return _respond(request, index, settings, key, params, accept_language)


router = APIRouter(prefix="/v1", tags=["search"])
router.add_api_route(
    PATH.removeprefix("/v1"),
    search,
    methods=["GET"],
    response_model=SearchResponse,
    responses={422: {"model": Problem}, 401: {"model": Problem}, 429: {"model": Problem}},
    summary="Search tips",
    # The contract's own words: the endpoint's docstring is for this code's readers.
    description="The best tips for what an agent typed, in any supported language and as "
    "typed (half a word, typos, mixed languages), shown in the answer language (`lang`, the "
    "API key's, Accept-Language, the query's own, the default), each with its original.",
)
DOCUMENTED = added_route(router)


def _respond(
    request: Request,
    index: PublishedIndex,
    settings: Settings,
    key: ApiKey | None,
    params: SearchParams,
    accept_language: str | None,
) -> Response:
    started = time.perf_counter()
    query = params.q.strip()
    _check_encoding(request, params)
    _check(params, settings)
    cache: ResponseCache[_Answered] = request.app.state.search_cache
    cache_key = (
        index.version.name,
        query,
        params.lang,
        key.lang if key else None,
        accept_language,
        params.limit,
        params.offset,
        params.source_lang,
    )
    answered = cache.get(cache_key)
    if answered is None:
        # Answered on the event loop: a search is a millisecond or two of CPU under the GIL,
        # so a thread pool only added hand-offs and GIL contention (measured: 296 -> 376
        # req/s, p99 71 -> 38 ms). Several cores are used with `csguide serve --workers N`.
        answered = _answer(index, settings, key, query, params, accept_language)
        cache.put(cache_key, answered)
    analytics: Analytics | None = request.app.state.analytics
    if analytics is None:
        return Response(answered.body, media_type="application/json")
    search_id = analytics.ids.new()
    analytics.recorder.record(
        SearchRecord(
            search_id=search_id,
            at=time.time(),
            answer_lang=answered.answer_lang,
            query_lang=answered.query_lang,
            query=query,
            total=answered.total,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            key_name=key.name if key else None,
            shown=answered.shown,
        )
    )
    # The body ends with "search_id":null (the last field): each search gets its own.
    body = answered.body[: -len(b"null}")] + f'"{search_id}"}}'.encode()
    return Response(body, media_type="application/json")


def _check_encoding(request: Request, params: SearchParams) -> None:
    """A query that is not UTF-8 (%FF%FE, an overlong %C0%AF, a lone surrogate) is refused:
    Starlette decodes it with replacement characters, which would be searched as typed."""
    if "\ufffd" not in params.q:  # every undecodable byte shows as one: the common case is free
        return
    raw = request.scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw, keep_blank_values=True, encoding="latin-1"):
        if name == "q":
            try:
                value.encode("latin-1").decode("utf-8")
            except UnicodeDecodeError:
                raise invalid_parameters(
                    [FieldError(field="query.q", message="not valid UTF-8 (percent-encode UTF-8)")]
                ) from None


def _check(params: SearchParams, settings: Settings) -> None:
    """What the types cannot say: a query of only spaces (or of invisible characters), the
    configured query length, the languages; a 422 problem naming each."""
    problems = []
    if not without_invisible(params.q).strip():
        problems.append(FieldError(field="query.q", message="the query is empty"))
    if len(params.q.strip()) > settings.max_query_chars:  # what is searched, as typed
        problems.append(
            FieldError(field="query.q", message=f"at most {settings.max_query_chars} characters")
        )
    if problems:
        raise invalid_parameters(problems)


def _answer(
    index: PublishedIndex,
    settings: Settings,
    key: ApiKey | None,
    query: str,
    params: SearchParams,
    accept_language: str | None,
) -> "_Answered":
    try:
        answer = answer_search(
            index,
            settings,
            query,
            lang=params.lang,
            key_lang=key.lang if key else None,
            accept_language=accept_language,
            limit=params.limit,
            offset=params.offset,
            source_lang=params.source_lang,
        )
    except UnsupportedLanguage as exc:
        raise invalid_lang(exc) from None
    # Serialised by the query service from JSON made once per record, instead of FastAPI
    # validating the answer against response_model and serialising every hit again.
    body = answer.response_json()
    assert body.endswith(_NO_ID)
    return _Answered(
        body,
        answer.answer_lang,
        answer.query_lang,
        answer.total,
        tuple(found.tip.id for found in answer.found),
    )


_NO_ID = b'"search_id":null}'


@dataclass(frozen=True)
class _Answered:
    """A search's response body as cached, with what analytics records of it."""

    body: bytes
    answer_lang: str
    query_lang: str
    total: int
    shown: tuple[str, ...]
