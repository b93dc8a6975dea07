"""`csguide serve`'s HTTP protocol (api/server.py): TCP_NODELAY, the deadline for a request
head, the cap on connections, problem+json for what the HTTP parser refuses, and quiet logs.
Driven through real sockets: against the real command, and against the protocol in process
where a test needs a handle on its limits."""

import asyncio
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from api import server as server_module
from api.server import GuardedHttpToolsProtocol, connection_cap
from tests.helpers import answering, free_port


async def _nodelay_of_accepted(protocol_class: type[HttpToolsProtocol]) -> int:
    config = uvicorn.Config(app="api.main:create_app", factory=True, http=protocol_class)
    config.load()
    state = ServerState()
    made: list[HttpToolsProtocol] = []

    def protocol() -> HttpToolsProtocol:
        made.append(protocol_class(config=config, server_state=state, app_state={}))
        return made[-1]

    listener = socket.socket(family=socket.AF_INET)  # protocol 0, as uvicorn binds it
    listener.bind(("127.0.0.1", 0))
    server = await asyncio.get_running_loop().create_server(protocol, sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        for _ in range(200):
            if made and made[0].transport is not None:
                break
            await asyncio.sleep(0.01)
        accepted = made[0].transport.get_extra_info("socket")
        return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("protocol_class", "expected"), [(HttpToolsProtocol, 0), (GuardedHttpToolsProtocol, 1)]
)
def test_nodelay_on_a_socket_bound_for_workers(protocol_class, expected):
    """uvicorn's own protocol leaves Nagle on there (44 ms a request measured); csguide's not."""
    assert bool(asyncio.run(_nodelay_of_accepted(protocol_class))) == bool(expected)


def test_the_connection_cap_leaves_descriptors_for_the_index():
    assert connection_cap(1000, 1024) == 896
    assert connection_cap(1000, 65536) == 1000
    assert connection_cap(1000, 100) == 8  # a tiny limit still serves a few


# -- against the real command ------------------------------------------------------------


def _limit_open_files(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


@pytest.fixture
def small_server(tmp_path):
    """`csguide serve` allowed 256 open files and 1.5 s for a request head, logging to a file."""
    port = free_port()
    log = tmp_path / "server.log"
    env = os.environ | {"CSGUIDE_DATA_DIR": str(tmp_path / "var"), "CSGUIDE_HEADER_TIMEOUT": "1.5"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [Path(sys.executable).with_name("csguide"), "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=sink,
            preexec_fn=_limit_open_files(256),
        )
    try:
        answering(f"http://127.0.0.1:{port}/healthz")
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def _closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _response(sock: socket.socket, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    sock.settimeout(timeout)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split(" ")[1]), headers, body


def test_idle_connections_past_the_file_limit_do_not_starve_the_server(small_server):
    """More silent connections than the process may open files: before, /healthz timed out,
    none was ever closed and asyncio logged a traceback per failed accept (233 MB in 30 s)."""
    port, log = small_server
    idle = []
    for _ in range(400):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        idle.append(sock)
    started = time.monotonic()
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    assert time.monotonic() - started < 3
    time.sleep(2.5)  # past the head deadline: the rest are closed too
    assert all(_closed_by_server(sock) for sock in idle)
    for sock in idle:
        sock.close()
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    closed = {
        line.split('reason="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("csguide_connections_closed_total{")
    }
    assert closed["idle"] + closed["idle_for_new"] >= 400
    assert closed["idle_for_new"] >= 400 - 256  # the cap, not the file limit, bounded them
    assert log.stat().st_size < 20_000, log.read_text()[-2000:]


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off(small_server):
    port, _ = small_server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        refused = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
            try:
                sock.send(bytes([byte]))
            except OSError:
                refused = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > 2.5:
                break
        status, headers, body = _response(sock)
    assert status == 408 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == "/problems/request-timeout"
    assert time.monotonic() - started < 4 or refused


def test_a_malformed_request_gets_a_problem(small_server):
    port, _ = small_server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
        status, headers, body = _response(sock)
    assert status == 400 and headers["content-type"] == "application/problem+json"
    assert json.loads(body) == {
        "type": "/problems/bad-request",
        "title": "Bad Request",
        "status": 400,
        "detail": "the request is not valid HTTP/1.1",
    }


@pytest.mark.parametrize("arrives_whole", [True, False])
def test_a_too_long_url_gets_a_problem(small_server, arrives_whole):
    """Whole, the request reaches the app, which refuses it; still arriving past the limit,
    the HTTP parser does (uvicorn answered that one in text/plain)."""
    port, _ = small_server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        target = b"/v1/search?q=" + b"a" * 20_000
        if arrives_whole:
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        else:
            sock.sendall(b"GET " + target)
        status, headers, body = _response(sock)
    assert status == 414 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == "/problems/uri-too-long"
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200


def test_too_many_header_bytes_get_a_problem(small_server):
    port, _ = small_server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000)
        status, _, body = _response(sock)
    assert status == 431 and json.loads(body)["type"] == "/problems/headers-too-large"


# -- in process, where the test sets the limits --------------------------------------------


async def _guarded_server(app) -> tuple[asyncio.Server, ServerState]:
    """csguide's protocol serving ``app`` on a free loopback port, in this event loop."""
    config = uvicorn.Config(app=app, http=GuardedHttpToolsProtocol, lifespan="off")
    config.load()
    state = ServerState()
    server = await asyncio.get_running_loop().create_server(
        lambda: GuardedHttpToolsProtocol(config=config, server_state=state, app_state={}),
        "127.0.0.1",
        0,
    )
    return server, state


async def _blocking_app(scope, receive, send):
    """An app whose requests wait for ``release``: connections with a request in progress."""
    if scope["type"] == "lifespan":
        return
    await _blocking_app.release.wait()  # type: ignore[attr-defined]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"done"})


async def _over_the_cap(busy: bool) -> tuple[bytes, list[bool]]:
    """Two connections at a cap of two (both busy, or both idle); what a third one gets,
    and which of the first two the server closed."""
    _blocking_app.release = asyncio.Event()  # type: ignore[attr-defined]
    server, _ = await _guarded_server(_blocking_app)
    address = server.sockets[0].getsockname()
    first = [await asyncio.open_connection(*address) for _ in range(2)]
    if busy:
        for _, writer in first:
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(0.2)
    reader, writer = await asyncio.open_connection(*address)
    if not busy:
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _blocking_app.release.set()  # type: ignore[attr-defined]
    third = await asyncio.wait_for(reader.read(), 5)
    closed = [r.at_eof() or (await _eof_soon(r)) for r, _ in first]
    _blocking_app.release.set()  # type: ignore[attr-defined]
    for _, w in [*first, (reader, writer)]:
        w.close()
    server.close()
    return third, closed


async def _eof_soon(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), 0.5) == b""
    except TimeoutError:
        return False


@pytest.fixture
def cap_of_two(monkeypatch):
    server_module._Guard.load()
    monkeypatch.setattr(server_module._Guard, "max_connections", 2)


def test_at_the_cap_a_new_connection_closes_the_longest_idle(cap_of_two):
    third, closed = asyncio.run(_over_the_cap(busy=False))
    assert third.startswith(b"HTTP/1.1 200") and b"done" in third
    assert closed == [True, False]  # the older of the two idle ones made room


def test_at_the_cap_with_every_connection_busy_a_new_one_gets_503(cap_of_two):
    third, closed = asyncio.run(_over_the_cap(busy=True))
    head, _, body = third.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503") and b"retry-after: 1" in head.lower()
    assert json.loads(body)["type"] == "/problems/overloaded"
    assert closed == [False, False]  # requests in progress are never cut


async def _big_app(scope, receive, send):
    if scope["type"] == "lifespan":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"x" * 1_000_000})


async def _reader_that_never_reads() -> tuple[float, set]:
    server, state = await _guarded_server(_big_app)
    _reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 20)  # and never reads a byte
    started = time.monotonic()
    while state.connections and time.monotonic() - started < 10:
        await asyncio.sleep(0.05)
    cut_after = time.monotonic() - started
    left = set(state.connections)
    writer.close()
    server.close()
    return cut_after, left


def test_a_client_that_never_reads_its_answers_is_cut_off(monkeypatch):
    """Its request stayed in progress for good (uvicorn waits for the buffer to drain), so
    enough of them held every slot under the cap and everyone else got 503."""
    server_module._Guard.load()
    monkeypatch.setattr(server_module._Guard, "head_timeout", 0.5)
    cut_after, left = asyncio.run(_reader_that_never_reads())
    assert not left and cut_after < 5


def test_a_whole_head_over_the_limit_gets_a_problem_from_the_parser(small_server):
    """Many headers, arriving whole: the parser counts them as it gives them (llhttp has no
    limit of its own)."""
    port, _ = small_server
    headers = b"".join(b"X-Many-%d: %s\r\n" % (n, b"b" * 1000) for n in range(20))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        status, headers_back, body = _response(sock)
    assert status == 431 and headers_back["content-type"] == "application/problem+json"
    assert json.loads(body)["detail"] == "the request head is over 16384 bytes"


def test_a_body_in_the_same_packets_as_its_head_is_not_counted_as_head(small_server):
    """A POST sent in one write: its body arrives with the head, and is not a head over the
    limit; the next request on the connection is answered too."""
    port, _ = small_server
    event = json.dumps({"search_id": "x", "type": "open", "pad": "p" * 30_000}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s"
            % (len(event), event)
            + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        sock.settimeout(10)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    statuses = [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]
    assert len(statuses) == 2, data.decode()
    assert statuses[0] not in (400, 414, 431) and statuses[1] == 200


# -- pipelining: llhttp parses the next request while one is in progress -------------------


async def _slow_ok_app(scope, receive, send):
    """Answers after a moment, as a search does; 405 to a POST without reading its body."""
    if scope["type"] == "lifespan":
        return
    if scope["method"] == "POST":
        await send({"type": "http.response.start", "status": 405, "headers": []})
        await send({"type": "http.response.body", "body": b"no"})
        return
    await asyncio.sleep(0.05)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _exchange(*writes: bytes, pause: float = 0.2) -> tuple[list[int], bool]:
    """Each write sent in turn, ``pause`` apart, on one connection to the guarded protocol;
    the statuses answered, and whether the server closed the connection."""
    server, _ = await _guarded_server(_slow_ok_app)
    reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
    for data in writes:
        writer.write(data)
        await asyncio.sleep(pause)
    received = b""
    closed = False
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), 1.0):
            received += chunk
        closed = True
    except TimeoutError:
        pass
    writer.close()
    server.close()
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)], closed


_GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_refused_pipelined_request_is_answered_after_the_one_before_it(cap_of_two):
    big = b"GET / HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 17_000 + b"\r\n\r\n"
    assert asyncio.run(_exchange(_GET + big)) == ([200, 431], True)
    assert asyncio.run(_exchange(_GET + b"GARBAGE\x00\r\n\r\n")) == ([200, 400], True)


def test_a_pipelined_head_growing_while_a_request_runs_is_refused_at_the_limit(cap_of_two):
    """llhttp keeps a header's bytes until it ends: without a count they grew without end."""
    growing = [_GET + b"GET / HTTP/1.1\r\nX-Big: ", *[b"v" * 6000] * 3]
    assert asyncio.run(_exchange(*growing, pause=0.0)) == ([200, 431], True)


def test_a_body_arriving_after_its_early_answer_is_not_a_request_head(cap_of_two):
    """The rest of a body the app did not read (a 405) is not the next request's head."""
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n"
    statuses, closed = asyncio.run(_exchange(head, b"b" * 40_000, _GET))
    assert statuses == [405, 200] and not closed
