"""The supervisor's listener reaches each worker as a socket of its own on the same port (SO_REUSEPORT)."""

from __future__ import annotations

import errno
import io
import os
import pickle
import socket
from multiprocessing.reduction import ForkingPickler

import pytest

from vpnfsm.server._uvicorn import ReusePortListener

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="no SO_REUSEPORT on this platform")


def _sent_to_a_worker(listener: socket.socket) -> socket.socket:
    # What uvicorn's spawn does with the supervisor's sockets: multiprocessing's pickler, then load.
    buffer = io.BytesIO()
    ForkingPickler(buffer).dump(listener)
    received: socket.socket = pickle.loads(buffer.getvalue())
    return received


def test_each_worker_gets_its_own_socket_bound_to_the_supervisors_address() -> None:
    with ReusePortListener(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        first, second = _sent_to_a_worker(listener), _sent_to_a_worker(listener)
        with first, second:
            assert first.fileno() != second.fileno() != listener.fileno()
            for worker in (first, second):
                assert worker.getsockname() == listener.getsockname()
                assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
                worker.listen()  # both listen at once (already, and again): one port, a socket per worker
            with socket.create_connection(listener.getsockname(), timeout=5):
                pass


def test_a_port_in_use_without_reuseport_stays_refused() -> None:
    # SO_REUSEPORT shares a port only among sockets that all ask for it.
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with ReusePortListener(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            with pytest.raises(OSError, match=os.strerror(errno.EADDRINUSE)):
                listener.bind(other.getsockname())
