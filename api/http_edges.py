"""HTTP at the edges of the API, answered the way every other answer is.

* ``HEAD`` is answered for every ``GET`` resource (headers, no body), as RFC 9110 asks of a
  server, instead of 405: monitoring probes and link checkers use it.
* A CORS preflight from an origin that is not allowed is a 400 problem+json like every other
  client error, not Starlette's plain-text "Disallowed CORS origin".
"""

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_json


class HeadAsGet:
    """Answer ``HEAD`` as the same ``GET``, sending its headers and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server keeps its own scope, which still says HEAD, and sends no body.
        await self.app({**scope, "method": "GET"}, receive, headers_only)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS handling, with its refusals of a preflight as problem+json."""

    def preflight_response(self, request_headers: object) -> Response:
        response = super().preflight_response(request_headers)  # type: ignore[arg-type]
        if response.status_code < 400:
            return response
        detail = bytes(response.body).decode("utf-8", "replace")
        problem = problem_json(response.status_code, "cors-refused", f"{detail}.", None)
        for name, value in response.headers.items():
            if name.lower().startswith("access-control-") or name.lower() == "vary":
                problem.headers[name] = value
        return problem
