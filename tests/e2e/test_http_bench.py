"""The HTTP benchmark's plumbing, at toy size: counts add up, nothing is lost (no timing asserted)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from vpnfsm import AsyncAssistant, AsyncRedisStore
from vpnfsm.benchmarks.http_bench import _count_and_clean, _scripts, cpu_seconds, run_http_bench, session_bytes
from vpnfsm.benchmarks.redis_bench import temporary_redis

pytestmark = pytest.mark.e2e


def test_small_http_bench_loses_no_turn_and_prints_every_figure() -> None:
    figures = run_http_bench(None, connections=4, conversations=1, worker_counts=(1,), rounds=2)
    # Each round plays four other employees' conversations, of varying length.
    expected = sum(len(script) for seed in (1, 2) for script in _scripts(4, seed=seed))
    assert figures["expected_requests_per_side"] == expected
    # Ids and timestamps vary in length by a few bytes from one conversation to the next.
    assert abs(figures["bare_value_bytes"] - session_bytes()) < 0.05 * session_bytes()
    (one,) = figures["by_workers"]
    for side in ("service", "bare_redis_endpoint"):
        assert one[side]["errors"] == 0, one[side]["error_kinds"]
        assert one[side]["requests"] == expected
        assert one[side]["requests_per_s"] > 0
        assert len(one[side]["requests_per_s_rounds"]) == 2
        assert one[side]["p99_ms"] >= one[side]["p50_ms"] > 0
        # Work was done and seen in /proc: a server cannot answer for free.
        assert one[side]["server_cpu_us_per_request"] > 0
        assert 0 < one[side]["generator_cpu_share_of_a_core"] < 1.5
    assert one["lost_turns"] == 0
    assert one["ratio_requests_per_s"] > 0


def test_rounds_bring_different_employees_and_both_sides_get_the_same() -> None:
    first, second = _scripts(6, seed=1), _scripts(6, seed=2)
    assert first == _scripts(6, seed=1)  # deterministic: both sides of a round play these
    assert len({script[0] for script in first}) == 6  # every conversation opens differently
    assert not {script[0] for script in first} & {script[0] for script in second}


def test_bare_endpoint_stores_a_session_sized_value() -> None:
    # The baseline writes what a real session weighs, not the message alone.
    assert 300 < session_bytes() < 20_000


def test_process_tree_cpu_counts_a_busy_child() -> None:
    # The service's CPU is its workers': they are children of uvicorn's supervisor.
    spin = "import time\nend = time.time() + 1.0\nwhile time.time() < end: pass"
    before = cpu_seconds(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.7)  # this process sleeps; only the child spends CPU
        during = cpu_seconds(os.getpid())
        alone = cpu_seconds(child.pid)
    finally:
        child.kill()
        child.wait()
    assert alone > 0.05
    assert during - before >= alone - 0.02


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
