"""Every connection the service accepts has TCP_NODELAY, read back with getsockopt on the server side.

The listening socket is a plain ``socket.socket(family, SOCK_STREAM)`` with
protocol 0, on which asyncio's own ``_set_nodelay`` does nothing: what uvicorn's
multi-worker supervisor handed each worker before uvicorn 0.55 (which now binds
with ``IPPROTO_TCP``), and what a host's own supervisor or socket activation may
still hand. ``vpnfsm serve`` allows any uvicorn from 0.29 on, so the case stays
tested whichever uvicorn is installed.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from vpnfsm.server._uvicorn import UVICORN_OPTIONS

pytestmark = pytest.mark.e2e


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def _accepted_nodelay(**options: Any) -> list[int]:
    """Serve on a supervisor-style socket, make two keep-alive requests, read the option on the server side."""
    config = uvicorn.Config(_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off", **options)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    assert listener.proto == 0  # the case asyncio's own nodelay skips
    port = listener.getsockname()[1]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "uvicorn exited during start-up"
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.01)
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            for client in clients:
                client.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
                assert b" 200 " in client.recv(4096).split(b"\r\n", 1)[0] + b" "
            values = []
            for protocol in list(server.server_state.connections):
                sock = protocol.transport.get_extra_info("socket")  # type: ignore[attr-defined]
                values.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            assert len(values) == 2
            return values
        finally:
            for client in clients:
                client.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "uvicorn did not stop"
        listener.close()


def test_serve_options_set_nodelay_on_every_accepted_connection() -> None:
    assert all(value != 0 for value in _accepted_nodelay(**UVICORN_OPTIONS))


def test_our_protocol_sets_nodelay_on_the_plain_asyncio_loop_too() -> None:
    assert all(value != 0 for value in _accepted_nodelay(loop="asyncio", http=UVICORN_OPTIONS["http"]))


def test_stock_protocol_on_asyncio_leaves_nagle_on_which_is_the_bug_fixed_here() -> None:
    # Pins the cause: if asyncio ever sets the option on protocol-0 sockets itself, this fails and the
    # shim can go (uvicorn 0.55 binds with IPPROTO_TCP, older ones and other supervisors do not).
    assert all(value == 0 for value in _accepted_nodelay(loop="asyncio", http="httptools"))
