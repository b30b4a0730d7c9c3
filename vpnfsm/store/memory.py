"""The in-memory session store: the embedded default, with Redis's semantics.

Sessions are kept as the same encoded bytes a Redis store writes, so a caller
can never mutate stored state by accident, corrupt values behave the same
way, and the serialization round trip is exercised in every test. The one
exception is the facade's own turn: it hands the session it just saved over
(:meth:`MemoryStore.hand_over`), and the session's next :meth:`~MemoryStore.load`
gets that object back instead of a decode of the same bytes, as long as
those bytes are still the stored ones.

Memory is bounded: records are kept in the order of their last save, which
with one TTL for all is also the order in which they expire, so each call
evicts the expired ones at the front (amortized O(1): each record is evicted
once), and ``max_sessions`` evicts the least recently saved beyond it. An
ended session (expired, evicted or deleted) leaves a tombstone for
``tombstone_seconds`` (at most ``max_tombstones`` of them), so its next
message is told the earlier conversation is gone while a never-seen id starts
quietly.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vpnfsm.errors import CorruptSession
from vpnfsm.session import HistoryEntry, OutboxItem, OutboxLease, Session
from vpnfsm.store._codec import (
    DEFAULT_PREFIX,
    check_limits,
    decode_history,
    decode_session,
    encode_history,
    encode_session,
    handed_over_bytes,
    origin,
    quarantine_key,
    session_key,
    set_origin,
)

__all__ = [
    "DEFAULT_HISTORY_CAP",
    "DEFAULT_MAX_SESSIONS",
    "DEFAULT_MAX_TOMBSTONES",
    "DEFAULT_TOMBSTONE_SECONDS",
    "DEFAULT_TTL_SECONDS",
    "AsyncMemoryStore",
    "MemoryStore",
]

DEFAULT_TTL_SECONDS = 30 * 60
DEFAULT_HISTORY_CAP = 200
#: Sessions one process keeps (about 6 KB each with a short history).
DEFAULT_MAX_SESSIONS = 10_000
#: How long an ended session is remembered, so its next message gets the notice.
DEFAULT_TOMBSTONE_SECONDS = 24 * 3600
#: Tombstones one process keeps (about 150 bytes each).
DEFAULT_MAX_TOMBSTONES = 50_000

_Key = tuple[str, str]


@dataclass
class _Record:
    raw: bytes
    version: int
    incarnation: str
    history: deque[bytes]
    expires_at: float
    #: The session object ``raw`` was saved from, handed over by its saver (see ``hand_over``).
    kept: Session | None = None


@dataclass
class _Lease:
    item: OutboxItem
    consumer: str | None = None
    until: float = 0.0
    token: int = 0  # of the latest claim; 0 = never claimed


@dataclass
class _State:
    # Both in order of last write, hence of expiry (one TTL for all).
    records: OrderedDict[_Key, _Record] = field(default_factory=OrderedDict)
    tombstones: OrderedDict[_Key, float] = field(default_factory=OrderedDict)
    quarantine: dict[str, bytes] = field(default_factory=dict)
    outbox: dict[str, _Lease] = field(default_factory=dict)
    last_token: int = 0  # fencing tokens only grow, like the Redis store's counter


class MemoryStore:
    """A thread-safe in-process :class:`~vpnfsm.types.SessionStore`.

    Args:
        ttl_seconds: idle time after which a session expires; every save resets it.
        history_cap: how many history entries are kept per session (oldest dropped).
        max_sessions: sessions kept at most; beyond it the least recently saved goes.
        tombstone_seconds: how long an ended session's id is remembered (see :meth:`ended`).
        max_tombstones: ended ids remembered at most (oldest forgotten first).
        clock: seconds since the epoch; injectable so tests can move time.

    Raises:
        ValueError: a setting is out of range.

    """

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        history_cap: int = DEFAULT_HISTORY_CAP,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        tombstone_seconds: float = DEFAULT_TOMBSTONE_SECONDS,
        max_tombstones: int = DEFAULT_MAX_TOMBSTONES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_limits(ttl_seconds, history_cap)
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        if tombstone_seconds < 0 or max_tombstones < 0:
            raise ValueError("tombstone_seconds and max_tombstones must be 0 or more")
        self.ttl_seconds = ttl_seconds
        self.history_cap = history_cap
        self.max_sessions = max_sessions
        self.tombstone_seconds = tombstone_seconds
        self.max_tombstones = max_tombstones
        self._clock = clock
        self._lock = threading.Lock()
        self._state = _State()

    # -- bookkeeping (callers hold the lock) --------------------------------------

    def _end(self, key: _Key, ended_at: float) -> None:
        """Forget a session's record and leave a tombstone for it."""
        self._state.records.pop(key, None)
        if not self.max_tombstones or not self.tombstone_seconds:
            return
        tombstones = self._state.tombstones
        tombstones[key] = ended_at + self.tombstone_seconds
        tombstones.move_to_end(key)
        while len(tombstones) > self.max_tombstones:
            tombstones.popitem(last=False)

    def _sweep(self, now: float) -> None:
        """Evict what has expired at the front of both orders (amortized O(1) per write)."""
        records = self._state.records
        while records:
            key, record = next(iter(records.items()))
            if record.expires_at > now:
                break
            self._end(key, record.expires_at)
        tombstones = self._state.tombstones
        while tombstones:
            key, until = next(iter(tombstones.items()))
            if until > now:
                break
            del tombstones[key]

    def _live(self, key: _Key, now: float) -> _Record | None:
        self._sweep(now)
        record = self._state.records.get(key)
        if record is not None and record.expires_at <= now:  # out of order (the clock went back)
            self._end(key, record.expires_at)
            return None
        return record

    # -- the store --------------------------------------------------------------

    def load(self, session_id: str, *, tenant: str) -> Session | None:
        """The stored session, or ``None`` when unknown or expired.

        Raises:
            CorruptSession: the stored bytes are unreadable or do not fit where
                they are stored (they are moved to the quarantine first, see
                :meth:`quarantined`).

        """
        with self._lock:
            record = self._live((tenant, session_id), self._clock())
            if record is None:
                return None
            if record.kept is not None:  # handed over by its saver: served once, then decoded again
                kept, record.kept = record.kept, None
                return kept
            raw = record.raw
        key = session_key(DEFAULT_PREFIX, tenant, session_id)
        try:
            return decode_session(raw, key=key, tenant=tenant, session_id=session_id)
        except CorruptSession as exc:
            qkey = quarantine_key(DEFAULT_PREFIX, tenant, session_id, self._clock())
            with self._lock:
                self._state.quarantine[qkey] = raw
                current = self._state.records.get((tenant, session_id))
                if current is not None and current.raw == raw:
                    del self._state.records[(tenant, session_id)]
            raise CorruptSession(key, quarantine_key=qkey, detail=exc.detail) from exc

    def hand_over(self, session: Session) -> None:
        """Keep ``session``, just saved, for the next :meth:`load` of its id, instead of a decode.

        The caller gives it up (see :class:`~vpnfsm.types.KeepsSaved`); the next
        load owns it. It is kept only while the stored bytes are the ones this
        session was saved as: a save from elsewhere in between, or a session
        that was not saved here, leaves nothing to serve.
        """
        raw = handed_over_bytes(session)
        if raw is None:
            return
        with self._lock:
            record = self._state.records.get((session.tenant, session.id))
            if record is not None and record.raw is raw:
                record.kept = session

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """Compare-and-set on the session's identity; see :meth:`vpnfsm.types.SessionStore.save`.

        A session loaded from this store must find the very bytes it was
        loaded from (another incarnation or a hand edit makes it a conflict);
        one made otherwise must match the stored version and incarnation.

        Raises:
            InputError: the session is too big to store (``reason="too_large"``).

        """
        raw = encode_session(session)
        entries = [encode_history(entry) for entry in history]
        loaded = origin(session)
        with self._lock:
            now = self._clock()
            key = (session.tenant, session.id)
            record = self._live(key, now)
            if record is None:
                if expected_version != 0:
                    return False
            elif loaded is not None and loaded[0] == expected_version:
                if _as_bytes(loaded[1]) != record.raw:
                    return False
            elif record.version != expected_version or record.incarnation != session.incarnation:
                return False
            if record is None:
                record = _Record(
                    raw=raw, version=0, incarnation="", history=deque(maxlen=self.history_cap), expires_at=now
                )
                self._state.records[key] = record
                self._state.tombstones.pop(key, None)
            record.raw = raw
            record.kept = None
            record.version = session.version
            record.incarnation = session.incarnation
            record.expires_at = now + self.ttl_seconds
            record.history.extend(entries)
            self._state.records.move_to_end(key)
            while len(self._state.records) > self.max_sessions:
                self._end(next(iter(self._state.records)), now)
            for item in outbox:
                self._state.outbox[item.id] = _Lease(item=item)
        # What the session now is stored as, so a later save of this very object
        # compares these bytes, and ``hand_over`` can tell they are still current.
        set_origin(session, raw)
        return True

    def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """The stored history, oldest first."""
        with self._lock:
            record = self._live((tenant, session_id), self._clock())
            raws = list(record.history) if record is not None else []
        return [entry for entry in map(decode_history, raws) if entry is not None]

    def delete(self, session_id: str, *, tenant: str) -> bool:
        """Remove a session and its history, leaving a tombstone."""
        with self._lock:
            now = self._clock()
            if self._live((tenant, session_id), now) is None:
                return False
            self._end((tenant, session_id), now)
            return True

    def ended(self, session_id: str, *, tenant: str) -> bool:
        """Whether a session under this id existed and ended (expired, evicted, deleted) recently."""
        with self._lock:
            now = self._clock()
            self._sweep(now)
            until = self._state.tombstones.get((tenant, session_id))
            return until is not None and until > now

    def ping(self) -> None:
        """Always reachable."""

    def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        """Lease undelivered handoffs, oldest first, each with a new fencing token; expired leases come back."""
        now = self._clock()
        claimed: list[OutboxLease] = []
        with self._lock:
            for lease in self._state.outbox.values():
                if len(claimed) >= limit:
                    break
                if lease.consumer is not None and lease.until > now:
                    continue
                self._state.last_token += 1
                lease.consumer = consumer
                lease.until = now + lease_seconds
                lease.token = self._state.last_token
                claimed.append(OutboxLease.of(lease.item, lease.token))
        return claimed

    def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        """Extend the lease of ``token``; ``False`` once another claim took the item or it is done."""
        with self._lock:
            lease = self._state.outbox.get(item_id)
            if lease is None or lease.token != token:
                return False
            lease.until = self._clock() + lease_seconds
            return True

    def outbox_done(self, item_id: str, *, token: int) -> bool:
        """Forget a delivered handoff if ``token`` still holds it, so claims never see it again."""
        with self._lock:
            lease = self._state.outbox.get(item_id)
            if lease is None or lease.token != token:
                return False
            del self._state.outbox[item_id]
            return True

    # -- inspection helpers for hosts and tests ---------------------------------

    def __len__(self) -> int:
        """Sessions held now (expired ones are evicted by the next call, not by this count)."""
        return len(self._state.records)

    def tombstones(self) -> int:
        """Ended session ids remembered now."""
        return len(self._state.tombstones)

    def put_raw(self, session_id: str, raw: bytes, *, tenant: str) -> None:
        """Store raw bytes under a session (tests use it to plant corrupt data or hand edits)."""
        version, incarnation = _stored_identity(raw)
        with self._lock:
            now = self._clock()
            key = (tenant, session_id)
            old = self._state.records.get(key)
            self._state.records[key] = _Record(
                raw=raw,
                version=version,
                incarnation=incarnation,
                history=old.history if old is not None else deque(maxlen=self.history_cap),
                expires_at=now + self.ttl_seconds,
            )
            self._state.records.move_to_end(key)

    def quarantined(self) -> dict[str, bytes]:
        """Unreadable values moved aside by :meth:`load`, by quarantine key."""
        with self._lock:
            return dict(self._state.quarantine)


def _as_bytes(raw: bytes | str) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw


def _stored_identity(raw: bytes) -> tuple[int, str]:
    # A corrupt value counts as version 0 so that a fresh session can replace it.
    try:
        session = Session.load_json(raw)
    except ValueError:
        return 0, ""
    return session.version, session.incarnation


class AsyncMemoryStore:
    """The asyncio twin of :class:`MemoryStore` (it does no I/O, so it delegates)."""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        history_cap: int = DEFAULT_HISTORY_CAP,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        tombstone_seconds: float = DEFAULT_TOMBSTONE_SECONDS,
        max_tombstones: int = DEFAULT_MAX_TOMBSTONES,
        clock: Callable[[], float] = time.time,
        sync: MemoryStore | None = None,
    ) -> None:
        self.sync = sync or MemoryStore(
            ttl_seconds=ttl_seconds,
            history_cap=history_cap,
            max_sessions=max_sessions,
            tombstone_seconds=tombstone_seconds,
            max_tombstones=max_tombstones,
            clock=clock,
        )

    async def load(self, session_id: str, *, tenant: str) -> Session | None:
        """See :meth:`MemoryStore.load`."""
        return self.sync.load(session_id, tenant=tenant)

    async def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """See :meth:`MemoryStore.save`."""
        return self.sync.save(session, expected_version=expected_version, history=history, outbox=outbox)

    def hand_over(self, session: Session) -> None:
        """See :meth:`MemoryStore.hand_over` (no I/O, so not a coroutine)."""
        self.sync.hand_over(session)

    async def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """See :meth:`MemoryStore.history`."""
        return self.sync.history(session_id, tenant=tenant)

    async def delete(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`MemoryStore.delete`."""
        return self.sync.delete(session_id, tenant=tenant)

    async def ended(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`MemoryStore.ended`."""
        return self.sync.ended(session_id, tenant=tenant)

    async def ping(self) -> None:
        """Always reachable."""

    async def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        """See :meth:`MemoryStore.outbox_claim`."""
        return self.sync.outbox_claim(consumer, limit=limit, lease_seconds=lease_seconds)

    async def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        """See :meth:`MemoryStore.outbox_renew`."""
        return self.sync.outbox_renew(item_id, token=token, lease_seconds=lease_seconds)

    async def outbox_done(self, item_id: str, *, token: int) -> bool:
        """See :meth:`MemoryStore.outbox_done`."""
        return self.sync.outbox_done(item_id, token=token)
