"""The benchmark's baseline: a bare FastAPI endpoint doing one Redis GET and one SET.

It parses the same JSON body as ``POST /api/chat``, reads the conversation's
key and writes as many bytes as a real stored session holds
(``VPNFSM_BENCH_BARE_BYTES``, measured by the benchmark), and answers JSON:
what a user would write without vpnfsm. The difference to the real service is
what vpnfsm itself costs per turn. ``python -m vpnfsm.benchmarks._bare_app
--port P --workers N`` serves it with the same uvicorn options as ``vpnfsm serve``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from redis.asyncio import Redis

__all__ = ["BARE_BYTES_ENV", "BARE_PREFIX_ENV", "create_bare_app"]

#: Environment variable naming the key prefix (one per benchmark run, for clean-up).
BARE_PREFIX_ENV = "VPNFSM_BENCH_BARE_PREFIX"
#: Environment variable with the number of bytes each SET stores (a real session's size).
BARE_BYTES_ENV = "VPNFSM_BENCH_BARE_BYTES"


class _Turn(BaseModel):
    message: str
    session_id: str | None = None


def create_bare_app() -> FastAPI:
    """The baseline app (a uvicorn ``--factory``); Redis from ``REDIS_URL``."""
    client = Redis.from_url(os.environ["REDIS_URL"])
    prefix = os.environ.get(BARE_PREFIX_ENV, "vpnfsm-bench-bare")
    size = int(os.environ.get(BARE_BYTES_ENV, "2048"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/bare")
    async def bare(turn: _Turn) -> dict[str, str | None]:
        session_id = turn.session_id or secrets.token_urlsafe(16)
        key = f"{prefix}:{session_id}"
        previous = await client.get(key)
        # A new value each turn, as large as a session: the message, then the
        # tail of what was stored (a history-like record), cut to the size.
        stored = previous if isinstance(previous, bytes) else b""
        value = (turn.message.encode() + stored + bytes(size))[:size]
        await client.set(key, value, ex=600)
        return {"session_id": session_id, "reply": f"{len(stored)} bytes before"}

    return app


def _main() -> None:
    import argparse

    from vpnfsm.server import _uvicorn

    parser = argparse.ArgumentParser(description="serve the HTTP benchmark's bare Redis endpoint")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same serving code as `vpnfsm serve` (uvloop, httptools, a socket per worker).
    _uvicorn.run(
        "vpnfsm.benchmarks._bare_app:create_bare_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


if __name__ == "__main__":
    _main()
