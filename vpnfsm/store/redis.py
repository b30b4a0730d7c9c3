"""Redis session stores: :class:`RedisStore` (sync) and :class:`AsyncRedisStore` (asyncio).

A turn costs at most two round trips: ``GET`` of the session on load, one ``EVALSHA``
on save that checks every key's type, compares the stored value with the one the
turn was computed from (incarnation, version, any hand edit), writes the session,
appends the history, resets every TTL and enqueues a handoff, all or nothing. When this process
saved the session's previous turn, the facade's load is answered from the
bytes it saved (:mod:`vpnfsm.store._session_cache`) and the turn is the one
``EVALSHA``; a stale copy shows up as a conflict whose reply carries the
current value, so nothing is ever decided on stale data. Both classes share
their scripts, keys, encoding and error mapping with
:mod:`vpnfsm.store._redis_common` and hold only the lines that do I/O.
Standalone Redis and Redis Cluster work alike: all keys of a session share
one hash tag, hence one slot. The format is described in ``docs/storage.md``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, ClassVar, Self, TypeVar, cast

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
import redis.exceptions as rex
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

from vpnfsm.errors import CorruptSession, InputError, StoreUnavailable
from vpnfsm.session import HistoryEntry, OutboxItem, OutboxLease, Session
from vpnfsm.store import _redis_common as common
from vpnfsm.store._codec import DEFAULT_PREFIX, check_limits, decode_session, handed_over_bytes, set_origin
from vpnfsm.store._session_cache import DEFAULT_SESSION_CACHE, SessionCache
from vpnfsm.store.memory import DEFAULT_HISTORY_CAP, DEFAULT_TOMBSTONE_SECONDS, DEFAULT_TTL_SECONDS

__all__ = ["DEFAULT_SWEEP_SECONDS", "AsyncRedisStore", "RedisStore"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: How often ``outbox_claim`` re-indexes outbox items whose index write was lost.
DEFAULT_SWEEP_SECONDS = 60.0

T = TypeVar("T")


class _RedisStoreBase:
    """Construction, settings and pure helpers shared by both stores (no I/O)."""

    #: Builds ``(client, pool or None)`` from a URL; set by each twin.
    _client_factory: ClassVar[Callable[..., tuple[Any, Any]]]

    def __init__(
        self,
        client: object,
        *,
        prefix: str = DEFAULT_PREFIX,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        history_cap: int = DEFAULT_HISTORY_CAP,
        sweep_seconds: float = DEFAULT_SWEEP_SECONDS,
        session_cache: int = DEFAULT_SESSION_CACHE,
        tombstone_seconds: float = DEFAULT_TOMBSTONE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_limits(ttl_seconds, history_cap)
        if tombstone_seconds < 0:
            raise ValueError("tombstone_seconds must be 0 or more")
        if not prefix or any(c in prefix for c in "{}*?[]"):
            raise ValueError("prefix must be non-empty and free of '{}*?[]'")
        self.keys = common.RedisKeys(prefix)
        self.ttl_seconds = ttl_seconds
        self.history_cap = history_cap
        self.sweep_seconds = sweep_seconds
        self.tombstone_seconds = tombstone_seconds
        self._clock = clock
        self._cache = SessionCache(session_cache, max_age=ttl_seconds)
        self._last_sweep: float | None = None
        self._pool: Any = None  # set by from_url, which owns the pool it builds
        # Connections the packed calls keep checked out of that pool between
        # calls (see _take_idle), at most _idle_limit of them, and the process
        # they belong to (a forked child must not use its parent's sockets).
        self._idle: list[Any] = []
        self._idle_limit = 0
        self._idle_pid = os.getpid()
        self.client: Any = cast(Any, client)
        # register_script returns the sync or asyncio Script object to match the client.
        self._save_script = self.client.register_script(common.SAVE_LUA)
        self._quarantine_script = self.client.register_script(common.QUARANTINE_LUA)
        self._index_script = self.client.register_script(common.INDEX_LUA)
        self._claim_script = self.client.register_script(common.CLAIM_LUA)
        self._done_script = self.client.register_script(common.DONE_LUA)
        self._delete_script = self.client.register_script(common.DELETE_LUA)
        self._renew_script = self.client.register_script(common.RENEW_LUA)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cluster: bool | None = None,
        prefix: str = DEFAULT_PREFIX,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        history_cap: int = DEFAULT_HISTORY_CAP,
        session_cache: int = DEFAULT_SESSION_CACHE,
        tombstone_seconds: float = DEFAULT_TOMBSTONE_SECONDS,
    ) -> Self:
        """A store on a ``redis://``, ``rediss://`` or ``unix://`` URL.

        Redis Cluster is used when ``cluster`` is true or the URL carries
        ``?cluster=1``; the URL then names any one node. No connection is made
        until the first call.

        Raises:
            ValueError: the URL is not a Redis URL, or a setting is out of range.

        """
        client, pool = cls._client_factory(url, cluster=cluster)
        store = cls(
            client,
            prefix=prefix,
            ttl_seconds=ttl_seconds,
            history_cap=history_cap,
            session_cache=session_cache,
            tombstone_seconds=tombstone_seconds,
        )
        store._pool = pool
        if pool is not None:
            # Half the pool at most, so the store's other calls always find connections there.
            store._idle_limit = max(1, pool.max_connections // 2)
        return store

    def _cached(self, tenant: str, session_id: str) -> Session | None:
        """The session as this process last saw it stored, if it still remembers."""
        key = self.keys.session(tenant, session_id)
        found = self._cache.take(key)
        if found is None:
            return None
        raw, kept = found
        if kept is not None:  # the object this process saved as these bytes, handed over
            return kept
        try:
            return decode_session(raw, key=key, tenant=tenant, session_id=session_id)
        except CorruptSession:  # a conflict's value that does not fit: the plain load quarantines it
            self._cache.forget(key)
            return None

    def _read(self, key: str, raw: bytes, tenant: str, session_id: str) -> tuple[Session | None, str]:
        """Decode what a ``GET`` returned: the session (now remembered), or why it is unreadable."""
        try:
            session = decode_session(raw, key=key, tenant=tenant, session_id=session_id)
        except CorruptSession as exc:
            return None, exc.detail
        self._cache.read(key, raw)
        return session, ""

    def hand_over(self, session: Session) -> None:
        """Keep ``session``, just saved by this store, for its next ``load_speculative``.

        See :class:`~vpnfsm.types.KeepsSaved`: the caller gives the object up;
        it is served once, and only while the cache still trusts the bytes it
        was saved as (no I/O, so the asyncio store has it as a plain method too).
        """
        raw = handed_over_bytes(session)
        if raw is not None:
            self._cache.keep(self.keys.session(session.tenant, session.id), raw, session)

    def _saved(self, keys: list[str], session: Session, written: bytes, reply: object) -> bool:
        """Read a save script's reply, keeping the cache in step with what Redis now holds.

        Raises:
            CorruptSession: a key had the wrong type; the script moved the
                session's keys to the quarantine and wrote nothing.
            InputError: a value was over its byte bound; nothing was written.

        """
        key = keys[0]
        if isinstance(reply, list):
            self._cache.forget(key)
            what = reply[1].decode() if isinstance(reply[1], bytes) else str(reply[1])
            if reply[0] in (b"too_large", "too_large"):
                raise InputError(f"{what} is over its byte bound", field="session", reason="too_large")
            logger.warning("quarantined session %s as %s (wrong key type: %s)", key, keys[4], what)
            raise CorruptSession(key, quarantine_key=keys[4], detail=f"wrong key type: {what}")
        if isinstance(reply, bytes | str):  # a conflict that carries the current value
            self._cache.stale(key, reply)
            return False
        if reply in (1, 2):
            self._cache.saved(key, written)
            set_origin(session, written)  # a later save of this object compares these bytes
            return True
        self._cache.forget(key)
        return False

    def _unreadable(self, key: str, tenant: str, session_id: str) -> tuple[str, list[str]]:
        """The quarantine key, and the KEYS of the quarantine script, for a bad value."""
        self._cache.forget(key)
        quarantine = self.keys.quarantine(tenant, session_id, self._clock())
        keys = [key, self.keys.history(tenant, session_id), self.keys.outbox(tenant, session_id), *quarantine]
        return quarantine[0], keys

    def _save_call(
        self,
        session: Session,
        expected_version: int,
        history: Sequence[HistoryEntry],
        outbox: Sequence[OutboxItem],
    ) -> tuple[list[str], list[bytes | str | int], bytes]:
        """KEYS and ARGV of the save script, and the session bytes it writes (ARGV[2])."""
        keys, args = common.save_args(
            self.keys,
            session,
            expected_version=expected_version,
            history=history,
            outbox=outbox,
            ttl_ms=max(1, int(self.ttl_seconds * 1000)),
            history_cap=self.history_cap,
            tombstone_ms=int(self.tombstone_seconds * 1000),
            stamp=self._clock(),
        )
        written = args[1]
        assert isinstance(written, bytes)
        return keys, args, written

    def _packed(self, script: Any, keys: Sequence[str], args: Sequence[bytes | str | int]) -> bytes | None:
        """A script's ``EVALSHA`` ready to send, or ``None``: run the registered script instead.

        Only on the standalone pool :meth:`from_url` built, whose settings are
        known (one encoding, no client-side cache, no retries of its own). A
        cluster client, or a client passed in, takes redis-py's usual path.
        """
        if self._pool is None:
            return None
        return self._pack(["EVALSHA", script.sha, len(keys), *keys, *args])

    def _pack(self, parts: Sequence[bytes | str | int]) -> bytes:
        """One command packed with the encoding of the pool :meth:`from_url` built."""
        settings = self._pool.connection_kwargs
        return common.pack_command(
            parts, encoding=settings.get("encoding", "utf-8"), errors=settings.get("encoding_errors", "strict")
        )

    def _take_idle(self) -> Any | None:
        """A connection an earlier packed call kept, or ``None``: take one from the pool.

        A pool checkout costs more than the round trip it serves (a lock, a
        condition wait, metrics hooks, a non-blocking read), so the packed
        calls (the save, the load's ``GET``) keep their connections checked
        out. A kept connection is still the
        pool's (``close`` and ``pool.disconnect`` reach it) and is made ready
        again by the caller before use, as the pool would.
        """
        if self._idle_pid != os.getpid():
            # A forked child: those sockets are the parent's. Forgetting them
            # closes only the child's copies (redis-py shuts a socket down
            # only in the process that opened it); the pool resets itself.
            self._idle, self._idle_pid = [], os.getpid()
            return None
        try:
            return self._idle.pop()  # the last one used: the likeliest to be warm
        except IndexError:
            return None

    def _keep_idle(self, connection: Any) -> bool:
        """Keep ``connection`` for the next packed call; ``False``: enough are kept, release it."""
        if len(self._idle) >= self._idle_limit:
            return False
        self._idle.append(connection)
        return True

    def _drop_idle(self) -> list[Any]:
        """Stop keeping connections; the ones this process may hand back to the pool."""
        idle, self._idle = self._idle, []
        return idle if self._idle_pid == os.getpid() else []

    def _indexed(self, reply: object) -> None:
        """Log an index write refused for a wrong-typed index key (the sweep retries it)."""
        if reply == -1:
            logger.error(
                "outbox index keys %s / %s have the wrong type: handoffs wait in their sessions' outboxes",
                self.keys.due,
                self.keys.where,
            )

    def _delete_call(self, tenant: str, session_id: str) -> list[str]:
        """KEYS of the delete script; forgets the cached copy."""
        key = self.keys.session(tenant, session_id)
        self._cache.forget(key)
        return [key, self.keys.history(tenant, session_id), self.keys.tombstone(tenant, session_id)]

    def _sweep_due(self) -> bool:
        now = time.monotonic()
        if self._last_sweep is not None and now - self._last_sweep < self.sweep_seconds:
            return False
        self._last_sweep = now
        return True


def _sync_client(url: str, *, cluster: bool | None) -> tuple[Any, Any]:
    """A client and the pool the store owns (``None`` for a cluster client, which owns its own)."""
    config = common.client_config(url, cluster=cluster)
    if config.cluster:
        return redis.cluster.RedisCluster.from_url(config.url, **config.options), None
    # A blocking pool: a burst larger than the pool waits for a connection
    # instead of failing; the bounded retry in the store is the only retry.
    pool = redis.BlockingConnectionPool.from_url(
        config.url, **config.options, **common.POOL_OPTIONS, retry=Retry(NoBackoff(), 0)
    )
    return redis.Redis(connection_pool=pool, retry=Retry(NoBackoff(), 0)), pool


def _async_client(url: str, *, cluster: bool | None) -> tuple[Any, Any]:
    """The asyncio counterpart of :func:`_sync_client`."""
    config = common.client_config(url, cluster=cluster)
    if config.cluster:
        return redis.asyncio.cluster.RedisCluster.from_url(config.url, **config.options), None
    pool = redis.asyncio.BlockingConnectionPool.from_url(
        config.url, **config.options, **common.POOL_OPTIONS, retry=AsyncRetry(NoBackoff(), 0)
    )
    return redis.asyncio.Redis(connection_pool=pool, retry=AsyncRetry(NoBackoff(), 0)), pool


def _is_wrongtype(exc: rex.ResponseError) -> bool:
    return str(exc).startswith("WRONGTYPE")


def _has_input(connection: Any) -> bool:
    # One poll() instead of redis-py's can_read (a timeout change, a recv and
    # a timeout change back; poll() is missing on Windows only). A connection
    # at rest has nothing to read, so anything readable means the server
    # closed it (EOF) or sent data nobody asked for; either way it is not fit
    # to carry the next command.
    if not hasattr(select, "poll"):
        return bool(connection.can_read())
    poller = select.poll()
    poller.register(connection._sock, select.POLLIN)
    return bool(poller.poll(0))


def _make_ready(connection: Any) -> None:
    """Reconnect a kept connection unless it is connected, clean and not marked for reconnect (as the pool would)."""
    if connection.is_connected and not connection.should_reconnect() and not _has_input(connection):
        return
    connection.disconnect()
    connection.connect()


async def _send_async(connection: Any, packed: bytes) -> None:
    """Write one packed command on a connected asyncio connection, as its ``send_packed_command`` would.

    redis-py bounds that write with ``asyncio.wait_for``, which wraps it in a
    new task every call (~15-20 µs of a turn's CPU on the bench machine); a
    write to a socket almost never waits. Here the write waits one loop
    iteration (``sleep(0)``, as the task's first step did) and then goes to
    the stream; only a write the transport had to buffer waits for
    ``drain()``, under ``asyncio.timeout`` with the connection's socket
    timeout: the same bound without the task. The iteration matters under
    load: the loop first runs the other requests that are ready, so their
    commands and Redis's replies travel in batches that one wake-up serves.
    Writing at once cost the HTTP bench's service 427-442 µs of CPU per
    request against 393-411 µs through redis-py; yielding first, 371-387 µs
    (alternating runs, one worker). On any failure (a cancellation included)
    the connection is disconnected and redis-py's own errors are raised, as
    there. A connection this does not know how to write to directly (not
    connected, health checks on, a redis-py without the stream writer) takes
    the public call.
    """
    writer = getattr(connection, "_writer", None)
    if not isinstance(writer, asyncio.StreamWriter) or not connection.is_connected or connection.health_check_interval:
        await connection.send_packed_command([packed])
        return
    try:
        await asyncio.sleep(0)
        writer.write(packed)
        if writer.transport.get_write_buffer_size():
            async with asyncio.timeout(connection.socket_timeout):
                await writer.drain()
    except TimeoutError:
        await connection.disconnect(nowait=True)
        raise rex.TimeoutError("Timeout writing to socket") from None
    except OSError as exc:
        await connection.disconnect(nowait=True)
        raise rex.ConnectionError(f"Error while writing to socket: {exc}") from exc
    except BaseException:
        await connection.disconnect(nowait=True)
        raise


async def _make_ready_async(connection: Any) -> None:
    """The asyncio counterpart of :func:`_make_ready` (its ``can_read`` only looks at buffers: no I/O)."""
    if connection.is_connected and not connection.should_reconnect() and not await connection.can_read():
        return
    await connection.disconnect()
    await connection.connect()


class RedisStore(_RedisStoreBase):
    """A :class:`~vpnfsm.types.SessionStore` on Redis or Redis Cluster (synchronous).

    Args:
        client: a ``redis.Redis`` or ``redis.cluster.RedisCluster`` (use
            :meth:`from_url` to build one with suitable timeouts).
        prefix: first part of every key, so several deployments can share a server.
        ttl_seconds: idle time after which a session expires; every turn resets it.
        history_cap: history entries kept per session (oldest dropped).
        sweep_seconds: how often :meth:`outbox_claim` runs the recovery sweep.
        session_cache: sessions whose last stored bytes (as saved or read)
            are kept in this process, so that the next turn skips its ``GET``
            (0 turns it off; see :meth:`load_speculative`).
        tombstone_seconds: how long after a session expired or was deleted its
            id is still known to have existed (see :meth:`ended`).
        clock: seconds since the epoch, used for quarantine key stamps.

    Every method raises :class:`~vpnfsm.errors.StoreUnavailable` when Redis
    cannot be reached after a short bounded retry.

    Example::

        bot = Assistant(store=RedisStore.from_url("redis://localhost:6379/0"))

    """

    _client_factory = staticmethod(_sync_client)

    def _call(self, operation: Callable[[], T]) -> T:
        # The short bounded retry: every Redis call of this store goes through here.
        for delay in (*common.RETRY_DELAYS, None):
            try:
                with common.translate_errors():
                    return operation()
            except StoreUnavailable:
                if delay is None:
                    raise
                time.sleep(delay)
        raise AssertionError("unreachable")

    def load(self, session_id: str, *, tenant: str) -> Session | None:
        """The stored session (one ``GET``), or ``None`` when unknown or expired.

        Raises:
            CorruptSession: the value was unreadable; it now lives under the
                error's ``quarantine_key`` and the next load returns ``None``.
            StoreUnavailable: Redis could not be reached.

        """
        key = self.keys.session(tenant, session_id)
        try:
            raw: bytes | None = self._call(lambda: self._get(key))
        except rex.ResponseError as exc:
            if not _is_wrongtype(exc):
                raise
            raw, detail = b"", "not a string value"
        else:
            if raw is None:
                return None
            session, detail = self._read(key, raw, tenant, session_id)
            if session is not None:
                return session
        qkey, keys = self._unreadable(key, tenant, session_id)
        if not self._call(lambda: self._quarantine_script(keys=keys, args=[raw])):
            # A turn replaced the unreadable value meanwhile: read what is there now.
            return self.load(session_id, tenant=tenant)
        logger.warning(
            "quarantined unreadable session as %s (%s)",
            qkey,
            detail,
            extra={"tenant": tenant, "session_id": session_id},
        )
        raise CorruptSession(key, quarantine_key=qkey, detail=detail)

    def load_speculative(self, session_id: str, *, tenant: str) -> Session | None:
        """The session as this process last saved or read it, else :meth:`load`.

        For a caller that saves with compare-and-set, as the facades do: the
        copy may be stale (another worker took a turn since), which the save
        then reports as a conflict, remembering the current value for the
        retry. Costs no round trip when the copy is there.

        Raises:
            CorruptSession, StoreUnavailable: as :meth:`load`, when it has to read.

        """
        cached = self._cached(tenant, session_id)
        return cached if cached is not None else self.load(session_id, tenant=tenant)

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """Compare-and-set in one ``EVALSHA``; see :meth:`vpnfsm.types.SessionStore.save`.

        Raises:
            StoreUnavailable: Redis could not be reached; nothing was written.

        """
        keys, args, written = self._save_call(session, expected_version, history, outbox)
        packed = self._packed(self._save_script, keys, args)
        try:
            reply = self._call(lambda: self._run(self._save_script, keys, args, packed))
        except StoreUnavailable:
            self._cache.forget(keys[0])  # it may or may not have run
            raise
        if not self._saved(keys, session, written, reply):
            return False
        if outbox:
            # A second call only for the rare handoff turn; if it is lost, the sweep repairs it.
            index_keys, index = [self.keys.due, self.keys.where], common.index_args(self.keys, outbox)
            index_packed = self._packed(self._index_script, index_keys, index)
            self._indexed(self._call(lambda: self._run(self._index_script, index_keys, index, index_packed)))
        return True

    def _run(self, script: Any, keys: Sequence[str], args: Sequence[bytes | str | int], packed: bytes | None) -> Any:
        # A turn's script: the packed EVALSHA when there is one, else redis-py's Script call.
        if packed is None:
            return script(keys=keys, args=args)
        try:
            return self._send_packed(packed)
        except rex.NoScriptError:  # a restarted or flushed server: load it, as redis-py's Script does
            self.client.script_load(script.script)
            return self._send_packed(packed)

    def _get(self, key: str) -> Any:
        # A load's GET: packed on the kept connection like the save (the same
        # reply, and WRONGTYPE raises the same ResponseError), through redis-py
        # on a client passed in or a cluster.
        if self._pool is None:
            return self.client.get(key)
        return self._send_packed(self._pack(["GET", key]))

    def _send_packed(self, packed: bytes) -> Any:
        # One command on a pooled connection, without redis-py's per-command
        # bookkeeping around it (~80 µs a call on the bench machine, more
        # than the round trip), on a connection kept from the last call when
        # there is one (see _take_idle). The connection's own send and read
        # disconnect it on any error, as redis-py's command path relies on
        # too; a disconnected one is kept all the same and reconnected on its
        # next use, as the pool does.
        pool = self._pool
        kept = self._take_idle()
        connection = pool.get_connection() if kept is None else kept
        try:
            if kept is not None:
                _make_ready(connection)
            connection.send_packed_command([packed])
            return connection.read_response()
        finally:
            if not self._keep_idle(connection):
                pool.release(connection)

    def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """The stored history, oldest first."""
        key = self.keys.history(tenant, session_id)
        raws: list[bytes] = self._call(lambda: self.client.lrange(key, 0, -1))
        return common.decode_history_list(raws)

    def delete(self, session_id: str, *, tenant: str) -> bool:
        """Remove a session and its history, leaving a tombstone (pending handoffs are still delivered)."""
        keys = self._delete_call(tenant, session_id)
        args = [int(self.tombstone_seconds * 1000)]
        removed: int = self._call(lambda: self._delete_script(keys=keys, args=args))
        return removed > 0

    def ended(self, session_id: str, *, tenant: str) -> bool:
        """Whether a session under this id expired or was deleted within ``tombstone_seconds`` (one ``EXISTS``)."""
        key = self.keys.tombstone(tenant, session_id)
        found: int = self._call(lambda: self.client.exists(key))
        return found > 0

    def ping(self) -> None:
        """Return when Redis answers ``PING``.

        Raises:
            StoreUnavailable: it does not.

        """
        self._call(lambda: self.client.ping())

    def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        """Lease up to ``limit`` due handoffs, each with a new fencing token; see :meth:`SessionStore.outbox_claim`.

        An unfinished lease comes back after ``lease_seconds`` (server clock).
        ``consumer`` is logged only: a lease belongs to whoever holds its token.
        """
        if self._sweep_due():
            self.outbox_recover()
        args = [limit, int(lease_seconds * 1000)]
        reply = self._call(lambda: self._claim_script(keys=self.keys.claim_keys(), args=args))
        triples = common.parse_claim(reply)
        if not triples:
            return []
        raws: list[bytes | None] = self._call(lambda: self._hget_many(triples))
        leases: list[OutboxLease] = []
        for (item_id, _, token), raw in zip(triples, raws, strict=True):
            item = common.outbox_item(raw)
            if item is None:  # delivered meanwhile, or unreadable: drop from the index
                self._call(partial(self._done_script, keys=self.keys.done_keys(), args=[item_id, token]))
                continue
            leases.append(OutboxLease.of(item, token))
        logger.debug("consumer %s leased %d outbox item(s)", consumer, len(leases))
        return leases

    def _hget_many(self, triples: list[tuple[str, str, int]]) -> list[bytes | None]:
        # One pipelined round trip; in a cluster redis-py splits it per node.
        # An item without a known outbox key reads as missing.
        located = [(item_id, key) for item_id, key, _ in triples if key]
        pipe = self.client.pipeline(transaction=False)
        for item_id, key in located:
            pipe.hget(key, item_id)
        found = dict(zip(located, pipe.execute() if located else [], strict=True))
        return [found.get((item_id, key)) for item_id, key, _ in triples]

    def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        """Extend the lease of ``token`` (server clock); ``False`` once it is lost."""
        args = [item_id, token, int(lease_seconds * 1000)]
        held: int = self._call(lambda: self._renew_script(keys=self.keys.renew_keys(), args=args))
        return held == 1

    def outbox_done(self, item_id: str, *, token: int) -> bool:
        """Mark a handoff delivered if ``token`` still holds it: never handed out again.

        The fenced index update comes first, the per-session copy second (another
        slot in a cluster): a crash in between leaves an unindexed copy that the
        recovery sweep re-indexes, and its next delivery finds the issue by label.
        """
        reply = self._call(lambda: self._done_script(keys=self.keys.done_keys(), args=[item_id, token]))
        held, key = common.parse_done(reply)
        if held and key:
            self._call(lambda: self.client.hdel(key, item_id))
        return held

    def outbox_recover(self) -> int:
        """Re-index outbox items whose index write was lost (a crash after the save).

        Scans every node for per-session outbox keys; idempotent. Returns the
        number of items seen. :meth:`outbox_claim` runs it every ``sweep_seconds``.
        """

        def sweep() -> int:
            seen = 0
            for key in self.client.scan_iter(match=self.keys.outbox_pattern(), count=500):
                items = [common.outbox_item(raw) for raw in self.client.hvals(key)]
                found = [item for item in items if item is not None]
                if found:
                    index = common.index_args(self.keys, found)
                    self._indexed(self._index_script(keys=[self.keys.due, self.keys.where], args=index))
                seen += len(found)
            return seen

        return self._call(sweep)

    def close(self) -> None:
        """Close the client's connections (and the pool :meth:`from_url` made)."""
        for connection in self._drop_idle():
            self._pool.release(connection)
        self.client.close()
        if self._pool is not None:
            self._pool.disconnect()


class AsyncRedisStore(_RedisStoreBase):
    """The asyncio twin of :class:`RedisStore` (an :class:`~vpnfsm.types.AsyncSessionStore`).

    Takes a ``redis.asyncio.Redis`` or ``redis.asyncio.cluster.RedisCluster``;
    same arguments, keys, scripts and semantics as the sync store.
    """

    _client_factory = staticmethod(_async_client)

    async def _call(self, operation: Callable[[], Awaitable[T]]) -> T:
        # The asyncio counterpart of RedisStore._call: same errors, same delays.
        for delay in (*common.RETRY_DELAYS, None):
            try:
                with common.translate_errors():
                    return await operation()
            except StoreUnavailable:
                if delay is None:
                    raise
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def load(self, session_id: str, *, tenant: str) -> Session | None:
        """See :meth:`RedisStore.load`."""
        key = self.keys.session(tenant, session_id)
        try:
            raw: bytes | None = await self._call(lambda: self._get(key))
        except rex.ResponseError as exc:
            if not _is_wrongtype(exc):
                raise
            raw, detail = b"", "not a string value"
        else:
            if raw is None:
                return None
            session, detail = self._read(key, raw, tenant, session_id)
            if session is not None:
                return session
        qkey, keys = self._unreadable(key, tenant, session_id)
        if not await self._call(lambda: self._quarantine_script(keys=keys, args=[raw])):
            return await self.load(session_id, tenant=tenant)
        logger.warning(
            "quarantined unreadable session as %s (%s)",
            qkey,
            detail,
            extra={"tenant": tenant, "session_id": session_id},
        )
        raise CorruptSession(key, quarantine_key=qkey, detail=detail)

    async def load_speculative(self, session_id: str, *, tenant: str) -> Session | None:
        """See :meth:`RedisStore.load_speculative`."""
        cached = self._cached(tenant, session_id)
        return cached if cached is not None else await self.load(session_id, tenant=tenant)

    async def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        """See :meth:`RedisStore.save`."""
        keys, args, written = self._save_call(session, expected_version, history, outbox)
        packed = self._packed(self._save_script, keys, args)
        try:
            reply = await self._call(lambda: self._run(self._save_script, keys, args, packed))
        except StoreUnavailable:
            self._cache.forget(keys[0])
            raise
        if not self._saved(keys, session, written, reply):
            return False
        if outbox:
            index_keys, index = [self.keys.due, self.keys.where], common.index_args(self.keys, outbox)
            index_packed = self._packed(self._index_script, index_keys, index)
            self._indexed(await self._call(lambda: self._run(self._index_script, index_keys, index, index_packed)))
        return True

    async def _run(
        self, script: Any, keys: Sequence[str], args: Sequence[bytes | str | int], packed: bytes | None
    ) -> Any:
        # The asyncio counterpart of RedisStore._run.
        if packed is None:
            return await script(keys=keys, args=args)
        try:
            return await self._send_packed(packed)
        except rex.NoScriptError:
            await self.client.script_load(script.script)
            return await self._send_packed(packed)

    async def _get(self, key: str) -> Any:
        # See RedisStore._get.
        if self._pool is None:
            return await self.client.get(key)
        return await self._send_packed(self._pack(["GET", key]))

    async def _send_packed(self, packed: bytes) -> Any:
        # See RedisStore._send_packed; a cancelled read disconnects too. The
        # event loop's single thread is what makes the kept list safe here.
        pool = self._pool
        kept = self._take_idle()
        connection = await pool.get_connection() if kept is None else kept
        try:
            if kept is not None:
                await _make_ready_async(connection)
            await _send_async(connection, packed)
            return await connection.read_response()
        finally:
            if not self._keep_idle(connection):
                await pool.release(connection)

    async def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        """See :meth:`RedisStore.history`."""
        key = self.keys.history(tenant, session_id)
        raws: list[bytes] = await self._call(lambda: self.client.lrange(key, 0, -1))
        return common.decode_history_list(raws)

    async def delete(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`RedisStore.delete`."""
        keys = self._delete_call(tenant, session_id)
        args = [int(self.tombstone_seconds * 1000)]
        removed: int = await self._call(lambda: self._delete_script(keys=keys, args=args))
        return removed > 0

    async def ended(self, session_id: str, *, tenant: str) -> bool:
        """See :meth:`RedisStore.ended`."""
        key = self.keys.tombstone(tenant, session_id)
        found: int = await self._call(lambda: self.client.exists(key))
        return found > 0

    async def ping(self) -> None:
        """See :meth:`RedisStore.ping`."""
        await self._call(lambda: self.client.ping())

    async def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        """See :meth:`RedisStore.outbox_claim`."""
        if self._sweep_due():
            await self.outbox_recover()
        args = [limit, int(lease_seconds * 1000)]
        reply = await self._call(lambda: self._claim_script(keys=self.keys.claim_keys(), args=args))
        triples = common.parse_claim(reply)
        if not triples:
            return []
        raws = await self._call(lambda: self._hget_many(triples))
        leases: list[OutboxLease] = []
        for (item_id, _, token), raw in zip(triples, raws, strict=True):
            item = common.outbox_item(raw)
            if item is None:
                await self._call(partial(self._done_script, keys=self.keys.done_keys(), args=[item_id, token]))
                continue
            leases.append(OutboxLease.of(item, token))
        logger.debug("consumer %s leased %d outbox item(s)", consumer, len(leases))
        return leases

    async def _hget_many(self, triples: list[tuple[str, str, int]]) -> list[bytes | None]:
        located = [(item_id, key) for item_id, key, _ in triples if key]
        pipe = self.client.pipeline(transaction=False)
        for item_id, key in located:
            pipe.hget(key, item_id)
        found = dict(zip(located, await pipe.execute() if located else [], strict=True))
        return [found.get((item_id, key)) for item_id, key, _ in triples]

    async def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        """See :meth:`RedisStore.outbox_renew`."""
        args = [item_id, token, int(lease_seconds * 1000)]
        held: int = await self._call(lambda: self._renew_script(keys=self.keys.renew_keys(), args=args))
        return held == 1

    async def outbox_done(self, item_id: str, *, token: int) -> bool:
        """See :meth:`RedisStore.outbox_done`."""
        reply = await self._call(lambda: self._done_script(keys=self.keys.done_keys(), args=[item_id, token]))
        held, key = common.parse_done(reply)
        if held and key:
            await self._call(lambda: self.client.hdel(key, item_id))
        return held

    async def outbox_recover(self) -> int:
        """See :meth:`RedisStore.outbox_recover`."""

        async def sweep() -> int:
            seen = 0
            async for key in self.client.scan_iter(match=self.keys.outbox_pattern(), count=500):
                items = [common.outbox_item(raw) for raw in await self.client.hvals(key)]
                found = [item for item in items if item is not None]
                if found:
                    index = common.index_args(self.keys, found)
                    self._indexed(await self._index_script(keys=[self.keys.due, self.keys.where], args=index))
                seen += len(found)
            return seen

        return await self._call(sweep)

    async def aclose(self) -> None:
        """Close the client's connections (and the pool :meth:`from_url` made)."""
        for connection in self._drop_idle():
            await self._pool.release(connection)
        await self.client.aclose()
        if self._pool is not None:
            await self._pool.disconnect()
