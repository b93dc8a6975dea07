"""GET /v1/tips/{id}: one tip, in the caller's language, with the languages it exists in."""

from fastapi import APIRouter

from api.deps import AnswerLangDep, IndexDep
from api.errors import Problem, ProblemError
from api.schemas import TipLanguage, TipResponse
from pipeline.languages import INDEX_LANGS

router = APIRouter(prefix="/v1", tags=["tips"])


@router.get(
    "/tips/{tip_id:path}",
    response_model=TipResponse,
    responses={404: {"model": Problem}, 422: {"model": Problem}},
    summary="One tip",
)
def get_tip(
    tip_id: str,
    index: IndexDep,
    negotiated: AnswerLangDep,
) -> TipResponse:
    records = {code: index.tip(tip_id, code) for code in INDEX_LANGS}
    record = records[negotiated.lang]
    if record is None:
        raise ProblemError(404, "not-found", f"no tip with id {tip_id!r}")
    languages = [
        TipLanguage(lang=code, provenance=r.translation.provenance, outdated=r.translation.outdated)
        for code, r in records.items()
        if r is not None and r.translation.provenance != "none"
    ]
    return TipResponse(
        **record.model_dump(),
        answer_lang=negotiated.lang,
        lang_source=negotiated.source,
        languages=languages,
    )
