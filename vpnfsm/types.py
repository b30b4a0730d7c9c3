"""The public protocols a host can implement to swap a part of vpnfsm.

No ``transitions`` or ``redis`` type appears here, so the engine and the
stores can change without breaking hosts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from vpnfsm.nlp.model import Extraction
from vpnfsm.session import HistoryEntry, OutboxItem, OutboxLease, Session

__all__ = [
    "AsyncSessionStore",
    "AsyncSpeculativeLoad",
    "AsyncTombstones",
    "Extractor",
    "KeepsSaved",
    "SessionStore",
    "SpeculativeLoad",
    "Tombstones",
]


@runtime_checkable
class Extractor(Protocol):
    """Reads intent and entities from one message.

    ``context`` is the state the conversation is in (e.g. ``"VPN_ASK_OS"``),
    or ``None`` for a fresh conversation; it decides how short answers read.
    Implementations must be deterministic for the flows' guarantees to hold.
    """

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        """Return the meaning of ``text`` read in ``context``."""
        ...


class SessionStore(Protocol):
    """Where sessions live between turns (synchronous hosts).

    Every method may raise :class:`vpnfsm.errors.StoreUnavailable`. A store
    that can answer a turn's load from a local copy may also implement
    :class:`SpeculativeLoad`; the facades then use it.
    """

    def load(self, session_id: str, *, tenant: str) -> Session | None:
        """The stored session, or ``None`` when unknown or expired.

        Raises:
            CorruptSession: the stored value is unreadable; it has been moved
                to a quarantine key first, so the next load returns ``None``.

        """
        ...

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """Atomically store ``session``, append ``history`` and enqueue ``outbox``.

        The save happens only if the stored version equals ``expected_version``
        (0: the session must not exist) and the stored value is the same
        incarnation (``Session.incarnation``); a session the store loaded must
        find the very value it was loaded from. All keys of the session get a
        fresh TTL. Returns ``False``, changing nothing, when another turn won
        the race.

        Raises:
            CorruptSession: a key of the session has the wrong type; nothing
                was written and the session's keys were quarantined, so a
                fresh session can be saved next.

        """
        ...

    def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """The stored history of a session, oldest first (capped by the store)."""
        ...

    def delete(self, session_id: str, *, tenant: str) -> bool:
        """Remove a session and its history; ``True`` if it existed."""
        ...

    def ping(self) -> None:
        """Return when the store is reachable; raise ``StoreUnavailable`` otherwise."""
        ...

    def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        """Lease up to ``limit`` undelivered handoffs to ``consumer``, each with a new fencing token.

        An item leased to a consumer that did not finish comes back once the
        lease has run out, so a crashed worker loses nothing; the new claim's
        token is larger, which fences the old holder out.
        """
        ...

    def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        """Extend the lease of ``token`` to ``lease_seconds`` from now; ``False`` once it is lost.

        Lost means another claim took the item (a newer token) or it is done.
        """
        ...

    def outbox_done(self, item_id: str, *, token: int) -> bool:
        """Mark a handoff delivered if ``token`` still holds its lease; ``False`` (nothing changed) if not."""
        ...


class AsyncSessionStore(Protocol):
    """The asyncio twin of :class:`SessionStore`: same methods, awaited."""

    async def load(self, session_id: str, *, tenant: str) -> Session | None:
        """See :meth:`SessionStore.load`."""
        ...

    async def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """See :meth:`SessionStore.save`."""
        ...

    async def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """See :meth:`SessionStore.history`."""
        ...

    async def delete(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`SessionStore.delete`."""
        ...

    async def ping(self) -> None:
        """See :meth:`SessionStore.ping`."""
        ...

    async def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        """See :meth:`SessionStore.outbox_claim`."""
        ...

    async def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        """See :meth:`SessionStore.outbox_renew`."""
        ...

    async def outbox_done(self, item_id: str, *, token: int) -> bool:
        """See :meth:`SessionStore.outbox_done`."""
        ...


@runtime_checkable
class SpeculativeLoad(Protocol):
    """Optional for a :class:`SessionStore`: a load that may answer from a local copy.

    The facades load through it when a store has it, because their save is a
    compare-and-set: a stale copy costs one conflict and a retry, never a
    wrong turn. Other readers (a host showing a session) use ``load``.
    """

    def load_speculative(self, session_id: str, *, tenant: str) -> Session | None:
        """The session as this process last saw it stored, or else as ``load`` returns it."""
        ...


@runtime_checkable
class AsyncSpeculativeLoad(Protocol):
    """The asyncio twin of :class:`SpeculativeLoad`."""

    async def load_speculative(self, session_id: str, *, tenant: str) -> Session | None:
        """See :meth:`SpeculativeLoad.load_speculative`."""
        ...


@runtime_checkable
class KeepsSaved(Protocol):
    """Optional for a :class:`SessionStore`: take over the session a caller just saved.

    A facade works on the session object of one turn and never touches it
    once saved, so it hands it over: the store may keep that very object and
    return it from the next load of its id (``load_speculative`` where the
    store has one; once: a second load decodes the stored bytes as usual),
    which spares the turn a decode of what it wrote itself. The object is only ever served while the stored
    bytes are the ones it was saved as, and the compare-and-set of the save
    that follows is unchanged. It does no I/O, so an asyncio store offers it
    as this same plain method.
    """

    def hand_over(self, session: Session) -> None:
        """The caller gives up ``session``, which its last ``save`` just stored."""
        ...


@runtime_checkable
class Tombstones(Protocol):
    """Optional for a :class:`SessionStore`: whether a missing session existed and ended.

    The facades tell a user whose earlier conversation expired or was deleted
    that it is gone, and start quietly on an id never seen; without this a
    missing session always starts quietly.
    """

    def ended(self, session_id: str, *, tenant: str) -> bool:
        """``True`` if a session under this id expired or was deleted recently."""
        ...


@runtime_checkable
class AsyncTombstones(Protocol):
    """The asyncio twin of :class:`Tombstones`."""

    async def ended(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`Tombstones.ended`."""
        ...
