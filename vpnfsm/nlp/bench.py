"""Timing of extraction, for ``vpnfsm bench`` and the benchmark scripts (never unit tests)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from vpnfsm.nlp.extractor import RuleExtractor

__all__ = ["time_extraction"]


def time_extraction(
    texts: Sequence[str | tuple[str, str | None]],
    repeat: int = 5,
    *,
    extractor: RuleExtractor | None = None,
) -> dict[str, float]:
    """Time one ``extract`` call per message, ``repeat`` passes over ``texts``.

    Args:
        texts: messages, or (message, context state) pairs.
        repeat: how many passes; the first pass also warms caches, as a server would be warm.
        extractor: the extractor to time (a fresh :class:`RuleExtractor` by default).

    Returns:
        ``{"median_us", "p99_us", "mean_us", "max_us", "calls"}`` in microseconds per message.

    Raises:
        ValueError: ``texts`` is empty or ``repeat`` < 1.

    """
    if not texts or repeat < 1:
        raise ValueError("need at least one text and repeat >= 1")
    ex = extractor or RuleExtractor()
    pairs = [(t, None) if isinstance(t, str) else t for t in texts]
    for text, context in pairs:  # warm-up pass: caches and lazy regex internals
        ex.extract(text, context=context)
    samples: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for text, context in pairs:
            start = clock()
            ex.extract(text, context=context)
            samples.append((clock() - start) / 1000.0)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return {
        "median_us": statistics.median(samples),
        "p99_us": p99,
        "mean_us": statistics.fmean(samples),
        "max_us": samples[-1],
        "calls": float(len(samples)),
    }
