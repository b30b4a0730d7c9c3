"""A facade hands the session it just saved to the store, which serves that object to the next load.

The object is served once, only while the stored bytes are the ones it was
saved as, and never for a value that was cut to fit its byte bound; turns
with and without the handover give the same replies and store the same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from vpnfsm import Assistant
from vpnfsm.benchmarks.workload import conversations
from vpnfsm.session import HistoryEntry, OutboxItem, Session, TailLine
from vpnfsm.store._bounds import MAX_SESSION_BYTES, TAIL_TEXT_BYTES, stored_whole
from vpnfsm.store._codec import encode_session
from vpnfsm.store._session_cache import SessionCache
from vpnfsm.store.memory import MemoryStore
from vpnfsm.types import KeepsSaved


class _NoHandover:
    """A memory store seen through a wrapper without ``hand_over``: every load decodes."""

    def __init__(self, inner: MemoryStore) -> None:
        self.inner = inner

    def load(self, session_id: str, *, tenant: str) -> Session | None:
        return self.inner.load(session_id, tenant=tenant)

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        return self.inner.save(session, expected_version=expected_version, history=history, outbox=outbox)

    def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        return self.inner.history(session_id, tenant=tenant)

    def delete(self, session_id: str, *, tenant: str) -> bool:
        return self.inner.delete(session_id, tenant=tenant)

    def ping(self) -> None:
        self.inner.ping()


def _started(store: MemoryStore) -> tuple[Assistant, str]:
    bot = Assistant(store=store)
    return bot, bot.handle("my vpn is not working").session_id


def test_the_next_load_gets_the_saved_object_once_then_a_decoded_copy() -> None:
    store = MemoryStore()
    assert isinstance(store, KeepsSaved)
    captured: list[Session] = []
    save = store.save

    def spying_save(session: Session, **kwargs: object) -> bool:
        captured.append(session)
        return save(session, **kwargs)  # type: ignore[arg-type]

    store.save = spying_save  # type: ignore[method-assign]
    bot, sid = _started(store)
    first = store.load(sid, tenant="default")
    assert first is captured[-1]
    second = store.load(sid, tenant="default")
    assert second is not None
    assert second is not first
    assert second.model_dump() == first.model_dump()
    bot.handle("windows 11", session_id=sid)
    assert store.load(sid, tenant="default") is captured[-1]


def test_a_save_from_elsewhere_in_between_means_a_decode() -> None:
    store = MemoryStore()
    _bot, sid = _started(store)
    other = store.load(sid, tenant="default")  # takes the handed-over object
    assert other is not None
    other.slots["os"] = "macos"
    assert store.save(other, expected_version=other.version)
    # The facade's own object from its turn is not served after another writer saved.
    loaded = store.load(sid, tenant="default")
    assert loaded is not None
    assert loaded is not other
    assert loaded.slots["os"] == "macos"


def test_only_a_session_this_store_just_saved_is_kept() -> None:
    store = MemoryStore()
    _, sid = _started(store)
    served = store.load(sid, tenant="default")  # the facade's handed-over object
    decoded = store.load(sid, tenant="default")
    assert served is not None
    assert decoded is not None
    for stray in (served, decoded):  # neither was saved since it was loaded
        store.hand_over(stray)
        assert store.load(sid, tenant="default") is not stray
    assert store.save(decoded, expected_version=decoded.version)
    store.hand_over(decoded)
    store.hand_over(decoded)  # once per save: the second call changes nothing
    assert store.load(sid, tenant="default") is decoded
    assert store.load(sid, tenant="default") is not decoded


def test_a_value_cut_to_fit_is_never_served_as_the_object() -> None:
    session = Session.start("s", tenant="default", now=1.0)
    session.tail = [TailLine(at=1.0, text="log line " * 200, state=None)]
    raw = encode_session(session)
    assert len(raw) < MAX_SESSION_BYTES  # it was not cut, but it could have been
    assert not stored_whole(session, raw)
    session.tail = [TailLine(at=1.0, text="x" * (TAIL_TEXT_BYTES // 4), state=None)]
    assert stored_whole(session, encode_session(session))
    # Past the quick bound on characters, the bytes decide: 257 ASCII characters were never cut.
    session.tail = [TailLine(at=1.0, text="x" * (TAIL_TEXT_BYTES // 4 + 1), state=None)]
    assert stored_whole(session, encode_session(session))
    assert not stored_whole(session, b"{" + b" " * (MAX_SESSION_BYTES // 2) + b"}")


def test_turns_with_and_without_the_handover_read_and_store_the_same() -> None:
    keeping, plain = MemoryStore(clock=lambda: 1000.0), MemoryStore(clock=lambda: 1000.0)
    fast = Assistant(store=keeping, clock=lambda: 1000.0)
    slow = Assistant(store=_NoHandover(plain), clock=lambda: 1000.0)
    for index, conversation in enumerate(itertools.islice(conversations(seed=7), 40)):
        sid = f"conversation-{index}"
        for message in conversation:
            one, two = fast.handle(message, session_id=sid), slow.handle(message, session_id=sid)
            assert one.model_dump() == two.model_dump()
        assert keeping.history(sid, tenant="default") == plain.history(sid, tenant="default")
        stored = keeping.load(sid, tenant="default")
        reference = plain.load(sid, tenant="default")
        assert stored is not None
        assert reference is not None
        # Equal but for the incarnation, which every new session draws at random.
        assert stored.model_dump(exclude={"incarnation"}) == reference.model_dump(exclude={"incarnation"})


def test_the_cache_holds_an_object_only_for_its_own_trusted_bytes() -> None:
    cache = SessionCache(8, max_age=60, clock=lambda: 5.0)
    session = Session.start("s", tenant="default", now=1.0)
    raw = b"v1"
    cache.saved("k", raw)
    cache.keep("k", b"v1-but-another-object", session)  # equal bytes, not these bytes
    assert cache.take("k") == (raw, None)
    cache.keep("k", raw, session)
    assert cache.take("k") == (raw, session)
    assert cache.take("k") == (raw, None)  # once
    cache.keep("k", raw, session)
    cache.stale("k", b"v2")  # another worker wrote: the object is gone with the entry
    assert cache.take("k") == (b"v2", None)
    cache.saved("k", raw)  # a shared session now: not trusted, so nothing is kept
    cache.keep("k", raw, session)
    assert cache.take("k") is None
