"""Helpers the Redis integration tests import (kept out of conftest.py so that
test modules import them by a package path that does not depend on which
``conftest`` pytest happened to load first)."""

from __future__ import annotations

import asyncio
from typing import Any

import redis

from vpnfsm import AsyncAssistant, AsyncRedisStore, Extraction, RedisStore
from vpnfsm.assistant import Assistant
from vpnfsm.reply import Reply

__all__ = ["Driver", "StubExtractor"]

_OS_WORDS = {"windows": "windows", "mac": "macos", "linux": "linux"}


class StubExtractor:
    """A tiny deterministic extractor, so these tests do not depend on the NLP rules.

    "vpn" starts the VPN flow, "agent" asks for a person, an OS word answers
    the OS question; anything else inside a flow is an unclear answer and
    anything else outside one is small talk.
    """

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        lowered = text.lower()
        if "agent" in lowered:
            return Extraction(intent="vpn", human=True)
        os_name = next((v for k, v in _OS_WORDS.items() if k in lowered), None)
        if "vpn" in lowered or (context is not None and os_name is not None):
            return Extraction(intent="vpn", os=os_name)
        return Extraction(intent="vpn" if context is not None else "general")


class Driver:
    """Drives a sync or asyncio store + facade with one synchronous API.

    ``call("history", sid, tenant=...)`` runs the store method of that name
    (awaited on a private event loop for the asyncio store), so each test is
    written once and runs against both twins.
    """

    def __init__(self, kind: str, url: str, **options: Any) -> None:
        self.kind = kind
        self.options = options
        self.loop: asyncio.AbstractEventLoop | None = None
        # A plain sync client on the same server, for planting and inspecting keys.
        self.raw = redis.Redis.from_url(url.split("?")[0])
        if kind == "async":
            self.loop = asyncio.new_event_loop()
            self.store: Any = AsyncRedisStore.from_url(url, **options)
            self.bot: Any = AsyncAssistant(store=self.store, extractor=StubExtractor())
        else:
            self.store = RedisStore.from_url(url, **options)
            self.bot = Assistant(store=self.store, extractor=StubExtractor())

    def _run(self, value: Any) -> Any:
        if self.loop is not None:
            return self.loop.run_until_complete(value)
        return value

    def handle(self, message: str, session_id: str | None = None, *, tenant: str = "default") -> Reply:
        """One turn through the facade."""
        reply: Reply = self._run(self.bot.handle(message, session_id, tenant=tenant))
        return reply

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A store method by name."""
        return self._run(getattr(self.store, name)(*args, **kwargs))

    def close(self) -> None:
        """Release connections and the loop."""
        self.raw.close()
        if self.loop is not None:
            self.loop.run_until_complete(self.store.aclose())
            self.loop.close()
        else:
            self.store.close()
