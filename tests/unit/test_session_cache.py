"""The Redis stores' per-process session copy: what it serves, and when it stops trusting itself."""

from __future__ import annotations

import pytest

from vpnfsm.store._session_cache import SessionCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_own_writes_and_first_reads_are_served(clock: Clock) -> None:
    cache = SessionCache(8, max_age=60, clock=clock)
    assert cache.get("a") is None
    cache.saved("a", b"v1")
    assert cache.get("a") == b"v1"
    cache.read("b", b"w1")
    assert cache.get("b") == b"w1"


def test_a_conflict_value_is_served_once_then_reads_are_needed(clock: Clock) -> None:
    cache = SessionCache(8, max_age=60, clock=clock)
    cache.saved("a", b"v1")
    cache.stale("a", b"v2-from-another-worker")
    assert cache.get("a") == b"v2-from-another-worker"  # the immediate retry
    assert cache.get("a") is None
    cache.saved("a", b"v3")
    assert cache.get("a") is None  # still a shared session
    cache.read("a", b"v4-from-another-worker")
    assert cache.get("a") is None
    cache.saved("a", b"v5")
    cache.read("a", b"v5")  # nobody wrote after this process: trusted again
    assert cache.get("a") == b"v5"


def test_entries_expire_with_the_ttl(clock: Clock) -> None:
    cache = SessionCache(8, max_age=60, clock=clock)
    cache.saved("a", b"v1")
    clock.now += 59.9
    assert cache.get("a") == b"v1"
    clock.now += 0.1
    assert cache.get("a") is None
    assert len(cache) == 0


def test_capacity_drops_the_least_recently_used(clock: Clock) -> None:
    cache = SessionCache(2, max_age=60, clock=clock)
    cache.saved("a", b"1")
    cache.saved("b", b"2")
    assert cache.get("a") == b"1"  # "b" is now the least recently used
    cache.saved("c", b"3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")
    cache.forget("a")
    assert cache.get("a") is None
    assert len(cache) == 1


def test_capacity_zero_turns_it_off(clock: Clock) -> None:
    cache = SessionCache(0, max_age=60, clock=clock)
    cache.saved("a", b"1")
    cache.read("a", b"1")
    assert cache.get("a") is None
    assert len(cache) == 0
    with pytest.raises(ValueError, match="session_cache"):
        SessionCache(-1, max_age=60)
