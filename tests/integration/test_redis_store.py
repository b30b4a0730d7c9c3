"""The Redis stores against a real standalone server, each test on the sync and asyncio twin."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from redis.cluster import key_slot

from tests.integration._support import Driver, StubExtractor
from vpnfsm import Assistant, AsyncRedisStore, RedisStore, StoreUnavailable
from vpnfsm.session import OutboxItem, Session
from vpnfsm.store import _redis_common as common
from vpnfsm.store import redis as redis_store_module

pytestmark = pytest.mark.integration


def _keys(prefix: str, sid: str, tenant: str = "default") -> tuple[str, str]:
    keys = common.RedisKeys(prefix)
    return keys.session(tenant, sid), keys.history(tenant, sid)


def _stored_version(driver: Driver, sid: str, tenant: str = "default") -> int:
    """The version counter as Redis holds it (read past the store and its cache)."""
    raw = driver.raw.get(_keys(driver.options["prefix"], sid, tenant)[0])
    assert raw is not None
    return int(json.loads(raw)["version"])


def test_turns_save_session_history_and_version(driver: Driver, prefix: str) -> None:
    first = driver.handle("my vpn is broken", tenant="acme")
    assert first.new_session
    assert first.state == "VPN_ASK_OS"
    second = driver.handle("windows 11", first.session_id, tenant="acme")
    assert second.slots["os"] == "windows"
    session = driver.call("load", first.session_id, tenant="acme")
    assert session.version == 2
    assert session.state == second.state
    history = driver.call("history", first.session_id, tenant="acme")
    assert [entry.role for entry in history] == ["user", "bot", "user", "bot"]
    assert history[2].text == "windows 11"
    skey, hkey = _keys(prefix, first.session_id, "acme")
    assert key_slot(skey.encode()) == key_slot(hkey.encode())
    assert skey.startswith(f"{prefix}:{{acme:{first.session_id}}}")


def test_stale_expected_version_changes_nothing(driver: Driver, prefix: str) -> None:
    reply = driver.handle("vpn down")
    session = driver.call("load", reply.session_id, tenant="default")
    before = driver.raw.get(_keys(prefix, reply.session_id)[0])
    stale = session.model_copy(update={"version": 5, "state": "VPN_HANDOFF"})
    assert driver.call("save", stale, expected_version=0) is False
    assert driver.call("save", stale, expected_version=4) is False
    assert driver.raw.get(_keys(prefix, reply.session_id)[0]) == before
    assert len(driver.call("history", reply.session_id, tenant="default")) == 2
    fresh = session.model_copy(update={"version": 2})
    assert driver.call("save", fresh, expected_version=1) is True
    # Saving the very same value again is recognised as the earlier write (a retried call).
    assert driver.call("save", fresh, expected_version=1) is True


def test_every_session_key_has_the_ttl_and_expiry_starts_fresh(driver_factory: Any, prefix: str) -> None:
    driver = driver_factory(ttl_seconds=1.0)
    reply = driver.handle("vpn please")
    skey, hkey = _keys(prefix, reply.session_id)
    ttls = [driver.raw.pttl(skey), driver.raw.pttl(hkey)]
    assert all(0 < ttl <= 1000 for ttl in ttls), ttls
    assert abs(ttls[0] - ttls[1]) < 50
    time.sleep(0.6)
    driver.handle("windows", reply.session_id)  # a turn resets the TTL of every key
    assert driver.raw.pttl(skey) > 700
    assert driver.raw.pttl(hkey) > 700
    time.sleep(1.1)
    assert driver.raw.exists(skey, hkey) == 0
    later = driver.handle("hello again", reply.session_id)
    assert later.new_session
    assert later.notice == "unknown_session"
    assert "expired" in later.reply
    assert driver.call("load", reply.session_id, tenant="default").version == 1


def test_history_is_capped_newest_kept(driver_factory: Any) -> None:
    driver = driver_factory(history_cap=5)
    sid = driver.handle("hello 0").session_id
    for i in range(1, 6):
        driver.handle(f"hello {i}", sid)
    history = driver.call("history", sid, tenant="default")
    assert len(history) == 5
    assert history[-2].text == "hello 5"
    assert driver.call("load", sid, tenant="default").version == 6


@pytest.mark.parametrize(
    "raw",
    [b"\x00\xffnot json", b'{"schema": 99, "id": "x"}', b"[1, 2, 3]", b'{"schema": 1, "id": 5}'],
    ids=["bytes", "future-schema", "not-object", "invalid"],
)
def test_corrupt_value_is_quarantined_and_conversation_continues(driver: Driver, prefix: str, raw: bytes) -> None:
    sid = "corrupt-" + prefix
    skey, hkey = _keys(prefix, sid)
    driver.raw.set(skey, raw)
    driver.raw.rpush(hkey, b'{"at": 1, "role": "user", "text": "old line"}')
    reply = driver.handle("vpn broken", sid)
    assert reply.notice == "corrupt_session"
    assert reply.new_session
    quarantined = driver.raw.keys(f"{prefix}:{{default:{sid}}}:quarantine:*")
    values = {key: driver.raw.type(key) for key in quarantined}
    strings = [key for key, kind in values.items() if kind == b"string"]
    assert len(strings) == 1
    assert driver.raw.get(strings[0]) == raw
    assert driver.raw.ttl(strings[0]) == -1  # kept until an operator looks
    assert driver.raw.lrange(strings[0] + b":h", 0, -1) == [b'{"at": 1, "role": "user", "text": "old line"}']
    following = driver.handle("windows", sid)
    assert following.notice is None
    assert following.slots["os"] == "windows"
    assert driver.call("load", sid, tenant="default").version == 2
    assert [e.text for e in driver.call("history", sid, tenant="default") if e.role == "user"] == [
        "vpn broken",
        "windows",
    ]


def test_wrong_type_under_session_key_is_quarantined(driver: Driver, prefix: str) -> None:
    sid = "wrongtype"
    skey, _ = _keys(prefix, sid)
    driver.raw.hset(skey, "field", "value")
    reply = driver.handle("hi", sid)
    assert reply.notice == "corrupt_session"
    (qkey,) = driver.raw.keys(f"{prefix}:{{default:{sid}}}:quarantine:*")
    assert driver.raw.hgetall(qkey) == {b"field": b"value"}
    assert driver.call("load", sid, tenant="default").version == 1


def test_older_schema_is_migrated_on_load(driver: Driver, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the current format is schema 2, whose step from 1 renames an old field.
    from vpnfsm.store import _codec

    def one_to_two(data: dict[str, Any]) -> dict[str, Any]:
        data["last_intent"] = data.pop("intent_v1")
        return data

    monkeypatch.setattr(_codec, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(_codec._MIGRATIONS, 1, one_to_two)
    old = b'{"schema":1,"id":"old","version":3,"created_at":1.0,"updated_at":2.0,"intent_v1":"vpn"}'
    driver.raw.set(_keys(prefix, "old")[0], old)
    loaded = driver.call("load", "old", tenant="default")
    assert loaded.schema_ == 2
    assert loaded.last_intent == "vpn"
    assert loaded.version == 3
    assert driver.handle("hello", "old").notice is None
    stored = Session.load_json(driver.raw.get(_keys(prefix, "old")[0]))
    assert stored.schema_ == 2  # the next save writes the current schema
    assert stored.version == 4


def test_delete_removes_session_and_history(driver: Driver, prefix: str) -> None:
    sid = driver.handle("vpn").session_id
    assert driver.call("delete", sid, tenant="default") is True
    assert driver.raw.exists(*_keys(prefix, sid)) == 0
    assert driver.call("delete", sid, tenant="default") is False


def _handoff(driver: Driver, tenant: str = "default") -> str:
    sid = driver.handle("vpn is down", tenant=tenant).session_id
    reply = driver.handle("agent please", sid, tenant=tenant)
    assert reply.outcome == "handoff"
    return sid


def test_outbox_item_written_with_the_handoff_and_leased(driver: Driver, prefix: str) -> None:
    sid = _handoff(driver)
    outbox_key = common.RedisKeys(prefix).outbox("default", sid)
    assert key_slot(outbox_key.encode()) == key_slot(_keys(prefix, sid)[0].encode())
    assert driver.raw.ttl(outbox_key) == -1  # pending deliveries outlive the session TTL
    items = driver.call("outbox_claim", "worker-a", limit=10, lease_seconds=0.5)
    assert [item.session_id for item in items] == [sid]
    assert '"reference"' in items[0].payload
    assert driver.call("outbox_claim", "worker-b", limit=10, lease_seconds=0.5) == []
    time.sleep(0.6)  # worker-a "died": the lease runs out and the item comes back
    again = driver.call("outbox_claim", "worker-b", limit=10, lease_seconds=30)
    assert [item.id for item in again] == [items[0].id]
    assert not driver.call("outbox_done", items[0].id, token=items[0].token)  # worker-a was fenced out
    assert driver.call("outbox_done", again[0].id, token=again[0].token)
    time.sleep(0.05)
    assert driver.call("outbox_claim", "worker-c", limit=10, lease_seconds=0.01) == []
    assert driver.raw.exists(outbox_key) == 0
    # Another message after the handoff enqueues nothing new.
    driver.handle("any news?", sid)
    assert driver.call("outbox_claim", "worker-c", limit=10, lease_seconds=1) == []


def test_outbox_index_lost_after_save_is_recovered(driver: Driver, prefix: str) -> None:
    sid = _handoff(driver)
    keys = common.RedisKeys(prefix)
    driver.raw.delete(keys.due, keys.where)  # as if the process died between save and index
    # The first claim of a store runs the recovery sweep, so the item is found.
    items = driver.call("outbox_claim", "w", limit=10, lease_seconds=60)
    assert [item.session_id for item in items] == [sid]
    driver.raw.delete(keys.due, keys.where)
    assert driver.call("outbox_claim", "w", limit=10, lease_seconds=60) == []  # no sweep yet
    assert driver.call("outbox_recover") == 1
    again = driver.call("outbox_claim", "w", limit=10, lease_seconds=60)
    assert [item.id for item in again] == [items[0].id]
    assert driver.call("outbox_done", again[0].id, token=again[0].token)
    assert driver.call("outbox_recover") == 0
    assert driver.call("outbox_claim", "w", limit=10, lease_seconds=60) == []


def test_outbox_claim_respects_limit_and_order(driver: Driver) -> None:
    sids = [_handoff(driver, tenant=f"t{i}") for i in range(3)]
    first = driver.call("outbox_claim", "w", limit=2, lease_seconds=30)
    second = driver.call("outbox_claim", "w", limit=2, lease_seconds=30)
    assert [i.session_id for i in first + second] == sids
    assert isinstance(first[0], OutboxItem)
    assert first[0].tenant == "t0"
    assert [lease.token for lease in first + second] == sorted({lease.token for lease in first + second})


def test_lost_lease_is_fenced_out_of_renew_and_done(driver: Driver, prefix: str) -> None:
    """Regression: a worker whose lease ran out could still record the item (no fencing token)."""
    sid = _handoff(driver)
    keys = common.RedisKeys(prefix)
    (old,) = driver.call("outbox_claim", "a", limit=10, lease_seconds=0.3)
    assert driver.call("outbox_renew", old.id, token=old.token, lease_seconds=0.3)
    time.sleep(0.4)
    assert driver.call("outbox_renew", old.id, token=old.token, lease_seconds=0.3)  # expired, not retaken
    time.sleep(0.4)
    (new,) = driver.call("outbox_claim", "b", limit=10, lease_seconds=30)
    assert new.token > old.token
    assert not driver.call("outbox_renew", old.id, token=old.token, lease_seconds=30)
    assert not driver.call("outbox_done", old.id, token=old.token)
    assert driver.raw.exists(keys.outbox("default", sid)) == 1  # the fenced-out done changed nothing
    assert driver.call("outbox_renew", new.id, token=new.token, lease_seconds=30)
    assert driver.call("outbox_done", new.id, token=new.token)
    assert not driver.call("outbox_done", new.id, token=new.token)
    assert driver.raw.exists(keys.outbox("default", sid)) == 0
    assert driver.raw.hlen(keys.lease) == 0
    assert driver.raw.zcard(keys.due) == 0


def test_unreachable_redis_raises_store_unavailable_quickly(driver_factory: Any) -> None:
    from tests.integration._redis_procs import free_port

    driver = driver_factory(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        driver.handle("vpn")
    assert time.monotonic() - started < 3.0
    assert info.value.__cause__ is not None
    with pytest.raises(StoreUnavailable):
        driver.call("ping")


def test_from_url_builds_working_assistant(redis_url: str, prefix: str) -> None:
    store = RedisStore.from_url(redis_url, prefix=prefix)
    try:
        bot = Assistant(store=store, extractor=StubExtractor())
        reply = bot.handle("vpn")
        assert bot.handle("mac", reply.session_id).slots["os"] == "macos"
        store.ping()
    finally:
        store.close()
    with pytest.raises(ValueError, match="not a Redis URL"):
        RedisStore.from_url("http://localhost")
    assert isinstance(AsyncRedisStore.from_url(redis_url), AsyncRedisStore)


def _command_name(packed: Any) -> str:
    """The command name in what a connection sends (RESP: ``*N``, ``$len``, name, ...)."""
    data = packed.encode() if isinstance(packed, str) else packed if isinstance(packed, bytes) else b"".join(packed)
    return data.split(b"\r\n", 3)[2].decode()


@contextmanager
def _commands_sent(driver: Driver) -> Iterator[list[str]]:
    """The Redis commands the driver's store sends inside the block (one per round trip).

    Counted where every command leaves: ``send_packed_command`` of each connection the
    store's pool hands out, and of those the store keeps checked out for its packed save,
    so redis-py's command path and the packed save are both seen, in order (a pipeline
    would count once, as the one round trip it is). The asyncio store writes its packed
    commands itself (``_send_async``): those are counted there, once.
    """
    pool = driver.store.client.connection_pool
    sent: list[str] = []
    wrapped: list[Any] = []
    original_get = pool.get_connection
    original_send_async = redis_store_module._send_async
    in_send_async = [False]

    async def send_async(connection: Any, packed: bytes) -> None:
        sent.append(_command_name(packed))
        in_send_async[0] = True
        try:
            await original_send_async(connection, packed)
        finally:
            in_send_async[0] = False

    def counted(connection: Any) -> Any:
        if "send_packed_command" not in vars(connection):
            inner = connection.send_packed_command

            def counting(command: Any, *args: Any, **kwargs: Any) -> Any:
                if not in_send_async[0]:  # its fallback to the public call: counted above
                    sent.append(_command_name(command))
                return inner(command, *args, **kwargs)

            connection.send_packed_command = counting
            wrapped.append(connection)
        return connection

    for kept in driver.store._idle:
        counted(kept)
    if driver.kind == "async":

        async def get_connection_async(*args: Any, **kwargs: Any) -> Any:
            return counted(await original_get(*args, **kwargs))

        pool.get_connection = get_connection_async
    else:

        def get_connection(*args: Any, **kwargs: Any) -> Any:
            return counted(original_get(*args, **kwargs))

        pool.get_connection = get_connection
    redis_store_module._send_async = send_async
    try:
        yield sent
    finally:
        redis_store_module._send_async = original_send_async
        del pool.get_connection
        for connection in wrapped:
            del connection.send_packed_command


def test_a_turn_after_this_process_saved_is_one_round_trip(driver: Driver) -> None:
    with _commands_sent(driver) as opening:
        sid = driver.handle("vpn broken").session_id  # an id the facade made up: nothing to read
    assert opening == ["EVALSHA"]
    with _commands_sent(driver) as sent:
        reply = driver.handle("windows", sid)
    assert sent == ["EVALSHA"]
    assert reply.slots["os"] == "windows"
    assert _stored_version(driver, sid) == 2


def test_a_server_that_lost_its_scripts_is_sent_the_save_script_again(driver: Driver) -> None:
    sid = driver.handle("vpn broken").session_id
    driver.raw.script_flush()  # as after a restart or failover
    with _commands_sent(driver) as sent:
        reply = driver.handle("windows", sid)
    assert sent == ["EVALSHA", "SCRIPT", "EVALSHA"]  # NOSCRIPT, SCRIPT LOAD, then the save
    assert reply.slots["os"] == "windows"
    assert _stored_version(driver, sid) == 2


def test_a_turn_on_a_session_this_process_has_not_seen_is_two_round_trips(
    driver: Driver, driver_factory: Any
) -> None:
    sid = driver.handle("vpn broken").session_id
    other_worker = driver_factory()
    with _commands_sent(other_worker) as sent:
        reply = other_worker.handle("windows", sid)
    assert sent == ["GET", "EVALSHA"]
    assert reply.slots["os"] == "windows"
    assert reply.notice is None


def test_without_the_session_cache_every_turn_reads_first(driver_factory: Any) -> None:
    driver = driver_factory(session_cache=0)
    sid = driver.handle("vpn broken").session_id
    with _commands_sent(driver) as sent:
        driver.handle("windows", sid)
    assert sent == ["GET", "EVALSHA"]


def test_a_stale_copy_costs_one_conflict_and_loses_nothing(driver: Driver, driver_factory: Any) -> None:
    # Two workers alternate on one conversation: each one's copy is stale by
    # the other's turn. The conflict reply carries the current value, so the
    # retry needs no GET, and both turns end up in the stored session.
    worker_a, worker_b = driver, driver_factory()
    sid = worker_a.handle("vpn broken").session_id
    worker_b.handle("windows", sid)  # worker A's copy is now one version behind
    with _commands_sent(worker_a) as sent:
        reply = worker_a.handle("what next", sid)
    assert sent == ["EVALSHA", "EVALSHA"]
    assert reply.slots["os"] == "windows"  # worker B's answer was applied before A's message
    assert _stored_version(worker_a, sid) == 3
    user_lines = [e.text for e in worker_a.call("history", sid, tenant="default") if e.role == "user"]
    assert user_lines == ["vpn broken", "windows", "what next"]


def test_workers_taking_turns_stop_guessing_and_sticky_ones_start_again(
    driver: Driver, driver_factory: Any
) -> None:
    worker_a, worker_b = driver, driver_factory()
    sid = worker_a.handle("vpn broken").session_id
    worker_b.handle("what", sid)
    worker_a.handle("what", sid)  # stale copy: one failed save, retried on its reply
    worker_b.handle("what", sid)  # the same for worker B
    with _commands_sent(worker_a) as alternating:
        worker_a.handle("what", sid)
    # Seen to be shared: worker A reads first instead of failing a save every turn.
    assert alternating == ["GET", "EVALSHA"]
    with _commands_sent(worker_a) as sticky:
        worker_a.handle("what", sid)  # its read finds its own last write: trusted again
        worker_a.handle("windows", sid)
    assert sticky == ["GET", "EVALSHA", "EVALSHA"]
    assert _stored_version(worker_a, sid) == 7


def test_a_session_deleted_elsewhere_is_not_continued_from_the_copy(
    driver: Driver, prefix: str
) -> None:
    sid = driver.handle("vpn broken").session_id
    driver.raw.delete(_keys(prefix, sid)[0])  # as if expired or removed by another worker
    reply = driver.handle("windows", sid)
    assert reply.notice == "unknown_session"
    assert _stored_version(driver, sid) == 1


def test_a_session_corrupted_elsewhere_is_quarantined_despite_the_copy(
    driver: Driver, prefix: str
) -> None:
    sid = driver.handle("vpn broken").session_id
    driver.raw.set(_keys(prefix, sid)[0], b"{not json")
    reply = driver.handle("windows", sid)
    assert reply.notice == "corrupt_session"
    quarantined = list(driver.raw.scan_iter(match=f"{prefix}:{{default:{sid}}}:quarantine:*"))
    assert [driver.raw.get(k) for k in quarantined if not k.endswith(b":h")] == [b"{not json"]


def test_the_copy_is_bounded_and_dropped_on_delete(driver_factory: Any) -> None:
    driver = driver_factory(session_cache=2)
    sids = [driver.handle("vpn broken").session_id for _ in range(3)]
    assert len(driver.store._cache) == 2
    driver.call("delete", sids[-1], tenant="default")
    assert len(driver.store._cache) == 1
    with _commands_sent(driver) as sent:
        driver.handle("windows", sids[0])  # the oldest copy was evicted
    assert sent == ["GET", "EVALSHA"]


def test_value_replaced_while_quarantining_is_loaded_not_moved(driver: Driver, prefix: str) -> None:
    import inspect

    sid = driver.handle("vpn broken").session_id
    store = driver.store
    original = store._get  # the load's GET (packed on the store's own connection)
    calls: list[str] = []

    def stale_first(key: str) -> Any:
        # The first read sees garbage that a concurrent turn has already replaced.
        calls.append(key)
        result = original(key)
        if len(calls) > 1:
            return result
        if inspect.isawaitable(result):

            async def garbage() -> bytes:
                await result
                return b"garbage"

            return garbage()
        return b"garbage"

    store._get = stale_first
    try:
        session = driver.call("load", sid, tenant="default")
    finally:
        del store._get
    assert session.version == 1
    assert len(calls) == 2
    assert driver.raw.keys(f"{prefix}:*quarantine*") == []


def test_the_next_turn_gets_the_object_this_turn_saved_and_never_a_stale_one(
    driver: Driver, driver_factory: Any
) -> None:
    sid = driver.handle("vpn broken").session_id
    key = _keys(driver.options["prefix"], sid)[0]
    entry = driver.store._cache._entries[key]
    kept = entry.kept
    assert kept is not None  # handed over by the facade after its save
    assert entry.raw == driver.raw.get(key)
    assert driver.call("load_speculative", sid, tenant="default") is kept
    assert driver.call("load_speculative", sid, tenant="default") is not kept  # once
    other_worker = driver_factory()
    other_worker.handle("windows", sid)
    reply = driver.handle("what next", sid)  # its copy is stale: a conflict, then the current value
    assert reply.slots["os"] == "windows"
    assert _stored_version(driver, sid) == 3
