from __future__ import annotations

import socket
import subprocess
import threading
import time
import types
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from vpnfsm.flows.spec import FlowSpec


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "uvicorn did not stop"


def serve_in_thread(app: FastAPI) -> LiveServer:
    """Run ``app`` under uvicorn on a free loopback port (socket bound first: no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn exited during start-up"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    return LiveServer(url=f"http://127.0.0.1:{port}", server=server, thread=thread)


def stand_in_diagram_module() -> types.ModuleType:
    """A test-only ``vpnfsm.diagram`` with ``to_svg(spec)`` (until the real one is on main)."""

    def to_svg(spec: FlowSpec) -> str:
        lines = ["digraph flow {", "  rankdir=TB;"]
        for state in spec.states:
            lines.append(f'  "{state.name}" [id="state-{state.name}", shape=box, style=rounded];')
        seen: set[tuple[str, str]] = set()
        for t in spec.transitions:
            sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
            for source in sources:
                dest = t.get("dest") or source
                if (source, dest) not in seen:
                    seen.add((source, dest))
                    lines.append(f'  "{source}" -> "{dest}";')
        lines.append("}")
        done = subprocess.run(["dot", "-Tsvg"], input="\n".join(lines), capture_output=True, text=True, check=True)
        return done.stdout

    module = types.ModuleType("vpnfsm.diagram")
    module.to_svg = to_svg  # type: ignore[attr-defined]
    return module
