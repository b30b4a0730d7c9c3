"""The same stores against a real Redis Cluster: 3 masters + 3 replicas started by the fixtures."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.cluster import key_slot

from tests.integration._redis_procs import RedisCluster6
from tests.integration._support import StubExtractor
from vpnfsm import Assistant, AsyncAssistant, AsyncRedisStore, RedisStore, StoreUnavailable
from vpnfsm.store import _redis_common as common

pytestmark = pytest.mark.integration


def _raw(cluster: RedisCluster6) -> redis.cluster.RedisCluster:
    return redis.cluster.RedisCluster(host="127.0.0.1", port=cluster.live()[0].port)


def test_sessions_spread_over_slots_and_masters(cluster: RedisCluster6, prefix: str) -> None:
    store = RedisStore.from_url(cluster.url, prefix=prefix)
    bot = Assistant(store=store, extractor=StubExtractor())
    sids = [bot.handle("vpn broken", tenant="acme").session_id for _ in range(30)]
    keys = common.RedisKeys(prefix)
    slots = {key_slot(keys.session("acme", sid).encode()) for sid in sids}
    assert len(slots) >= 25  # random ids: a few may share a slot
    masters = {cluster.master_of(slot).port for slot in slots}
    assert len(masters) == 3
    for sid in sids:
        slot = key_slot(keys.session("acme", sid).encode())
        assert key_slot(keys.history("acme", sid).encode()) == slot
        assert key_slot(keys.outbox("acme", sid).encode()) == slot
        assert bot.handle("mac", sid, tenant="acme").slots["os"] == "macos"
        session = store.load(sid, tenant="acme")
        assert session is not None
        assert session.version == 2
    store.close()


def test_turns_corruption_and_outbox_on_cluster(cluster: RedisCluster6, driver_factory: Any, prefix: str) -> None:
    driver = driver_factory(cluster.url)
    raw = _raw(cluster)
    try:
        first = driver.handle("vpn down")
        assert driver.handle("linux", first.session_id).slots["os"] == "linux"
        assert len(driver.call("history", first.session_id, tenant="default")) == 4
        keys = common.RedisKeys(prefix)
        raw.set(keys.session("default", "broken"), b"{oops")
        assert driver.handle("hello", "broken").notice == "corrupt_session"
        handed = [driver.handle("vpn", tenant=f"c{i}").session_id for i in range(6)]
        for i, sid in enumerate(handed):
            assert driver.handle("agent", sid, tenant=f"c{i}").outcome == "handoff"
        items = driver.call("outbox_claim", "w", limit=50, lease_seconds=60)
        assert sorted(item.session_id for item in items) == sorted(handed)
        for item in items:
            assert driver.call("outbox_done", item.id, token=item.token)
        # The recovery sweep scans every master, and finds nothing left to deliver.
        assert driver.call("outbox_recover") == 0
        raw.delete(keys.due, keys.where)
        sid = driver.handle("vpn", tenant="late").session_id
        driver.handle("agent", sid, tenant="late")
        raw.delete(keys.due, keys.where)  # the index write "lost": the sweep finds it on its master
        assert driver.call("outbox_recover") == 1
        assert [i.session_id for i in driver.call("outbox_claim", "w", limit=5, lease_seconds=60)] == [sid]
    finally:
        raw.close()


def test_host_ids_and_wrong_typed_keys_on_cluster(cluster: RedisCluster6, driver_factory: Any, prefix: str) -> None:
    # Host thread ids map to one key-safe hash tag, so the save and quarantine
    # scripts stay single-slot on a cluster, wherever the slot lives.
    driver = driver_factory(cluster.url)
    raw = _raw(cluster)
    keys = common.RedisKeys(prefix)
    try:
        for sid in ("1712345678.123456", "19:abc@thread.v2", "!room:server", "{weird}*[id]?"):
            assert driver.handle("vpn broken", sid).notice is None
            assert driver.handle("linux", sid).slots["os"] == "linux"
        raw.delete(keys.history("default", "19:abc@thread.v2"))
        raw.sadd(keys.history("default", "19:abc@thread.v2"), "planted")
        reply = driver.handle("still down", "19:abc@thread.v2")
        assert reply.notice == "corrupt_session"
        assert raw.type(keys.history("default", "19:abc@thread.v2")) == b"list"
        assert driver.call("delete", "!room:server", tenant="default")
        assert driver.handle("hello", "!room:server").notice == "unknown_session"
    finally:
        raw.close()


def test_concurrent_turns_on_cluster(cluster: RedisCluster6, prefix: str) -> None:
    store = RedisStore.from_url(cluster.url, prefix=prefix, history_cap=1000)
    bot = Assistant(store=store, extractor=StubExtractor())
    errors: list[BaseException] = []

    def send(tag: str) -> None:
        try:
            for i in range(50):
                bot.handle(f"m {tag} {i}", "shared")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session = store.load("shared", tenant="default")
    assert session is not None
    assert session.version == 200
    assert sum(e.role == "user" for e in store.history("shared", tenant="default")) == 200
    store.close()


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[RedisCluster6]:
    """A cluster of its own, since the failover test kills a master."""
    nodes = RedisCluster6(tmp_path / "cluster")
    try:
        yield nodes.start()
    finally:
        nodes.stop()


def _wait_replicated(master_port: int, timeout: float = 10.0) -> None:
    # Replication is asynchronous: let replicas catch up before the "crash", so
    # the test measures failover, not Redis's documented async-replication window.
    client = redis.Redis(port=master_port)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            info = client.info("replication")
            offsets = [v["offset"] for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
            if offsets and all(o >= info["master_repl_offset"] for o in offsets):
                return
            time.sleep(0.05)
    finally:
        client.close()
    raise AssertionError("replica did not catch up")


# redis-py's cluster client drops the connection pools of a failed-over node
# without closing their sockets (a ResourceWarning when they are collected);
# the test collects them itself so that the warning is scoped to this test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_master_killed_replica_takes_over_conversations_continue(own_cluster: RedisCluster6) -> None:
    store = RedisStore.from_url(own_cluster.url, prefix="fo")
    bot = Assistant(store=store, extractor=StubExtractor())
    keys = common.RedisKeys("fo")
    sids = [bot.handle("vpn broken").session_id for _ in range(12)]
    victim = own_cluster.master_of(key_slot(keys.session("default", sids[0]).encode()))
    on_victim = [s for s in sids if own_cluster.master_of(key_slot(keys.session("default", s).encode())) == victim]
    _wait_replicated(victim.port)
    victim.kill()

    deadline = time.monotonic() + 30.0  # the bounded wait for the failover
    unavailable = 0
    while True:
        try:
            reply = bot.handle("windows", on_victim[0])
            break
        except StoreUnavailable:
            unavailable += 1
            assert time.monotonic() < deadline, "no replica took over within 30 s"
            time.sleep(0.2)
    assert reply.slots["os"] == "windows"
    assert reply.notice is None  # the session survived on the promoted replica
    # The node asked for CLUSTER SLOTS may learn of the promotion by gossip a
    # moment after the client was redirected: poll its view, bounded.
    slot = key_slot(keys.session("default", on_victim[0]).encode())
    view_deadline = time.monotonic() + 10.0
    while own_cluster.master_of(slot).port == victim.port:
        assert time.monotonic() < view_deadline, "the cluster still names the dead master after 10 s"
        time.sleep(0.1)
    for sid in sids:
        if sid != on_victim[0]:
            assert bot.handle("windows", sid).notice is None
        session = store.load(sid, tenant="default")
        assert session is not None
        assert session.version == 2
        assert session.slots["os"] == "windows"
    store.close()
    del store, bot
    gc.collect()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_async_store_survives_failover(own_cluster: RedisCluster6) -> None:
    keys = common.RedisKeys("afo")

    async def main() -> None:
        store = AsyncRedisStore.from_url(own_cluster.url, prefix="afo")
        bot = AsyncAssistant(store=store, extractor=StubExtractor())
        sids = [(await bot.handle("vpn broken")).session_id for _ in range(6)]
        victim = own_cluster.master_of(key_slot(keys.session("default", sids[0]).encode()))
        _wait_replicated(victim.port)
        victim.kill()
        deadline = time.monotonic() + 30.0
        while True:
            try:
                reply = await bot.handle("linux", sids[0])
                break
            except StoreUnavailable:
                assert time.monotonic() < deadline, "no replica took over within 30 s"
                await asyncio.sleep(0.2)
        assert reply.notice is None
        assert reply.slots["os"] == "linux"
        for sid in sids[1:]:
            assert (await bot.handle("linux", sid)).notice is None
        for sid in sids:
            session = await store.load(sid, tenant="default")
            assert session is not None
            assert session.version == 2
        await store.aclose()

    asyncio.run(main())
    gc.collect()
