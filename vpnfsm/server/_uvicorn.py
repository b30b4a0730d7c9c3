"""How vpnfsm runs uvicorn: uvloop, httptools, and TCP_NODELAY on every accepted connection.

uvicorn's multi-worker supervisor (before uvicorn 0.55, which binds with
``IPPROTO_TCP``) binds the listening socket itself with
``socket.socket(family)``, i.e. protocol 0; asyncio's ``_set_nodelay`` only
sets ``TCP_NODELAY`` when the socket's ``proto`` is ``IPPROTO_TCP``, so every
connection a worker accepts kept Nagle's algorithm. A small JSON reply then
waits for the client's delayed ACK (about 40 ms on Linux), and two workers
served far fewer requests per second than one. The protocol below sets the
option on the accepted socket itself, whatever loop or worker mode accepted
it, so one and several workers behave alike.

Several workers also each listen on a socket of their own (``SO_REUSEPORT``),
see :func:`run`. On the one socket uvicorn's supervisor shares, whichever
worker was awake when a burst of connections arrived accepted it, and on a
busy machine one worker held most keep-alive clients while the other idled:
over ten rounds of the HTTP benchmark's load on two workers, the busier one
did 73 % of the work on average (up to 89 %); with a socket each, where the
kernel assigns connections by their addresses, 56 % (at most 61 %).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

__all__ = ["NoDelayHttpToolsProtocol", "UVICORN_OPTIONS", "ReusePortListener", "run", "set_nodelay"]

logger = logging.getLogger("uvicorn.error")

# uvicorn's default listen backlog, which its own listen() would set again.
_BACKLOG = 2048


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


class ReusePortListener(socket.socket):
    """The supervisor's bound ``SO_REUSEPORT`` socket; each worker it is sent to gets a new one of its own.

    uvicorn hands the supervisor's sockets to every worker it starts (and
    restarts) by pickling them. This one arrives as a fresh socket listening on
    the same address with ``SO_REUSEPORT``, so every worker accepts on its own
    socket and the kernel spreads new connections over them. The supervisor's
    socket is only bound, never listening: it holds the port (a port in use
    fails before any worker starts) and accepts nothing.

    The worker's socket is built by the standard library alone
    (``socket.create_server``): unpickling runs before the worker answers the
    supervisor's health checks, and importing vpnfsm there took longer than
    they wait. Its socket listens from then on, so a connection the kernel
    gives a worker that is still importing the app waits for it (it is not
    refused); a worker that dies drops the connections it had not accepted.
    """

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Rebuild as the worker's own listener on this address (``socket.socket`` itself cannot be pickled)."""
        dualstack = self.family == socket.AF_INET6 and socket.has_dualstack_ipv6()
        build = functools.partial(
            socket.create_server, family=self.family, backlog=_BACKLOG, reuse_port=True, dualstack_ipv6=dualstack
        )
        return build, (self.getsockname(),)


def run(app: Any, *, host: str, port: int, workers: int = 1, **options: Any) -> None:
    """``uvicorn.run(app, ...)`` with :data:`UVICORN_OPTIONS`; several workers listen with ``SO_REUSEPORT``.

    Where the platform has no ``SO_REUSEPORT`` the workers share the
    supervisor's socket, as plain uvicorn does.
    """
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, host=host, port=port, workers=workers, **UVICORN_OPTIONS, **options)
        return
    if not isinstance(app, str):
        raise TypeError("several workers import the app: pass it as an import string")
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **UVICORN_OPTIONS, **options)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = ReusePortListener(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((host, port))
    except OSError as exc:
        logger.error(exc)
        listener.close()
        sys.exit(STARTUP_FAILURE)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    logger.info(
        "Uvicorn running on http://%s:%d with %d workers, one SO_REUSEPORT socket each (Press CTRL+C to quit)",
        shown,
        listener.getsockname()[1],
        workers,
    )
    try:
        Multiprocess(config, sockets=[listener]).run()
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
