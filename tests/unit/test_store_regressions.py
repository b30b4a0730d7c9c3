"""Regression tests for issue 11 (store items) on the in-memory store, one per defect.

Each test is named after what broke; each failed on main before the fix.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import FakeClock
from vpnfsm import Assistant
from vpnfsm.flows.vpn import VPN_FLOW
from vpnfsm.session import HistoryEntry, Session
from vpnfsm.store.memory import MemoryStore


def _stored(store: MemoryStore, sid: str, tenant: str = "default") -> dict[str, object]:
    session = store.load(sid, tenant=tenant)
    assert session is not None
    return json.loads(session.dump_json())


def _plant(store: MemoryStore, sid: str, **changes: object) -> bytes:
    """Store a real session of the VPN flow under ``sid`` with ``changes`` applied to its JSON."""
    bot = Assistant(store=store)
    bot.handle("vpn keeps failing on my laptop", session_id=sid)
    data = _stored(store, sid)
    data.update(changes)
    raw = json.dumps(data).encode()
    store.put_raw(sid, raw, tenant="default")
    return raw


# -- identity: a stale copy must never write over a newer incarnation ------------------------


def test_save_of_a_copy_from_before_a_delete_does_not_resurrect_it() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    bot.handle("vpn down again, windows 11", session_id="thread-1")
    stale = store.load("thread-1", tenant="default")
    assert stale is not None
    store.delete("thread-1", tenant="default")
    bot.handle("hi", session_id="thread-1")  # a new conversation under the same id, version 1 again
    stale.version += 1
    assert store.save(stale, expected_version=1) is False
    assert _stored(store, "thread-1").get("flow") is None  # the new conversation, not the old one


def test_save_of_a_copy_from_before_a_quarantine_does_not_resurrect_it() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    bot.handle("vpn wont connect", session_id="thread-2")
    stale = store.load("thread-2", tenant="default")
    assert stale is not None
    store.put_raw("thread-2", b"{garbage", tenant="default")
    assert bot.handle("hello?", session_id="thread-2").notice == "corrupt_session"
    stale.version += 1
    assert store.save(stale, expected_version=1) is False


def test_save_over_a_hand_edited_value_of_the_same_version_is_refused() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    bot.handle("vpn broken", session_id="thread-3")
    copy = store.load("thread-3", tenant="default")
    assert copy is not None
    edited = _stored(store, "thread-3")
    edited["slots"] = {"os": "linux", "client": None, "symptom": None, "error_code": None}
    store.put_raw("thread-3", json.dumps(edited).encode(), tenant="default")  # an operator's fix
    copy.version += 1
    assert store.save(copy, expected_version=1) is False
    reply = bot.handle("anyconnect", session_id="thread-3")
    assert reply.slots["os"] == "linux"


def test_sessions_have_a_random_incarnation_from_creation() -> None:
    first = Session.start("same-id", tenant="default", now=1.0)
    second = Session.start("same-id", tenant="default", now=1.0)
    assert first.incarnation
    assert second.incarnation
    assert first.incarnation != second.incarnation
    assert first.dump_json() != second.dump_json()


# -- load-time validation: a semantically broken value is quarantined, never a 500 -----------


def test_state_not_in_its_flow_version_is_quarantined_not_a_crash() -> None:
    store = MemoryStore()
    raw = _plant(store, "bad-state", state="VPN_NO_SUCH_STATE", flow_version=VPN_FLOW.version)
    reply = Assistant(store=store).handle("still not working", session_id="bad-state")
    assert reply.notice == "corrupt_session"
    assert list(store.quarantined().values()) == [raw]


def test_handoff_without_a_reference_is_quarantined_not_a_crash() -> None:
    store = MemoryStore()
    raw = _plant(store, "no-ref", outcome="handoff", state="VPN_HANDOFF", reference=None)
    reply = Assistant(store=store).handle("any update??", session_id="no-ref")
    assert reply.notice == "corrupt_session"
    assert list(store.quarantined().values()) == [raw]


def test_reference_without_a_handoff_is_quarantined() -> None:
    store = MemoryStore()
    _plant(store, "ref-only", reference="VPN-0000ABCD")
    assert Assistant(store=store).handle("hello", session_id="ref-only").notice == "corrupt_session"


@pytest.mark.parametrize("field", ["id", "tenant"])
def test_value_naming_another_session_or_tenant_is_quarantined(field: str) -> None:
    store = MemoryStore()
    raw = _plant(store, "mine", **{field: "someone-else"})
    reply = Assistant(store=store).handle("windows", session_id="mine")
    assert reply.notice == "corrupt_session"
    assert reply.session_id == "mine"
    assert list(store.quarantined().values()) == [raw]
    assert Assistant(store=store).handle("windows", session_id="mine").notice is None


# -- bounded memory -----------------------------------------------------------------------------


def test_memory_store_never_evicted_expired_sessions(clock: FakeClock) -> None:
    store = MemoryStore(ttl_seconds=1, clock=clock, max_sessions=50_000)
    for n in range(30_000):
        store.save(Session.start(f"s{n}", tenant="default", now=clock()), expected_version=0)
        if n % 1000 == 999:
            clock.advance(0.01)
    peak = len(store)
    clock.advance(2)
    for n in range(10):  # ordinary traffic after the TTL pays for the sweep
        store.save(Session.start(f"late{n}", tenant="default", now=clock()), expected_version=0)
    held = len(store)
    assert peak == 30_000
    assert held <= peak // 10, f"held {held} of a peak of {peak} sessions after the TTL"


def test_memory_store_had_no_max_sessions_least_recently_used_goes(clock: FakeClock) -> None:
    store = MemoryStore(clock=clock, max_sessions=3)
    for sid in ("a", "b", "c"):
        store.save(Session.start(sid, tenant="default", now=clock()), expected_version=0)
        clock.advance(1)
    a = store.load("a", tenant="default")
    assert a is not None
    a.version = 2
    assert store.save(a, expected_version=0) is True  # "a" used again: now the newest
    store.save(Session.start("d", tenant="default", now=clock()), expected_version=0)
    assert len(store) == 3
    assert store.load("b", tenant="default") is None
    assert store.load("a", tenant="default") is not None
    assert Assistant(store=store).handle("hello", session_id="b").notice == "unknown_session"


def test_a_pasted_log_in_the_history_is_kept_as_a_bounded_excerpt() -> None:
    from vpnfsm.store._bounds import MAX_ENTRY_BYTES

    log = "2026-12-01 09:14:02 [gpsvc] ERROR tunnel setup failed: gateway timeout\n" * 700
    store = MemoryStore()
    session = Session.start("log-1", tenant="default", now=1.0)
    session.version = 1
    store.save(session, expected_version=0, history=[HistoryEntry(at=1.0, role="user", text=log)])
    [entry] = store.history("log-1", tenant="default")
    assert len(entry.model_dump_json().encode()) <= MAX_ENTRY_BYTES
    assert entry.text.startswith("2026-12-01 09:14:02 [gpsvc] ERROR")
    assert entry.text.rstrip().endswith("gateway timeout")
    assert "left out" in entry.text


def test_the_session_record_has_a_byte_bound() -> None:
    from vpnfsm.session import TailLine
    from vpnfsm.store._bounds import MAX_SESSION_BYTES

    store = MemoryStore()
    session = Session.start("log-2", tenant="default", now=1.0)
    session.version = 1
    session.tail = [TailLine(at=1.0, text="überall timeout 0x800704C9 " * 600) for _ in range(20)]
    store.save(session, expected_version=0)
    loaded = store.load("log-2", tenant="default")
    assert loaded is not None
    assert len(loaded.dump_json()) <= MAX_SESSION_BYTES
    assert len(loaded.tail) == 20
    assert all(line.text.startswith("überall timeout") for line in loaded.tail)
