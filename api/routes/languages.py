"""GET /v1/languages: supported languages, how many tips each can show, installed models."""

from fastapi import APIRouter

from api.deps import IndexDep, KeyDep, SettingsDep
from api.schemas import LanguageInfo, LanguagesResponse, ModelPair
from pipeline.argos import installed_packages
from pipeline.languages import INDEX_LANGS, LANGUAGE_NAMES

router = APIRouter(prefix="/v1", tags=["languages"])


@router.get("/languages", response_model=LanguagesResponse, summary="Supported languages")
def languages(index: IndexDep, settings: SettingsDep, key: KeyDep) -> LanguagesResponse:
    info = []
    for code in INDEX_LANGS:
        counts = index.counts(code)
        readable = sum(n for provenance, n in counts.items() if provenance != "none")
        info.append(
            LanguageInfo(
                lang=code, name=LANGUAGE_NAMES[code], tip_count=readable, by_provenance=counts
            )
        )
    models = [
        ModelPair(from_lang=p.from_code, to_lang=p.to_code, version=p.version)
        for p in installed_packages(settings.models_path)
    ]
    return LanguagesResponse(
        index_version=index.version.name,
        languages=info,
        models=models,
        index_models=index.version.manifest.models,
    )
