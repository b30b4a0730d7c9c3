"""The HTTP benchmark's plumbing, at toy size: counts add up, nothing is lost (no timing asserted)."""

from __future__ import annotations

import asyncio

import pytest

from vpnfsm import AsyncAssistant, AsyncRedisStore
from vpnfsm.benchmarks.http_bench import SEED_CONVERSATION, _count_and_clean, run_http_bench
from vpnfsm.benchmarks.redis_bench import temporary_redis

pytestmark = pytest.mark.e2e


def test_small_http_bench_loses_no_turn() -> None:
    figures = run_http_bench(None, clients=4, conversations=2, client_processes=2, rounds=2)
    expected = 2 * 4 * 2 * len(SEED_CONVERSATION)
    assert figures["expected_turns"] == expected
    for side in ("service", "bare_redis_endpoint"):
        assert figures[side]["errors"] == 0, figures[side]["error_kinds"]
        assert figures[side]["turns"] == expected
        assert figures[side]["turns_per_s"] > 0
        assert len(figures[side]["turns_per_s_rounds"]) == 2
    assert figures["lost_turns"] == 0
    assert figures["ratio"] > 0


def test_lost_turn_counter_sees_a_missing_turn_and_cleans_up() -> None:
    async def scenario(url: str) -> tuple[int, bool]:
        store = AsyncRedisStore.from_url(url)
        bot = AsyncAssistant(store)
        sid = (await bot.handle("VPN is not working", tenant="bench-t")).session_id
        await bot.handle("Windows", sid, tenant="bench-t")
        await store.aclose()
        # The client saw three answers, Redis holds two turns: one is lost.
        lost = await _count_and_clean(url, "bench-t", [(sid, 3)], "bare-prefix")
        check = AsyncRedisStore.from_url(url)
        gone = await check.load(sid, tenant="bench-t") is None
        await check.aclose()
        return lost, gone

    with temporary_redis() as url:
        lost, gone = asyncio.run(scenario(url))
    assert lost == 1
    assert gone
