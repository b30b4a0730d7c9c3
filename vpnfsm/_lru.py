"""A bounded, thread-safe least-recently-used memo with hit counts, for the turn's pure functions.

The extraction memo and the redaction memo remember answers of deterministic
functions for the short answers employees type alike; both need the same
bookkeeping (a lock, because a web server's threads share one assistant and
``OrderedDict`` moves are not atomic; a size bound; counts for the hit rate),
which lives here once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["BoundedLRU"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedLRU(Generic[K, V]):
    """At most ``size`` remembered values, least recently used dropped first.

    ``hits`` and ``misses`` count :meth:`lookup` calls (a benchmark may reset them).

    Raises:
        ValueError: ``size`` is not positive.

    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._memo: OrderedDict[K, V] = OrderedDict()

    def lookup(self, key: K) -> V | None:
        """The value remembered for ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            found = self._memo.get(key)
            if found is None:
                self.misses += 1
                return None
            self._memo.move_to_end(key)
            self.hits += 1
            return found

    def remember(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used entry past the bound."""
        with self._lock:
            self._memo[key] = value
            if len(self._memo) > self.size:
                self._memo.popitem(last=False)

    @property
    def hit_rate(self) -> float:
        """Hits over lookups (0.0 before any)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0

    def __len__(self) -> int:
        """How many values are remembered."""
        return len(self._memo)
