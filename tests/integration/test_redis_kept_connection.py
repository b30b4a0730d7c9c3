"""The connection a Redis store keeps checked out for its packed save, on a real server.

It must behave like a pooled one: re-made when the server dropped it, never
shared with a forked child, handed back to the pool on close, and at most
half the pool's connections are kept.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import pytest

from tests.integration._support import Driver, StubExtractor
from vpnfsm import Assistant, AsyncAssistant, AsyncRedisStore, RedisStore
from vpnfsm.store import _redis_common as common

pytestmark = pytest.mark.integration


def _connections_received(driver: Driver) -> int:
    return int(driver.raw.info("stats")["total_connections_received"])


def test_a_kept_connection_the_server_dropped_is_remade_without_a_retry(
    driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = driver.handle("vpn broken").session_id
    assert len(driver.store._idle) == 1
    driver.raw.client_kill_filter(_type="normal")  # every client but this one, as a restart or idle timeout would
    if driver.loop is not None:  # a service's loop runs all along and sees the EOF when it comes
        driver.loop.run_until_complete(asyncio.sleep(0.05))
    before = _connections_received(driver)
    monkeypatch.setattr(common, "RETRY_DELAYS", ())  # a failed attempt would now raise StoreUnavailable
    reply = driver.handle("windows", sid)
    assert reply.slots["os"] == "windows"
    assert _connections_received(driver) == before + 1  # the kept connection, made again
    assert len(driver.call("history", sid, tenant="default")) == 4


def test_close_hands_the_kept_connection_back_disconnected(driver: Driver) -> None:
    driver.handle("vpn broken")
    kept = driver.store._idle[0]
    assert kept.is_connected
    driver.call("close" if driver.kind == "sync" else "aclose")
    assert driver.store._idle == []
    assert not kept.is_connected
    if driver.kind == "sync":
        pool = driver.store._pool
        assert pool.pool.qsize() == pool.max_connections  # nothing left checked out


def test_at_most_the_kept_limit_stays_checked_out_after_a_burst(redis_url: str, prefix: str) -> None:
    store = RedisStore.from_url(redis_url, prefix=prefix)
    store._idle_limit = 2
    bot = Assistant(store=store, extractor=StubExtractor())
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def turns() -> None:
        try:
            start.wait()
            for _ in range(20):
                bot.handle("vpn broken")
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=turns) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    try:
        assert errors == []
        assert len(store._idle) <= 2
        pool = store._pool
        checked_out = pool.max_connections - pool.pool.qsize()
        assert checked_out == len(store._idle)  # the rest went back to the pool
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_never_uses_the_connection_its_parent_kept(redis_url: str, prefix: str) -> None:
    store = RedisStore.from_url(redis_url, prefix=prefix)
    bot = Assistant(store=store, extractor=StubExtractor())
    try:
        sid = bot.handle("vpn broken").session_id
        parent_end: Any = store._idle[0]._sock.getsockname()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report, never return into pytest
            verdict = b"0"
            try:
                reply = bot.handle("windows", sid)
                child_end = store._idle[0]._sock.getsockname()
                verdict = b"1" if reply.slots["os"] == "windows" and child_end != parent_end else b"2"
            finally:
                os.write(write_end, verdict)
                os._exit(0)
        os.close(write_end)
        os.waitpid(pid, 0)
        assert os.read(read_end, 1) == b"1"  # 2: it sent on the parent's socket; 0: it failed
        os.close(read_end)
        # The parent's socket was not shut down by the child: its next turn still uses it.
        reply = bot.handle("linux", sid)
        assert reply.session_id == sid
        assert store._idle[0]._sock.getsockname() == parent_end
    finally:
        store.close()


def _async_turns(redis_url: str, prefix: str, check: Any) -> None:
    """Two turns of one conversation on a fresh asyncio store; ``check(store)`` runs between them."""

    async def play() -> None:
        store = AsyncRedisStore.from_url(redis_url, prefix=prefix)
        bot = AsyncAssistant(store=store, extractor=StubExtractor())
        try:
            sid = (await bot.handle("vpn broken")).session_id
            check(store)
            reply = await bot.handle("windows", sid)
            assert reply.slots["os"] == "windows"
            assert len(await store.history(sid, tenant="default")) == 4
        finally:
            await store.aclose()

    asyncio.run(play())


def test_the_asyncio_store_writes_its_packed_commands_without_redis_pys_send(redis_url: str, prefix: str) -> None:
    # redis-py's send wraps every write in asyncio.wait_for (a task per call); the store's
    # own write must be the one taken on a connected, kept connection.
    def refuse_public_send(store: Any) -> None:
        (kept,) = store._idle
        assert kept.is_connected

        async def public_send(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("send_packed_command used on the packed path")

        kept.send_packed_command = public_send

    _async_turns(redis_url, prefix, refuse_public_send)


def test_a_connection_with_health_checks_takes_redis_pys_send(redis_url: str, prefix: str) -> None:
    # Health checks PING before a command when due: only redis-py's send does that.
    used: list[bytes] = []

    def health_checked(store: Any) -> None:
        (kept,) = store._idle
        kept.health_check_interval = 30
        inner = kept.send_packed_command

        async def public_send(command: Any, *args: Any, **kwargs: Any) -> None:
            data = command if isinstance(command, bytes) else b"".join(command)
            used.append(data.split(b"\r\n", 3)[2])
            await inner(command, *args, **kwargs)

        kept.send_packed_command = public_send

    _async_turns(redis_url, prefix, health_checked)
    assert b"EVALSHA" in used  # the save itself went through redis-py's send (with its PING, when due)


def test_a_failed_write_disconnects_and_the_turn_goes_through_on_a_new_connection(
    redis_url: str, prefix: str
) -> None:
    seen: list[Any] = []

    def broken_writer(store: Any) -> None:
        (kept,) = store._idle
        seen.append(kept)

        def write(data: bytes) -> None:
            raise ConnectionResetError("the peer went away")

        kept._writer.write = write

    _async_turns(redis_url, prefix, broken_writer)
    # The store's bounded retry took the turn; the broken connection was disconnected, not reused as it was.
    assert seen[0]._writer is None or "write" not in vars(seen[0]._writer)
