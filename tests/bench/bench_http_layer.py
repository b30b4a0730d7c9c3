"""The HTTP layer alone: ``python tests/bench/bench_http_layer.py [--requests 4000] [--rounds 5]``.

Calls the service's ASGI app in-process with its turn replaced by a stub
that returns a ready reply (once with its chat lane, vpnfsm/server/_lane.py,
and once with the lane switched off, so every request crosses the full
middleware stack), and the HTTP benchmark's bare app with its Redis client
replaced by a dict, in alternating rounds in one process on uvloop. Prints
CPU microseconds per request (median round) for each: what the service's
routing, middleware, authentication, body reading and metrics cost next to a
plain FastAPI endpoint, without sockets, the turn or Redis. For a
figure free of the shared machine's noise run it under
``valgrind --tool=callgrind`` at two request counts and take the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

import uvloop

import vpnfsm.benchmarks._bare_app as bare_app
from vpnfsm.reply import Reply
from vpnfsm.server import Settings, create_app
from vpnfsm.store.memory import AsyncMemoryStore

KEY = "bench-layer-key-0123456789"
BODY = json.dumps({"message": "Windows", "session_id": "bench-session-1"}).encode()


class _DictRedis:
    """What the bare endpoint uses of ``redis.asyncio.Redis``, in memory."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}

    @classmethod
    def from_url(cls, url: str) -> _DictRedis:
        return cls()

    async def get(self, key: str) -> bytes | None:
        return self.values.get(key)

    async def set(self, key: str, value: bytes, ex: int | None = None) -> None:
        self.values[key] = value

    async def aclose(self) -> None:
        return None


async def _service(*, lane: bool) -> Any:
    app = create_app(Settings(api_keys={KEY: "bench"}), store=AsyncMemoryStore())
    if not lane:
        app.chat_lane = None  # read when the first request builds the middleware stack
    bot = app.state.bot
    reply: Reply = await bot.handle("VPN is not working", "bench-session-1", tenant="bench")

    async def stub(message: str, session_id: str | None = None, *, tenant: str, message_id: str | None = None) -> Reply:
        return reply

    bot.handle = stub
    return app


def _bare() -> Any:
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")  # never connected: the client is replaced
    bare_app.Redis = _DictRedis  # type: ignore[misc,assignment]
    return bare_app.create_bare_app()


async def _drive(app: Any, path: str, headers: list[tuple[bytes, bytes]], requests: int) -> float:
    """CPU microseconds per request over ``requests`` calls of ``app`` (every answer must be 200)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
            *headers,
        ],
    }
    message = {"type": "http.request", "body": BODY, "more_body": False}
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return message

    async def send(event: dict[str, Any]) -> None:
        if event["type"] == "http.response.start":
            statuses.add(event["status"])

    began = time.process_time()
    for _ in range(requests):
        await app({**scope, "state": {}}, receive, send)
    spent = time.process_time() - began
    if statuses != {200}:
        raise RuntimeError(f"answers were {sorted(statuses)}, not all 200")
    return spent / requests * 1e6


async def _main(requests: int, rounds: int) -> dict[str, Any]:
    sides = {
        "service_stub_turn": (await _service(lane=True), "/api/chat", [(b"x-api-key", KEY.encode())]),
        "service_stub_turn_without_lane": (await _service(lane=False), "/api/chat", [(b"x-api-key", KEY.encode())]),
        "bare_stub_redis": (_bare(), "/bare", []),
    }
    for app, path, headers in sides.values():
        await _drive(app, path, headers, 300)  # warm
    figures: dict[str, list[float]] = {name: [] for name in sides}
    for index in range(rounds):
        # Every other round in reverse, so drift in the shared machine's load falls on all sides alike.
        for name in sides if index % 2 == 0 else reversed(list(sides)):
            app, path, headers = sides[name]
            figures[name].append(await _drive(app, path, headers, requests))
    return {
        name: {"cpu_us_per_request": round(statistics.median(v), 1), "rounds": [round(x, 1) for x in v]}
        for name, v in figures.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per side and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(uvloop.run(_main(args.requests, args.rounds)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
