"""A local stand-in for Slack's Web API: a real HTTP server on 127.0.0.1.

It answers ``auth.test`` (bolt asks who the bot is) and records every
``chat.postMessage``; any other method is an error, so an adapter that
calls something unexpected fails the test. With ``socket_url`` set it also
answers ``apps.connections.open`` (app token only), as Slack does before a
Socket Mode client connects; :class:`FakeSocketMode` is that WebSocket.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = "U0VPNBOT"


@dataclass
class FakeSlack:
    """What the fake has seen; tests read it."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    socket_url: str = ""
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def thread(self, channel: str, thread_ts: str | None) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if p["channel"] == channel and p.get("thread_ts") == thread_ts]


def _handler(state: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
            kind = self.headers.get("Content-Type", "")
            params: dict[str, Any] = json.loads(raw) if "json" in kind else dict(parse_qsl(raw))
            method = self.path.removeprefix("/api/")
            with state.lock:
                state.calls.append(method)
            auth = self.headers.get("Authorization", "")
            if method == "apps.connections.open" and auth.startswith("Bearer xapp-") and state.socket_url:
                self._send({"ok": True, "url": state.socket_url})
            elif not auth.startswith("Bearer xoxb-"):
                self._send({"ok": False, "error": "not_authed"})
            elif method == "auth.test":
                self._send({"ok": True, "user_id": BOT_USER, "bot_id": "B0VPNBOT", "team_id": "T0TEAM", "user": "vpn"})
            elif method == "chat.postMessage":
                with state.lock:
                    state.posts.append(params)
                    ts = f"1800000000.{len(state.posts):06d}"
                self._send({"ok": True, "channel": params.get("channel"), "ts": ts})
            else:
                self._send({"ok": False, "error": "unknown_method"})

        def _send(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class FakeSlackServer:
    """Starts the fake on a free loopback port; ``url`` is the Web API base URL."""

    def __init__(self) -> None:
        self.state = FakeSlack()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __enter__(self) -> FakeSlackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's fixed handshake suffix


class FakeSocketMode:
    """A Socket Mode WebSocket on 127.0.0.1: says hello, sends envelopes, records the client's acks.

    Plain ``ws://`` on a port other than 443 (slack_sdk's client skips TLS there);
    it answers pings and reads masked client frames, which is all the client sends.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=fake"
        self.acks: list[str] = []
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        if self._conn is not None:
            self._conn.close()
        self._thread.join(timeout=5)

    def wait_connected(self, timeout: float = 10.0) -> None:
        if not self._connected.wait(timeout):
            raise AssertionError("the Socket Mode client never connected")

    def send(self, message: dict[str, Any]) -> None:
        assert self._conn is not None
        self._frame(0x1, json.dumps(message).encode("utf-8"))

    def _frame(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        assert self._conn is not None
        with self._lock:
            self._conn.sendall(head + payload)

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        self._conn = conn
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(1024)
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.decode("latin-1").split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode("ascii")).digest()).decode("ascii")
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode("ascii")
        )
        self.send({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0VPNFSM"}})
        self._connected.set()
        try:
            self._read(conn)
        except OSError:
            return

    def _read(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        while True:
            head = reader.read(2)
            if len(head) < 2:
                return
            opcode, size = head[0] & 0x0F, head[1] & 0x7F
            if size == 126:
                size = struct.unpack("!H", reader.read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", reader.read(8))[0]
            mask = reader.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(reader.read(size)))
            if opcode == 0x8:  # close
                return
            if opcode == 0x9:  # ping: the client checks the connection with these
                self._frame(0xA, payload)
            elif opcode == 0x1:
                with self._lock:
                    self.acks.append(json.loads(payload)["envelope_id"])
