"""Print the memory store's eviction figures as JSON: ``python tests/bench/bench_memory_store.py [--sessions N]``.

N sessions are saved through ``Assistant.handle`` with a 1 s TTL on an
injected clock; then the clock passes the TTL and ordinary traffic (100
new conversations) runs. Printed: sessions and tombstones held at the peak
and after, and the bytes Python allocated for them (``tracemalloc``), so the
claim "the store holds at most 10 % of its peak" is a figure, not a hope.
``tests/unit/test_store_regressions.py`` asserts the count.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vpnfsm import Assistant
from vpnfsm.store.memory import MemoryStore


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def run(sessions: int) -> dict[str, float | int]:
    """Fill, pass the TTL, serve a little traffic; the figures of each phase."""
    clock = _Clock()
    store = MemoryStore(ttl_seconds=1.0, clock=clock, max_sessions=sessions * 2)
    bot = Assistant(store=store, clock=clock)
    tracemalloc.start()
    started = time.perf_counter()
    for n in range(sessions):
        bot.handle("vpn wont connect from home", session_id=f"thread-{n}")
        clock.now += 0.5 / sessions  # the whole fill takes half the TTL
    fill_seconds = time.perf_counter() - started
    peak_sessions, peak_bytes = len(store), tracemalloc.get_traced_memory()[0]
    clock.now += 1.5
    started = time.perf_counter()
    for n in range(100):
        bot.handle("hi, vpn question", session_id=f"later-{n}")
    sweep_seconds = time.perf_counter() - started
    after_sessions, after_bytes = len(store), tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {
        "sessions_saved": sessions,
        "peak_sessions": peak_sessions,
        "peak_traced_bytes": peak_bytes,
        "after_ttl_sessions": after_sessions,
        "after_ttl_tombstones": store.tombstones(),
        "after_ttl_traced_bytes": after_bytes,
        "held_fraction_of_peak": round(after_sessions / peak_sessions, 4),
        "fill_seconds": round(fill_seconds, 2),
        "first_100_turns_after_ttl_seconds": round(sweep_seconds, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=30_000)
    args = parser.parse_args()
    print(json.dumps(run(args.sessions), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
