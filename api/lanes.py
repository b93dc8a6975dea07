"""The lean lane: the hot GET routes answered next to the router, without FastAPI's
per-request machinery.

FastAPI documents ``GET /v1/search`` and ``GET /v1/tips/{tip_id}`` from their endpoints'
signatures (the OpenAPI contract), but solving their dependencies and validating their
parameters per request cost about as much CPU as a search itself, and Starlette's exception
middleware and router another 100–150 µs (bench/RESULTS.md, issue 18). :class:`LeanLane`, the
innermost of the app's middlewares, hands those two to their lean handlers
(:func:`api.routes.search.handle_search`, :func:`api.routes.tips.handle_tip`; the app lists
them in :func:`api.main.create_app`), which make the same checks in the same order, with one
pydantic model built from the endpoint's own annotated types, and give the same answer.
Errors stay problem+json; the outer middlewares (metrics, headers, CORS, HEAD) see these
requests as they see every other.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import FieldError, ProblemError, answer_problem, invalid_parameters

Params = TypeVar("Params", bound=BaseModel)


@dataclass(frozen=True)
class Lane:
    """One lean route: the documented route, whose path pattern decides which requests the
    lane answers (as the router would match them), and the handler that answers them."""

    route: Route
    handler: Callable[[Request], Awaitable[Response]]


class LeanLane:
    """Answers ``GET`` requests to the ``lanes`` as soon as the app's own middlewares have
    seen them; every other request goes on to the router."""

    def __init__(self, app: ASGIApp, lanes: Sequence[Lane]) -> None:
        self.app = app
        self._lanes = list(lanes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self._lane(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if lane is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await lane.handler(request)
        except ProblemError as exc:
            response = answer_problem(request, exc)
        await response(scope, receive, send)

    def _lane(self, scope: Scope) -> Lane | None:
        path = route_path(scope)
        for lane in self._lanes:
            # the route's own pattern: what it takes (a %0A decoded to a newline ends a
            # {name:path} parameter only at the end) is what the router would route to it
            match = lane.route.path_regex.match(path)
            if match is not None:
                convert = lane.route.param_convertors
                # what the router sets: the parameters, and the route /metrics labels by
                scope["path_params"] = {
                    name: convert[name].convert(value) for name, value in match.groupdict().items()
                }
                scope["route"] = lane.route
                return lane
        return None


def added_route(router: APIRouter) -> Route:
    """The route just added to ``router``: the documented endpoint a lane answers for."""
    route = router.routes[-1]
    if not isinstance(route, Route):
        raise TypeError(f"{route!r} is not a path route")
    return route


def route_path(scope: Scope) -> str:
    """The path the router matches: behind ``--root-path`` servers give the full path, whose
    root is left out only where a path segment ends (as Starlette's router reads it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    rest = path[len(root) :]
    return rest if not rest or rest.startswith("/") else path


def checked_params(model: type[Params], query_string: bytes) -> Params:
    """The query string checked by ``model``, or the 422 problem FastAPI's parameter
    validation gives (each field as ``query.<name>``)."""
    # As Starlette's ``request.query_params`` reads it (a repeated name: its last value),
    # without building its multi-dict for one lookup of a few names.
    given = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        raise invalid_parameters(
            [
                FieldError(field=".".join(("query", *map(str, e["loc"]))), message=e["msg"])
                for e in exc.errors(include_url=False)
            ]
        ) from None


def wanted_headers(raw: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """X-API-Key and Accept-Language, the first of each as Starlette's ``Headers.get`` finds
    them (servers give the names lowercased)."""
    api_key = accept_language = None
    for name, value in raw:
        if name == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
        elif name == b"accept-language" and accept_language is None:
            accept_language = value.decode("latin-1")
    return api_key, accept_language
