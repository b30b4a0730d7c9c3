"""The Redis benchmark runs end to end and reports every figure (speed is not asserted here)."""

from __future__ import annotations

import redis

from vpnfsm.benchmarks.redis_bench import run_redis_bench


def test_bench_reports_every_figure_and_cleans_up(redis_url: str) -> None:
    figures = run_redis_bench(redis_url, turns=100)
    for name in (
        "ping_median_us",
        "ping_between_turns_median_us",
        "bare_get_set_median_us",
        "bare_get_set_between_turns_median_us",
        "turn_median_us",
        "store_median_us",
        "turn_uncached_median_us",
        "store_uncached_median_us",
        "turn_alternating_median_us",
        "turn_in_memory_median_us",
        "turn_history_10_median_us",
        "turn_history_1000_median_us",
    ):
        assert figures[name] > 0, name
    assert figures["turns"] == 100
    # A turn includes its store part, and the ratios are the figures' own.
    assert figures["turn_median_us"] > figures["store_median_us"]
    assert figures["turn_over_ping"] == round(figures["turn_median_us"] / figures["ping_median_us"], 2)
    assert figures["session_memory_bytes"] > 0
    assert figures["session_json_bytes"] < figures["session_memory_bytes"]
    client = redis.Redis.from_url(redis_url)
    try:
        assert not list(client.scan_iter(match="vpnfsm-bench-*"))
    finally:
        client.close()
