"""`csguide serve`'s HTTP protocol: TCP_NODELAY on connections to a socket bound as uvicorn
binds it for several workers."""

import asyncio
import socket

import pytest
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from api.server import NoDelayH11Protocol


async def _nodelay_of_accepted(protocol_class: type[H11Protocol]) -> int:
    config = uvicorn.Config(app="api.main:create_app", factory=True, http=protocol_class)
    config.load()
    state = ServerState()
    made: list[H11Protocol] = []

    def protocol() -> H11Protocol:
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
    ("protocol_class", "expected"), [(H11Protocol, 0), (NoDelayH11Protocol, 1)]
)
def test_nodelay_on_a_socket_bound_for_workers(protocol_class, expected):
    """uvicorn's own protocol leaves Nagle on there (44 ms a request measured); csguide's not."""
    assert bool(asyncio.run(_nodelay_of_accepted(protocol_class))) == bool(expected)
