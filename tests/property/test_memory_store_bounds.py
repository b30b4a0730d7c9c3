"""Hypothesis: the memory store's eviction matches a plain model (TTL, least recently saved, tombstones).

Any interleaving of saves, loads, deletes and clock moves: the store holds at
most ``max_sessions``, a session loads exactly while the model says it lives,
an id never saved is never reported as ended, and a deleted one is at once.
"""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.conftest import FakeClock
from vpnfsm.session import Session
from vpnfsm.store.memory import MemoryStore

TTL, MAX_SESSIONS, MAX_TOMBSTONES = 10.0, 4, 6
IDS = st.sampled_from(["slack.1712345678.1", "19:a@thread.v2", "!r:s", "plain-1", "plain-2", "x y", "z"])


class MemoryStoreModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.store = MemoryStore(
            ttl_seconds=TTL, max_sessions=MAX_SESSIONS, max_tombstones=MAX_TOMBSTONES, clock=self.clock
        )
        self.live: OrderedDict[str, float] = OrderedDict()  # id -> last save time, least recent first
        self.saved_ever: set[str] = set()

    def _expire(self) -> None:
        for sid, at in list(self.live.items()):
            if at + TTL <= self.clock():
                del self.live[sid]

    @rule(sid=IDS)
    def save(self, sid: str) -> None:
        self._expire()
        current = self.store.load(sid, tenant="default")
        session = current if current is not None else Session.start(sid, tenant="default", now=self.clock())
        expected = session.version
        session.version += 1
        assert self.store.save(session, expected_version=expected)
        self.live[sid] = self.clock()
        self.live.move_to_end(sid)
        while len(self.live) > MAX_SESSIONS:
            self.live.popitem(last=False)
        self.saved_ever.add(sid)

    @rule(sid=IDS)
    def delete(self, sid: str) -> None:
        self._expire()
        assert self.store.delete(sid, tenant="default") == (sid in self.live)
        if sid in self.live:
            del self.live[sid]
            assert self.store.ended(sid, tenant="default")

    @rule(seconds=st.sampled_from([0.5, 3.0, 9.9, 10.0, 25.0]))
    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule(sid=IDS)
    def load(self, sid: str) -> None:
        self._expire()
        assert (self.store.load(sid, tenant="default") is not None) == (sid in self.live)

    @rule(sid=IDS)
    def ended(self, sid: str) -> None:
        if sid not in self.saved_ever:
            assert not self.store.ended(sid, tenant="default")

    @invariant()
    def bounded(self) -> None:
        assert len(self.store) <= MAX_SESSIONS
        assert self.store.tombstones() <= MAX_TOMBSTONES


MemoryStoreModel.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_memory_store_matches_the_model = MemoryStoreModel.TestCase
