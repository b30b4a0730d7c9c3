"""The in-memory session store: the embedded default, with Redis's semantics.

Sessions are kept as the same encoded bytes a Redis store writes, so a caller
can never mutate stored state by accident, corrupt values behave the same
way, and the serialization round trip is exercised in every test.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vpnfsm.errors import CorruptSession
from vpnfsm.session import HistoryEntry, OutboxItem, OutboxLease, Session
from vpnfsm.store._codec import (
    DEFAULT_PREFIX,
    check_limits,
    decode_session,
    encode_session,
    quarantine_key,
    session_key,
)

__all__ = ["DEFAULT_HISTORY_CAP", "DEFAULT_TTL_SECONDS", "AsyncMemoryStore", "MemoryStore"]

DEFAULT_TTL_SECONDS = 30 * 60
DEFAULT_HISTORY_CAP = 200


@dataclass
class _Record:
    raw: bytes
    version: int
    history: deque[HistoryEntry]
    expires_at: float


@dataclass
class _Lease:
    item: OutboxItem
    consumer: str | None = None
    until: float = 0.0
    token: int = 0  # of the latest claim; 0 = never claimed


@dataclass
class _State:
    records: dict[tuple[str, str], _Record] = field(default_factory=dict)
    quarantine: dict[str, bytes] = field(default_factory=dict)
    outbox: dict[str, _Lease] = field(default_factory=dict)
    last_token: int = 0  # fencing tokens only grow, like the Redis store's counter


class MemoryStore:
    """A thread-safe in-process :class:`~vpnfsm.types.SessionStore`.

    Args:
        ttl_seconds: idle time after which a session expires; every save resets it.
        history_cap: how many history entries are kept per session (oldest dropped).
        clock: seconds since the epoch; injectable so tests can move time.

    """

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        history_cap: int = DEFAULT_HISTORY_CAP,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_limits(ttl_seconds, history_cap)
        self.ttl_seconds = ttl_seconds
        self.history_cap = history_cap
        self._clock = clock
        self._lock = threading.Lock()
        self._state = _State()

    def _live(self, tenant: str, session_id: str) -> _Record | None:
        record = self._state.records.get((tenant, session_id))
        if record is not None and record.expires_at <= self._clock():
            del self._state.records[(tenant, session_id)]
            return None
        return record

    def load(self, session_id: str, *, tenant: str) -> Session | None:
        """The stored session, or ``None`` when unknown or expired.

        Raises:
            CorruptSession: the stored bytes are unreadable (they are moved to
                the quarantine first, see :meth:`quarantined`).

        """
        with self._lock:
            record = self._live(tenant, session_id)
            if record is None:
                return None
            raw = record.raw
        key = session_key(DEFAULT_PREFIX, tenant, session_id)
        try:
            return decode_session(raw, key=key)
        except CorruptSession as exc:
            qkey = quarantine_key(DEFAULT_PREFIX, tenant, session_id, self._clock())
            with self._lock:
                self._state.quarantine[qkey] = raw
                current = self._state.records.get((tenant, session_id))
                if current is not None and current.raw == raw:
                    del self._state.records[(tenant, session_id)]
            raise CorruptSession(key, quarantine_key=qkey, detail=exc.detail) from exc

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """Compare-and-set on the version; see :meth:`vpnfsm.types.SessionStore.save`."""
        raw = encode_session(session)
        with self._lock:
            key = (session.tenant, session.id)
            record = self._live(*key)
            stored_version = record.version if record is not None else 0
            if stored_version != expected_version:
                return False
            expires_at = self._clock() + self.ttl_seconds
            if record is None:
                record = _Record(
                    raw=raw, version=0, history=deque(maxlen=self.history_cap), expires_at=expires_at
                )
                self._state.records[key] = record
            record.raw = raw
            record.version = session.version
            record.expires_at = expires_at
            record.history.extend(history)
            for item in outbox:
                self._state.outbox[item.id] = _Lease(item=item)
            return True

    def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """The stored history, oldest first."""
        with self._lock:
            record = self._live(tenant, session_id)
            return list(record.history) if record is not None else []

    def delete(self, session_id: str, *, tenant: str) -> bool:
        """Remove a session and its history."""
        with self._lock:
            return self._state.records.pop((tenant, session_id), None) is not None

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

    def put_raw(self, session_id: str, raw: bytes, *, tenant: str) -> None:
        """Store raw bytes under a session (tests use it to plant corrupt data)."""
        with self._lock:
            self._state.records[(tenant, session_id)] = _Record(
                raw=raw,
                version=_stored_version(raw),
                history=deque(maxlen=self.history_cap),
                expires_at=self._clock() + self.ttl_seconds,
            )

    def quarantined(self) -> dict[str, bytes]:
        """Unreadable values moved aside by :meth:`load`, by quarantine key."""
        with self._lock:
            return dict(self._state.quarantine)


def _stored_version(raw: bytes) -> int:
    # A corrupt value counts as version 0 so that a fresh session can replace it.
    try:
        return Session.load_json(raw).version
    except ValueError:
        return 0


class AsyncMemoryStore:
    """The asyncio twin of :class:`MemoryStore` (it does no I/O, so it delegates)."""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        history_cap: int = DEFAULT_HISTORY_CAP,
        clock: Callable[[], float] = time.time,
        sync: MemoryStore | None = None,
    ) -> None:
        self.sync = sync or MemoryStore(ttl_seconds=ttl_seconds, history_cap=history_cap, clock=clock)

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

    async def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """See :meth:`MemoryStore.history`."""
        return self.sync.history(session_id, tenant=tenant)

    async def delete(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`MemoryStore.delete`."""
        return self.sync.delete(session_id, tenant=tenant)

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
