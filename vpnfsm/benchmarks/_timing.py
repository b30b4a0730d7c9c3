"""Latency sampling and summaries shared by every benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

__all__ = ["summarize", "time_calls"]


def summarize(samples_ns: Sequence[int]) -> dict[str, float]:
    """Median, p99 and mean of samples in nanoseconds, reported in microseconds."""
    if not samples_ns:
        raise ValueError("no samples")
    ordered = sorted(samples_ns)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "median_us": round(statistics.median(ordered) / 1000, 2),
        "p99_us": round(p99 / 1000, 2),
        "mean_us": round(statistics.fmean(ordered) / 1000, 2),
        "samples": len(ordered),
    }


def time_calls(call: Callable[[], object], *, count: int) -> list[int]:
    """Run ``call`` ``count`` times and return each duration in nanoseconds."""
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(count):
        start = clock()
        call()
        samples.append(clock() - start)
    return samples
