"""The embeddable search widget (/widget.js) and its demo page (/)."""

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["widget"])

_STATIC = files("api") / "static"
# Read once: they are part of the installed package and do not change while serving.
_WIDGET = (_STATIC / "widget.js").read_bytes()
_DEMO = (_STATIC / "index.html").read_bytes()


@router.get("/widget.js", response_class=Response, summary="The <csguide-search> web component")
def widget() -> Response:
    return Response(
        _WIDGET,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get("/", response_class=HTMLResponse, summary="Demo page with the widget")
def demo() -> HTMLResponse:
    return HTMLResponse(_DEMO)
