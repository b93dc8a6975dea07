"""HTTP at the edges of the API, answered the way every other answer is.

* ``HEAD`` is answered for every ``GET`` resource (headers, no body), as RFC 9110 asks of a
  server, instead of 405: monitoring probes and link checkers use it.
* A CORS preflight from an origin that is not allowed is a 400 problem+json like every other
  client error, not Starlette's plain-text "Disallowed CORS origin".
* ``Vary`` on negotiated answers, security headers on every answer, and a
  Content-Security-Policy on HTML pages.
"""

import base64
import hashlib
import re

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


#: For every answer: no MIME sniffing of JSON into something else, no query text in Referer.
_ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


class StandardHeaders:
    """Headers every answer of its kind needs. ``Vary`` on the API's answers, which depend on
    Accept-Language (and on the API key, where keys are on), so that caches in between keep
    one answer per language. Security headers on every answer. On HTML pages (the demo page,
    /docs, /redoc) a Content-Security-Policy allowing this server only: scripts from here or
    the page's own inline scripts by hash (computed from the page as it is sent), styles from
    here or inline (the widget styles its shadow DOM), workers from blob: (ReDoc), and framing
    by ``frame_ancestors`` only."""

    def __init__(self, app: ASGIApp, frame_ancestors: list[str], keys_on: bool) -> None:
        self.app = app
        self.frame_ancestors = " ".join(frame_ancestors) or "'none'"
        self.vary = (b"vary", b"Accept-Language, X-API-Key" if keys_on else b"Accept-Language")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def secured(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *_ALWAYS]
                if scope["path"].startswith("/v1/"):
                    headers.append(self.vary)
                message = {**message, "headers": headers}
                if not _is_html(headers):
                    await send(message)
                    return
                start = message  # an HTML page: held until its scripts are seen
                return
            if start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = b"".join(body)
            policy = self.policy(page).encode()
            await send(
                {**start, "headers": [*start["headers"], (b"content-security-policy", policy)]}
            )
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, secured)

    def policy(self, page: bytes) -> str:
        hashes = " ".join(
            f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
            for script in _INLINE_SCRIPT.findall(page)
        )
        return (
            f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            f"base-uri 'none'; form-action 'self'; frame-ancestors {self.frame_ancestors}"
        )


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/html")
        for name, value in headers
    )
