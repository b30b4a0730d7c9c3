"""The in-memory store keeps the semantics every store must have."""

from __future__ import annotations

from tests.conftest import FakeClock
from vpnfsm.session import HistoryEntry, OutboxItem, Session
from vpnfsm.store.memory import MemoryStore


def _session(version: int = 1, sid: str = "s1") -> Session:
    session = Session.start(sid, tenant="t", now=1.0)
    session.incarnation = "one-incarnation"  # the same conversation at each version
    session.version = version
    return session


def _entry(text: str) -> HistoryEntry:
    return HistoryEntry(at=1.0, role="user", text=text)


def test_compare_and_set_refuses_stale_versions() -> None:
    store = MemoryStore()
    assert store.save(_session(1), expected_version=0, history=[_entry("a")])
    assert not store.save(_session(1), expected_version=0, history=[_entry("lost")])
    assert not store.save(_session(3), expected_version=2)
    assert store.save(_session(2), expected_version=1, history=[_entry("b")])
    loaded = store.load("s1", tenant="t")
    assert loaded is not None
    assert loaded.version == 2
    assert [e.text for e in store.history("s1", tenant="t")] == ["a", "b"]


def test_ttl_expires_and_is_reset_by_each_save(clock: FakeClock) -> None:
    store = MemoryStore(ttl_seconds=10, clock=clock)
    store.save(_session(1), expected_version=0)
    clock.advance(9)
    store.save(_session(2), expected_version=1)
    clock.advance(9)
    assert store.load("s1", tenant="t") is not None
    clock.advance(2)
    assert store.load("s1", tenant="t") is None
    assert store.history("s1", tenant="t") == []
    # an expired session counts as absent for the next compare-and-set
    assert store.save(_session(1), expected_version=0)


def test_history_is_capped_oldest_first() -> None:
    store = MemoryStore(history_cap=3)
    for version in range(1, 6):
        store.save(_session(version), expected_version=version - 1, history=[_entry(str(version))])
    assert [e.text for e in store.history("s1", tenant="t")] == ["3", "4", "5"]


def test_loaded_sessions_are_copies() -> None:
    store = MemoryStore()
    store.save(_session(1), expected_version=0)
    loaded = store.load("s1", tenant="t")
    assert loaded is not None
    loaded.slots["os"] = "linux"
    again = store.load("s1", tenant="t")
    assert again is not None
    assert again.slots["os"] is None


def test_outbox_leases_come_back_and_done_items_never_do(clock: FakeClock) -> None:
    store = MemoryStore(clock=clock)
    item = OutboxItem(id="t:s1:VPN-1", session_id="s1", tenant="t", created_at=1.0, payload="{}")
    store.save(_session(1), expected_version=0, outbox=[item])
    first = store.outbox_claim("w1", limit=10, lease_seconds=5)
    assert [lease.id for lease in first] == [item.id]
    assert first[0].payload == item.payload
    assert store.outbox_claim("w2", limit=10, lease_seconds=5) == []
    clock.advance(6)  # w1 died: the lease ran out
    second = store.outbox_claim("w2", limit=10, lease_seconds=5)
    assert [lease.id for lease in second] == [item.id]
    assert second[0].token > first[0].token
    assert store.outbox_done(item.id, token=second[0].token)
    clock.advance(60)
    assert store.outbox_claim("w3", limit=10, lease_seconds=5) == []


def test_worker_that_lost_its_lease_can_neither_renew_nor_mark_done(clock: FakeClock) -> None:
    """Regression: a worker whose lease ran out still recorded the item (no fencing)."""
    store = MemoryStore(clock=clock)
    item = OutboxItem(id="t:s1:VPN-1", session_id="s1", tenant="t", created_at=1.0, payload="{}")
    store.save(_session(1), expected_version=0, outbox=[item])
    (old,) = store.outbox_claim("w1", limit=10, lease_seconds=5)
    assert store.outbox_renew(item.id, token=old.token, lease_seconds=5)  # renewed while working
    clock.advance(4)
    assert store.outbox_claim("w2", limit=10, lease_seconds=5) == []  # the renewal kept it
    clock.advance(2)
    assert store.outbox_renew(item.id, token=old.token, lease_seconds=5)  # expired, but nobody took it
    clock.advance(6)
    (new,) = store.outbox_claim("w2", limit=10, lease_seconds=5)
    assert not store.outbox_renew(item.id, token=old.token, lease_seconds=5)
    assert not store.outbox_done(item.id, token=old.token)
    assert store.outbox_renew(item.id, token=new.token, lease_seconds=5)
    assert store.outbox_done(item.id, token=new.token)
    assert not store.outbox_done(item.id, token=new.token)  # done once
    assert not store.outbox_renew(item.id, token=new.token, lease_seconds=5)


def test_refused_save_enqueues_nothing() -> None:
    store = MemoryStore()
    store.save(_session(1), expected_version=0)
    item = OutboxItem(id="x", session_id="s1", tenant="t", created_at=1.0, payload="{}")
    assert not store.save(_session(1), expected_version=0, outbox=[item])
    assert store.outbox_claim("w", limit=10, lease_seconds=5) == []


def test_delete_removes_session_and_history() -> None:
    store = MemoryStore()
    store.save(_session(1), expected_version=0, history=[_entry("a")])
    assert store.delete("s1", tenant="t")
    assert not store.delete("s1", tenant="t")
    assert store.load("s1", tenant="t") is None
