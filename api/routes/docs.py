"""The API's documentation pages, /docs (Swagger UI) and /redoc, served with their scripts
and styles from the installed package: FastAPI's own pages load them from a CDN, which an
air-gapped intranet cannot reach (the pages stayed blank). The assets come from
fastapi-offline, a kept package that ships Swagger UI and ReDoc's bundles for this purpose."""

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
_ASSET_DIR = Path(str(files("fastapi_offline") / "static"))
#: ReDoc's footer shows Redocly's logo from their CDN: the one request the page would still
#: make outside the intranet. The bundle is served with our own favicon in its place.
_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"

router = APIRouter(include_in_schema=False)


@cache
def _redoc_bundle() -> bytes:
    return (
        (_ASSET_DIR / "redoc.standalone.js")
        .read_bytes()
        .replace(_REDOC_LOGO, f"{ASSETS}/favicon.png".encode())
    )


@router.get(f"{ASSETS}/redoc.js")
def redoc_bundle() -> Response:
    return Response(
        _redoc_bundle(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        redoc_js_url=f"{ASSETS}/redoc.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    )


def install_docs(app: FastAPI) -> None:
    app.include_router(router)  # before the mount, which would answer its path first
    app.mount(ASSETS, StaticFiles(directory=_ASSET_DIR), name="docs-assets")
