"""The memory stores and the Redis stores behave alike: one scenario, four stores, equal results."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration._support import StubExtractor
from vpnfsm import AsyncAssistant, AsyncMemoryStore, AsyncRedisStore, MemoryStore, RedisStore
from vpnfsm.assistant import Assistant

pytestmark = pytest.mark.integration


def _scenario(handle: Callable[..., Any], call: Callable[..., Any]) -> list[Any]:
    """Everything observable about a store through the facade, free of random ids and clocks."""
    seen: list[Any] = []
    first = handle("my vpn is broken", None)
    sid = first.session_id
    seen.append(("new", first.new_session, first.notice, first.state))
    for text in ("windows", "no idea", "agent please", "hello?"):
        reply = handle(text, sid)
        seen.append((text, reply.state, reply.slots, reply.outcome, reply.notice))
    session = call("load", sid, tenant="default")
    seen.append(("version", session.version, session.turns, session.state))
    stale = session.model_copy(update={"version": session.version + 1})
    seen.append(("stale save", call("save", stale, expected_version=session.version - 1)))
    history = call("history", sid, tenant="default")
    seen.append(("history", [(e.role, e.text if e.role == "user" else "", e.state) for e in history]))
    items = call("outbox_claim", "w1", limit=10, lease_seconds=60)
    seen.append(("claimed", [(i.session_id == sid, i.tenant) for i in items]))
    seen.append(("claimed again", call("outbox_claim", "w2", limit=10, lease_seconds=60)))
    seen.append(("renew", call("outbox_renew", items[0].id, token=items[0].token, lease_seconds=60)))
    seen.append(("stale token", call("outbox_done", items[0].id, token=items[0].token - 1)))
    seen.append(("done", call("outbox_done", items[0].id, token=items[0].token)))
    seen.append(("done again", call("outbox_done", items[0].id, token=items[0].token)))
    seen.append(("renew after done", call("outbox_renew", items[0].id, token=items[0].token, lease_seconds=60)))
    seen.append(("unknown", call("load", "nobody", tenant="default")))
    fresh = handle("hello", "nobody")
    seen.append(("fresh", fresh.new_session, fresh.notice))
    seen.append(("delete", call("delete", sid, tenant="default"), call("delete", sid, tenant="default")))
    seen.append(("after delete", call("load", sid, tenant="default"), call("history", sid, tenant="default")))
    return seen


def _sync_run(store: Any) -> list[Any]:
    bot = Assistant(store=store, extractor=StubExtractor())
    return _scenario(lambda text, sid: bot.handle(text, sid), lambda name, *a, **k: getattr(store, name)(*a, **k))


def _async_run(make_store: Callable[[], Any]) -> list[Any]:
    loop = asyncio.new_event_loop()
    try:
        store = make_store()
        bot = AsyncAssistant(store=store, extractor=StubExtractor())
        seen = _scenario(
            lambda text, sid: loop.run_until_complete(bot.handle(text, sid)),
            lambda name, *a, **k: loop.run_until_complete(getattr(store, name)(*a, **k)),
        )
        if isinstance(store, AsyncRedisStore):
            loop.run_until_complete(store.aclose())
        return seen
    finally:
        loop.close()


def test_memory_and_redis_stores_agree(redis_url: str, prefix: str) -> None:
    redis_store = RedisStore.from_url(redis_url, prefix=prefix + "s")
    try:
        results = {
            "memory": _sync_run(MemoryStore()),
            "redis": _sync_run(redis_store),
            "async-memory": _async_run(AsyncMemoryStore),
            "async-redis": _async_run(lambda: AsyncRedisStore.from_url(redis_url, prefix=prefix + "a")),
        }
    finally:
        redis_store.close()
    reference = results["memory"]
    assert reference[1][1] == "VPN_ASK_CLIENT"  # the scenario really ran a flow
    assert ("stale save", False) in reference
    for name, seen in results.items():
        assert seen == reference, name
