"""Operations: liveness, readiness and Prometheus metrics."""

from fastapi import APIRouter, Request, Response

from api.deps import IndexDep
from api.errors import Problem, ProblemError
from api.schemas import Health, Readiness
from pipeline.publish import MANIFEST_FILE

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Problem}},
    summary="An index is loaded and served",
)
async def readyz(index: IndexDep) -> Readiness:
    if not (index.version.path / MANIFEST_FILE).is_file():
        # Deleted under a running server: requests may still be answered from what is open,
        # but a restart would have nothing; a load balancer should know now.
        raise ProblemError(
            503,
            "not-ready",
            f"the files of the served index version {index.version.name} are gone",
        )
    manifest = index.version.manifest
    return Readiness(
        index_version=index.version.name,
        article_count=manifest.articles,
        tip_count=manifest.tips,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    summary="Prometheus metrics",
)
def metrics(request: Request) -> Response:
    request.app.state.metrics.set_version(request.app.state.holder.version)
    return Response(
        request.app.state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
