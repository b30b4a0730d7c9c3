from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from vpnfsm.nlp.model import Extraction


class SeedReader:
    """Reads just the messages these tests send (until the rule extractor is on main)."""

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        low = text.lower()
        code = re.search(r"-?\d{3,5}", low)
        result = None
        if context == "VPN_CHECK_RESULT":
            result = (
                "worked"
                if re.search(r"\b(yes|fixed|works)\b", low)
                else ("failed" if re.search(r"\b(no|nope|still)\b", low) else None)
            )
        return Extraction(
            intent="vpn" if "vpn" in low else "general",
            os="windows" if "windows" in low else "macos" if "mac" in low else None,
            client="globalprotect" if "globalprotect" in low else None,
            symptom="cannot_connect" if "connect" in low else None,
            error_code=code.group(0) if code else None,
            human="human" in low,
            result=result,  # type: ignore[arg-type]
        )


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
