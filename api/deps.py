"""Dependencies injected into the routes: settings, the published index, the caller's key, the
answer language."""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from api.errors import FieldError, ProblemError
from api.published import PublishedIndexHolder
from api.rate_limit import RateLimiter
from api.security import find_key, retry_after_header
from pipeline.query_language import Negotiated, UnsupportedLanguage, negotiate
from pipeline.search import NotPublished, PublishedIndex
from pipeline.settings import ApiKey, Settings

# Dependencies are async where they do not block: a sync one costs a threadpool hop per
# request.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@contextmanager
def leased_index(request: Request) -> Iterator[PublishedIndex]:
    """The published index, leased for one request; a 503 problem when there is none."""
    holder: PublishedIndexHolder = request.app.state.holder
    try:
        with holder.use() as index:
            request.app.state.metrics.set_version(index.version.name)
            yield index
    except NotPublished as exc:
        raise ProblemError(503, "not-published", f"{exc}; run 'csguide ingest'") from None


async def get_index(request: Request) -> AsyncIterator[PublishedIndex]:
    with leased_index(request) as index:
        yield index


SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[PublishedIndex, Depends(get_index)]


async def get_api_key(
    request: Request,
    settings: SettingsDep,
    x_api_key: Annotated[
        str | None, Header(description="Required when keys are configured.")
    ] = None,
) -> ApiKey | None:
    """The caller's key; checked, and its rate limit applied, when keys are configured."""
    return caller_key(request, settings, x_api_key)


def caller_key(request: Request, settings: Settings, x_api_key: str | None) -> ApiKey | None:
    """The key of ``X-API-Key``, checked and its rate limit applied when keys are configured
    (401 or 429 problems); None when the server has no keys."""
    if not settings.api_keys:
        return None
    if not x_api_key:
        raise ProblemError(
            401,
            "unauthorized",
            "this server requires an API key in the X-API-Key header",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    key = find_key(x_api_key, settings.api_keys)
    if key is None:
        raise ProblemError(
            401,
            "unauthorized",
            "the API key is not valid",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    rate = key.rate_per_minute or settings.rate_limit_per_minute
    if rate:
        limiter: RateLimiter = request.app.state.limiter
        wait = limiter.take(key.name, rate)
        if wait:
            raise ProblemError(
                429,
                "rate-limited",
                f"more than {rate} requests a minute for this API key; retry later",
                headers={"Retry-After": retry_after_header(wait)},
            )
    return key


KeyDep = Annotated[ApiKey | None, Depends(get_api_key)]

LangParam = Annotated[
    str | None,
    Query(
        description="Answer language, BCP 47 (lv, lv-LV, zh-Hans, zh-TW …). Without it: the API "
        "key's language, Accept-Language, the query's language, the default.",
        max_length=35,
    ),
]


def answer_language(
    *,
    lang: str | None,
    key: ApiKey | None,
    accept_language: str | None,
    settings: Settings,
) -> Negotiated:
    try:
        return negotiate(
            param=lang,
            key_lang=key.lang if key else None,
            accept_language=accept_language,
            query=None,
            default=settings.default_lang,
        )
    except UnsupportedLanguage as exc:
        raise invalid_lang(exc) from None


def invalid_lang(exc: UnsupportedLanguage) -> ProblemError:
    """The problem answered for a ``lang`` parameter that is not one of ours."""
    return ProblemError(
        422,
        "invalid-parameter",
        f"lang: {exc}",
        title="Invalid parameter",
        errors=[FieldError(field="query.lang", message=str(exc))],
    )


async def get_answer_language(
    settings: SettingsDep,
    key: KeyDep,
    lang: LangParam = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Negotiated:
    """The answer language of a request without a query to detect (tips, articles)."""
    return answer_language(lang=lang, key=key, accept_language=accept_language, settings=settings)


AnswerLangDep = Annotated[Negotiated, Depends(get_answer_language)]
