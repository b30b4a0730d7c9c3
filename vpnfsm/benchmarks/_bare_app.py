"""The benchmark's baseline: a bare FastAPI endpoint doing one Redis GET and one SET.

It parses the same JSON body as ``POST /api/chat`` and answers JSON, so the
difference to the real service is what vpnfsm itself costs per turn.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from redis.asyncio import Redis

__all__ = ["BARE_PREFIX_ENV", "create_bare_app"]

#: Environment variable naming the key prefix (one per benchmark run, for clean-up).
BARE_PREFIX_ENV = "VPNFSM_BENCH_BARE_PREFIX"


class _Turn(BaseModel):
    message: str
    session_id: str | None = None


def create_bare_app() -> FastAPI:
    """The baseline app (a uvicorn ``--factory``); Redis from ``REDIS_URL``."""
    client = Redis.from_url(os.environ["REDIS_URL"])
    prefix = os.environ.get(BARE_PREFIX_ENV, "vpnfsm-bench-bare")

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
        await client.set(key, turn.message.encode(), ex=600)
        reply = previous.decode() if isinstance(previous, bytes) else previous
        return {"session_id": session_id, "reply": reply}

    return app
