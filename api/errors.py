"""One error shape for the whole API: RFC 9457 problem details (application/problem+json).

Every error a client can cause is a 4xx problem; anything else is a 500 problem without
internals. ``type`` is a relative URI naming the kind of problem, documented in README.md.
"""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
#: Total size of a request's head; an intranet client never needs more, and a flood of big
#: headers costs memory. The HTTP parser refuses a head still arriving past it, the app one
#: that arrived whole (``HeaderSizeLimit``).
MAX_HEADER_BYTES = 16 * 1024
logger = logging.getLogger("csguide.api")


class FieldError(BaseModel):
    field: str = Field(description="Where: e.g. 'query.limit'.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="URI naming the kind of problem, e.g. /problems/not-found.")
    title: str
    status: int
    detail: str
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldError] | None = Field(None, description="Validation errors, per field.")


class ProblemError(Exception):
    """Raised by routes and dependencies; rendered as a problem response."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.errors = errors


def invalid_parameters(errors: list[FieldError]) -> ProblemError:
    """The 422 problem for checks a route makes beyond its parameters' types, naming each."""
    return ProblemError(
        422,
        "invalid-parameter",
        "; ".join(f"{e.field}: {e.message}" for e in errors),
        title="Invalid parameter",
        errors=errors,
    )


def problem_response(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    return problem_json(
        status, kind, detail, request.url.path, title=title, headers=headers, errors=errors
    )


def problem_json(
    status: int,
    kind: str,
    detail: str,
    instance: str | None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"/problems/{kind}",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


_KIND_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
}


def _field(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


def answer_problem(request: Request, exc: ProblemError) -> JSONResponse:
    """The response for a raised :class:`ProblemError`."""
    return problem_response(
        request,
        exc.status,
        exc.kind,
        exc.detail,
        title=exc.title,
        headers=exc.headers,
        errors=exc.errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return answer_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(field=_field(error["loc"]), message=error["msg"]) for error in exc.errors()
        ]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid request"
        return problem_response(
            request, 422, "invalid-parameter", detail, title="Invalid parameter", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _KIND_BY_STATUS.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(getattr(exc, "headers", None) or {})
        allowed = [method.strip() for method in headers.get("Allow", "").split(",")]
        if "GET" in allowed and "HEAD" not in allowed:  # HEAD is answered for every GET
            headers["Allow"] = ", ".join([*allowed, "HEAD"])
        return problem_response(request, exc.status_code, kind, detail, headers=headers or None)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return problem_response(
            request, 500, "internal-error", "The server failed to answer; it has been logged."
        )


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the API does: every 4xx/5xx is a Problem served as
    application/problem+json (FastAPI documents its own validation error as application/json)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    problem = {"$ref": "#/components/schemas/Problem"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if status[:1] in ("4", "5"):
                    response["content"] = {PROBLEM_JSON: {"schema": problem}}
                    if status == "422":
                        response["description"] = "Invalid parameter"
    return schema


class HeaderSizeLimit:
    """Refuse requests whose target or headers are over ``limit`` bytes (414 and 431, as
    problems).

    `csguide serve`'s HTTP protocol refuses such heads itself (api/server.py); the app checks
    too, so that the limit holds under any ASGI server.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            target = len(scope["raw_path"]) + len(scope["query_string"])
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            response = None
            if target > self.limit:
                detail = f"the URL is {target} bytes long; the limit is {self.limit}"
                response = problem_json(414, "uri-too-long", detail, None)
            elif size > self.limit:
                detail = f"request headers total {size} bytes; the limit is {self.limit}"
                response = problem_json(431, "headers-too-large", detail, scope.get("path"))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
