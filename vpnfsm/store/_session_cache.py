"""The stored bytes each Redis store last saw per session, so a turn can skip its ``GET``.

A turn through Redis is load + compare-and-set save. When the same process
serves the next message of a conversation (one worker, or sticky routing),
the bytes it saved last turn are almost always still the stored value, so
the load can be answered from this cache and the turn costs one round trip.
A stale entry is harmless by construction: the save compares the bytes the
turn was computed from with the stored value (so another
incarnation or a hand edit counts as stale too) and, on a mismatch, returns
the current value, which replaces the entry.

Each entry says whether it may be served without a read:

* ``CONFIRMED``: this process wrote or read it last and nobody has been seen
  writing since; served until proven stale.
* ``ONCE``: the current value, just returned by a failed save; served once,
  to the retry that follows at once, then ``UNCONFIRMED``.
* ``UNCONFIRMED``: this session was written by another worker since this one
  last saw it, so it is probably served by several workers in turn, where
  guessing would cost a failed save every turn. Not served; a plain read
  that finds the stored bytes equal to it (this process wrote last, again)
  makes it ``CONFIRMED``.

A ``CONFIRMED`` entry may also hold the session object its bytes were saved
from, handed over by the facade that saved it (:meth:`SessionCache.keep`):
the next load takes that object instead of decoding the bytes, once.

No I/O here; both Redis stores share it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from vpnfsm.session import Session

__all__ = ["DEFAULT_SESSION_CACHE", "SessionCache", "Trust"]

#: Sessions whose last seen bytes a store keeps (about 1.5 KB each).
DEFAULT_SESSION_CACHE = 4096


class Trust(Enum):
    """Whether a remembered value may answer a load without a read (see the module docstring)."""

    CONFIRMED = "confirmed"
    ONCE = "once"
    UNCONFIRMED = "unconfirmed"


@dataclass(slots=True)
class _Entry:
    raw: bytes | str
    seen_at: float
    trust: Trust
    #: The session ``raw`` was saved from, given up by its saver; served once.
    kept: Session | None = None


class SessionCache:
    """A bounded (least recently used out), thread-safe map of session key -> last seen stored bytes.

    Entries older than ``max_age`` seconds are not served: the TTL in Redis is
    reset on every save, so an entry younger than the TTL describes a key that
    has not expired (unless someone else deleted or changed it, which the
    compare-and-set then reports). ``capacity`` 0 disables the cache.
    """

    def __init__(self, capacity: int, *, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 0:
            raise ValueError("session_cache must be 0 (off) or more")
        self.capacity = capacity
        self.max_age = max_age
        self._clock = clock
        # A lock, not the GIL: move_to_end/popitem pairs must not interleave
        # between the threads of a web server sharing one store.
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, key: str) -> bytes | str | None:
        """The bytes last seen under ``key`` if they may be served without a read, else ``None``.

        A :meth:`take` that leaves the object aside: one held for these bytes is dropped.
        """
        found = self.take(key)
        return None if found is None else found[0]

    def take(self, key: str) -> tuple[bytes | str, Session | None] | None:
        """Like :meth:`get`, with the session object handed over for those bytes, if any.

        The object is given out once: whoever takes it owns it, and the next
        call finds only the bytes.
        """
        if not self.capacity:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.trust is Trust.UNCONFIRMED:
                return None
            if self._clock() - entry.seen_at >= self.max_age:
                del self._entries[key]
                return None
            if entry.trust is Trust.ONCE:
                entry.trust = Trust.UNCONFIRMED
            self._entries.move_to_end(key)
            kept, entry.kept = entry.kept, None
            return entry.raw, kept

    def keep(self, key: str, raw: bytes | str, session: Session) -> None:
        """Hold ``session``, saved as ``raw``, for the next :meth:`take` of ``key``.

        Only while the entry is trusted and still those very bytes: a read,
        a conflict or another save since leaves nothing to hold it by.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.trust is Trust.CONFIRMED and entry.raw is raw:
                entry.kept = session

    def saved(self, key: str, raw: bytes | str) -> None:
        """Note that this process just stored ``raw`` under ``key``; trust stays what it was."""
        with self._lock:
            entry = self._entries.get(key)
            trusted = entry is None or entry.trust is Trust.CONFIRMED
            self._put(key, raw, Trust.CONFIRMED if trusted else Trust.UNCONFIRMED)

    def read(self, key: str, raw: bytes | str) -> None:
        """A plain read found ``raw``: confirmed unless another worker wrote since this one."""
        with self._lock:
            entry = self._entries.get(key)
            unchanged = entry is None or entry.raw == raw
            self._put(key, raw, Trust.CONFIRMED if unchanged else Trust.UNCONFIRMED)

    def stale(self, key: str, current: bytes | str) -> None:
        """A save found ``current`` where it expected the entry: serve it to the retry only."""
        with self._lock:
            self._put(key, current, Trust.ONCE)

    def forget(self, key: str) -> None:
        """Drop what is known about ``key`` (deleted, quarantined, or a save of unknown outcome)."""
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        """How many sessions are remembered."""
        return len(self._entries)

    def _put(self, key: str, raw: bytes | str, trust: Trust) -> None:
        if not self.capacity:
            return
        self._entries[key] = _Entry(raw, self._clock(), trust)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
