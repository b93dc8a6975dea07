"""How `csguide serve` runs uvicorn: its HTTP protocol, guarded against slow and idle clients.

The protocol is uvicorn's httptools one (the llhttp parser) on uvloop: measured side by side
with the same app, it costs about 150 µs less CPU a request than uvicorn's pure-Python h11
protocol on asyncio, and our /healthz answers half again as many requests a second
(bench/RESULTS.md, issue 18).

Many intranets put no proxy in front of the service, so the server itself must survive a
client that opens sockets and sends nothing, or sends a request head a byte at a time. Stock
uvicorn closes a connection only after a response (keep-alive timeout); one that never sent a
whole request head stayed open for ever, and about a thousand of them used up the process's
file descriptors: accept() failed, /healthz timed out, and asyncio logged a traceback per
failed accept (hundreds of MB of log). ``GuardedHttpToolsProtocol`` adds, per worker process:

- a deadline for the request head (``CSGUIDE_HEADER_TIMEOUT``), counted from the first byte
  awaited and not reset by more bytes, so dribbling does not keep a connection;
- a cap on open connections (``CSGUIDE_MAX_CONNECTIONS``, and never more than the file
  descriptors allow): at the cap a new connection closes the connection that has waited
  longest without a request in progress, or, if every connection is busy, gets a 503;
- the same deadline for a client that stops reading its answers (the answer waits in the
  write buffer, and the request would stay in progress for good): the connection is cut;
- a limit on the request head (``MAX_HEADER_BYTES``), which llhttp does not have: a URL over
  it gets 414, headers over it 431 (httptools would otherwise gather a header of any size);
- problem+json for requests the HTTP parser refuses (malformed, or a head over the limit),
  where uvicorn answers text/plain;
- one log line a minute at most, with counts, for all of the above, and the counts in
  ``/metrics``.

It also sets TCP_NODELAY on every connection: with ``--workers`` above 1 uvicorn binds the
socket itself with protocol number 0, and asyncio sets the option only on sockets whose
protocol reads IPPROTO_TCP. Without it a response written in two sends waited for the
client's delayed ACK: 44 ms per request on a kept-alive connection.
"""

import asyncio
import logging
import resource
import socket
import time
from collections import Counter
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.errors import MAX_HEADER_BYTES, PROBLEM_JSON, Problem
from api.metrics import connections_closed, connections_open
from pipeline.settings import get_settings

logger = logging.getLogger("csguide.server")

#: File descriptors kept free for what a worker opens besides client sockets: about 50 for a
#: served index version, twice that during a switch, plus logs, the memory and the database.
FD_RESERVE = 128
_LOG_EVERY_SECONDS = 60.0


def raise_open_file_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit (as nginx's
    worker_rlimit_nofile does; children inherit it), and return the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def connection_cap(configured: int, open_file_limit: int) -> int:
    """The most client connections a worker keeps open: the setting, within the descriptors
    left after ``FD_RESERVE`` (and at least a few, so a tiny limit still serves)."""
    return max(8, min(configured, open_file_limit - FD_RESERVE))


class ConnectionReport:
    """Counts connections the guard closed, by reason (in /metrics), and logs them at most
    once a minute: a flood of bad clients must not become a flood of log lines."""

    def __init__(self) -> None:
        self._unlogged: Counter[str] = Counter()
        self._last_log = float("-inf")

    def note(self, reason: str, *, log: bool = True) -> None:
        connections_closed.labels(reason).inc()
        if not log:
            return
        self._unlogged[reason] += 1
        now = time.monotonic()
        if now - self._last_log >= _LOG_EVERY_SECONDS:
            counts = ", ".join(f"{why}: {n}" for why, n in sorted(self._unlogged.items()))
            logger.warning("closed client connections (%s); counts in /metrics", counts)
            self._unlogged.clear()
            self._last_log = now


#: Per worker process: every connection of the process reports here (read by /metrics).
report = ConnectionReport()


class _Guard:
    """The settings the protocol reads, resolved once per process."""

    head_timeout: float = 10.0
    max_connections: int = 1000
    ready = False

    @classmethod
    def load(cls) -> None:
        if cls.ready:
            return
        settings = get_settings()
        cls.head_timeout = settings.header_timeout
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        limit = soft if soft != resource.RLIM_INFINITY else 1 << 20
        cls.max_connections = connection_cap(settings.max_connections, limit)
        cls.ready = True
        logger.info(
            "up to %d client connections per worker (open-file limit %d); request heads "
            "within %g s",
            cls.max_connections,
            limit,
            cls.head_timeout,
        )


def problem_response_bytes(
    status: int, kind: str, detail: str, extra_headers: tuple[str, ...] = ()
) -> bytes:
    """A whole HTTP/1.1 response carrying a problem, for answers given before any app runs."""
    body = Problem(
        type=f"/problems/{kind}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
    ).model_dump_json(exclude_none=True)
    data = body.encode()
    head = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        f"content-type: {PROBLEM_JSON}",
        f"content-length: {len(data)}",
        "connection: close",
        "x-content-type-options: nosniff",
        *extra_headers,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


#: What a request line holds besides its URL: method, spaces, version and CRLF.
_REQUEST_LINE_BYTES = 32


class _HeadRefused(Exception):
    """Raised from a parser callback to stop a request head over the limit: httptools turns
    it into a parser error, and uvicorn into :meth:`send_400_response`."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _Guard.load()
        self._head_deadline: asyncio.TimerHandle | None = None
        self._write_stall: asyncio.TimerHandle | None = None
        # llhttp parses the next request as soon as its bytes arrive, even while one is in
        # progress (pipelining): a head is counted from its first byte (on_message_begin) to
        # its end, whatever else is in progress.
        self._head_started = False  # a request head has begun and not ended
        self._head_bytes = 0  # bytes received while it was arriving
        self._url_bytes = 0
        self._header_bytes = 0  # header names and values the parser has given so far
        self._refusal: tuple[int, str, str] | None = None
        #: A refusal held back until the requests before it have their answers.
        self._refusal_due: bytes | None = None
        self._idle_since = 0.0

    # -- connection life ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        connections_open.inc()
        if len(self.connections) > _Guard.max_connections and not self._close_longest_idle():
            report.note("refused_busy")
            transport.write(
                problem_response_bytes(
                    503,
                    "overloaded",
                    "the server has as many connections open as it allows; try again",
                    ("retry-after: 1",),
                )
            )
            transport.close()
            return
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        connections_open.dec()
        self._cancel_head_deadline()
        self._cancel_write_stall()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing() or self._refusal_due is not None:
            return  # refused already: the rest is not parsed
        if self._between_requests() and self._head_deadline is None:
            self._await_head()
        super().data_received(data)
        if self.transport.is_closing() or self._refusal_due is not None:
            return
        if self._head_started:
            # Bytes of a head still arriving (those before it in the same read, the end of
            # an earlier body, count too: an over-estimate by one read at most).
            self._head_bytes += len(data)
            if self._head_bytes - self._url_bytes > MAX_HEADER_BYTES + _REQUEST_LINE_BYTES:
                # llhttp holds a header's bytes until the header ends, so the callbacks
                # below never see a header still growing.
                self._refuse_head(431)
                self.send_400_response("request head too large")
                return
        if not self._between_requests():
            self._cancel_head_deadline()

    def on_message_begin(self) -> None:
        self._head_started = True
        self._head_bytes = self._url_bytes = self._header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > MAX_HEADER_BYTES:
            self._refuse_head(414)
            raise _HeadRefused
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        # the URL and the headers each within the limit, as HeaderSizeLimit counts them
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refuse_head(431)
            raise _HeadRefused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_started = False
        super().on_headers_complete()

    def pause_writing(self) -> None:
        # The client is not reading what it asked for: a request in progress that would
        # otherwise hold its connection, and a slot under the cap, for good.
        super().pause_writing()
        if self._write_stall is None:
            self._write_stall = self.loop.call_later(_Guard.head_timeout, self._stalled)

    def resume_writing(self) -> None:
        self._cancel_write_stall()
        super().resume_writing()

    def _cancel_write_stall(self) -> None:
        if self._write_stall is not None:
            self._write_stall.cancel()
            self._write_stall = None

    def _stalled(self) -> None:
        self._write_stall = None
        report.note("stalled_reader")
        self.transport.abort()  # close() would wait for the buffer the client never reads

    def on_response_complete(self) -> None:
        self._idle_since = time.monotonic()
        super().on_response_complete()
        if self._refusal_due is not None and not self._answers_owed():
            self.transport.write(self._refusal_due)
            self.transport.close()

    # -- the guard ------------------------------------------------------------------------

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _answers_owed(self) -> bool:
        """Whether a request parsed before now still waits for its answer (in progress, or
        pipelined behind one)."""
        return bool(self.pipeline) or not self._between_requests()

    def _await_head(self) -> None:
        self._idle_since = time.monotonic()
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(_Guard.head_timeout, self._head_timed_out)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing() or not self._between_requests():
            return
        if self._head_started:
            report.note("slow_head")
            self.transport.write(
                problem_response_bytes(
                    408,
                    "request-timeout",
                    f"the request did not arrive whole within {_Guard.head_timeout:g} s",
                )
            )
        else:
            # Browsers open spare connections they may never use: counted, not logged.
            report.note("idle", log=False)
        self.transport.close()

    def _close_longest_idle(self) -> bool:
        idle = [
            c
            for c in self.connections
            if c is not self
            and isinstance(c, GuardedHttpToolsProtocol)
            and c._between_requests()
            and not c.transport.is_closing()
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._idle_since)
        report.note("idle_for_new")
        oldest._cancel_head_deadline()
        oldest.transport.close()
        return True

    def _refuse_head(self, status: int) -> None:
        kind, part = (
            ("uri-too-long", "URL") if status == 414 else ("headers-too-large", "request head")
        )
        self._refusal = (status, kind, f"the {part} is over {MAX_HEADER_BYTES} bytes")

    def send_400_response(self, msg: str) -> None:
        self._cancel_head_deadline()
        if self._refusal is not None:
            report.note("head_too_large")
            response = problem_response_bytes(*self._refusal)
        else:
            report.note("malformed")
            response = problem_response_bytes(
                400, "bad-request", "the request is not valid HTTP/1.1"
            )
        if self._answers_owed():
            # A pipelined request refused while those before it are answered: its refusal
            # follows their answers. What arrives meanwhile is read and dropped (left unread,
            # it would make the close a reset, and the client could lose the answers).
            self._refusal_due = response
            return
        self.transport.write(response)
        self.transport.close()


class _QuietParserWarnings(logging.Filter):
    """uvicorn logs "Invalid HTTP request received." per bad request, and asyncio a traceback
    per failed accept(); both are counted by ``report`` (or rate limited here) instead."""

    def __init__(self) -> None:
        super().__init__()
        self._last_accept_error = float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message == "Invalid HTTP request received.":
            return False
        if message.startswith("socket.accept() out of system resource"):
            now = time.monotonic()
            if now - self._last_accept_error < _LOG_EVERY_SECONDS:
                return False
            self._last_accept_error = now
        return True


def quiet_server_logs() -> None:
    """Install the filter once per process (``create_app`` calls it in every worker)."""
    for name in ("uvicorn.error", "asyncio"):
        target = logging.getLogger(name)
        if not any(isinstance(f, _QuietParserWarnings) for f in target.filters):
            target.addFilter(_QuietParserWarnings())


def run_server(app: str, host: str, port: int, workers: int = 1) -> None:
    """Serve ``app`` (an import string of an app factory) as ``csguide serve`` does: uvicorn
    with the guarded httptools protocol, uvloop where installed, no access log, and as many
    open connections as the system allows."""
    import uvicorn

    # Each connection is a file descriptor: take what the system allows (workers inherit it).
    raise_open_file_limit()
    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        http=GuardedHttpToolsProtocol,
        loop="auto",  # uvloop where it is installed (not on Windows), else asyncio
        timeout_keep_alive=5,
    )
