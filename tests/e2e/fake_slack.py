"""A local stand-in for Slack's Web API: a real HTTP server on 127.0.0.1.

It answers ``auth.test`` (bolt asks who the bot is) and records every
``chat.postMessage``; any other method is an error, so an adapter that
calls something unexpected fails the test.
"""

from __future__ import annotations

import json
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
            if not self.headers.get("Authorization", "").startswith("Bearer xoxb-"):
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
