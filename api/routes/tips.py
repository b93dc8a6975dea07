"""GET /v1/tips/{id}: one tip, in the caller's language, with the languages it exists in.

Requests are answered on the lean lane (:mod:`api.lanes`) by :func:`handle_tip`: with FastAPI's
dependencies, a sync endpoint on the thread pool and the response model validated and
serialised again, one tip took more than twice the time of a search (bench/RESULTS.md,
issue 18).
"""

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from api.deps import AnswerLangDep, IndexDep, LangParam, answer_language, caller_key, leased_index
from api.errors import Problem, ProblemError
from api.lanes import added_route, checked_params, wanted_headers
from api.schemas import TipResponse
from pipeline.query_language import Negotiated
from pipeline.search import PublishedIndex


class TipParams(BaseModel):
    """The query parameters of a tip, checked from the same type the endpoint documents."""

    model_config = ConfigDict(extra="ignore")

    lang: LangParam = None


async def handle_tip(request: Request) -> Response:
    """``GET /v1/tips/{tip_id}`` without FastAPI's per-request machinery: the checks of the
    documented endpoint's dependencies and parameters, in their order (index, key, then the
    language), and the same answer."""
    settings = request.app.state.settings
    api_key, accept_language = wanted_headers(request.scope["headers"])
    with leased_index(request) as index:
        key = caller_key(request, settings, api_key)
        params = checked_params(TipParams, request.scope["query_string"])
        negotiated = answer_language(
            lang=params.lang, key=key, accept_language=accept_language, settings=settings
        )
        return _respond(index, request.path_params["tip_id"], negotiated)


def get_tip(tip_id: str, index: IndexDep, negotiated: AnswerLangDep) -> Response:
    """The contract, as FastAPI reads it for /openapi.json. Requests are answered by
    :func:`handle_tip`; one that reached the router would be answered here, through FastAPI's
    dependencies, the same way (``tests/api/test_tips.py`` checks the two agree)."""
    return _respond(index, tip_id, negotiated)


router = APIRouter(prefix="/v1", tags=["tips"])
router.add_api_route(
    "/tips/{tip_id:path}",
    get_tip,
    methods=["GET"],
    response_model=TipResponse,
    responses={404: {"model": Problem}, 422: {"model": Problem}},
    summary="One tip",
    # The contract's own words: the endpoint's docstring is for this code's readers.
    description="One tip in the answer language (`lang`, the API key's, Accept-Language, the "
    "default), with every language it can be read in and where that text came from.",
)
DOCUMENTED = added_route(router)


def _respond(index: PublishedIndex, tip_id: str, negotiated: Negotiated) -> Response:
    """The tip as :class:`api.schemas.TipResponse` serialises it, joined from the records'
    JSON as stored (``tests/api/test_tips.py`` checks the bytes)."""
    every = index.tip_in_every_language(tip_id)  # in INDEX_LANGS order, as languages lists them
    if every is None or negotiated.lang not in every:
        raise ProblemError(404, "not-found", f"no tip with id {tip_id!r}")
    languages = [
        {"lang": code, "provenance": tip.provenance, "outdated": tip.outdated}
        for code, tip in every.items()
        if tip.provenance != "none"
    ]
    body = b'%b,"answer_lang":%b,"lang_source":%b,"languages":%b}' % (
        every[negotiated.lang].json,
        to_json(negotiated.lang),
        to_json(negotiated.source),
        to_json(languages),
    )
    return Response(body, media_type="application/json")
