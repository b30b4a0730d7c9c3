"""How vpnfsm runs uvicorn: uvloop, httptools, and TCP_NODELAY on every accepted connection.

uvicorn's multi-worker supervisor binds the listening socket itself with
``socket.socket(family)``, i.e. protocol 0; asyncio's ``_set_nodelay`` only
sets ``TCP_NODELAY`` when the socket's ``proto`` is ``IPPROTO_TCP``, so every
connection a worker accepts kept Nagle's algorithm. A small JSON reply then
waits for the client's delayed ACK (about 40 ms on Linux), and two workers
served far fewer requests per second than one. The protocol below sets the
option on the accepted socket itself, whatever loop or worker mode accepted
it, so one and several workers behave alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["NoDelayHttpToolsProtocol", "UVICORN_OPTIONS", "set_nodelay"]


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on ``transport``'s TCP socket (a no-op for other sockets)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    # The peer may already be gone; connection_lost follows and nothing is lost.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with ``TCP_NODELAY`` set on each connection it is given."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set ``TCP_NODELAY`` first, then let uvicorn set the connection up."""
        set_nodelay(transport)
        super().connection_made(transport)


#: Options ``vpnfsm serve`` (and the HTTP benchmark's servers) pass to ``uvicorn.run``.
#: The protocol is named by import path so worker processes can import it.
UVICORN_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": f"{__name__}:NoDelayHttpToolsProtocol",
}
