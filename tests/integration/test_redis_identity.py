"""Issue 11 store regressions on real Redis, sync and asyncio: identity, all-or-nothing, validation, host ids.

Each test is named after what broke on main. Figures (trials, resurrections)
are in the assertion messages, so they show without ``-s``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from redis.cluster import key_slot

from tests.integration._support import Driver
from vpnfsm.errors import CorruptSession
from vpnfsm.store import _redis_common as common

pytestmark = pytest.mark.integration


def _skey(driver: Driver, sid: str, tenant: str = "default") -> str:
    return common.RedisKeys(driver.options["prefix"]).session(tenant, sid)


def _quarantined(driver: Driver, sid: str, suffix: str = "") -> dict[bytes, Any]:
    keys = common.RedisKeys(driver.options["prefix"])
    tag = keys.session("default", sid)[: -len(":s")]
    found = driver.raw.scan_iter(match=tag.replace("{", "[{]").replace("}", "[}]") + ":quarantine:*")
    return {k: driver.raw.type(k) for k in found if k.endswith(suffix.encode())}


def test_delete_then_stale_copy_on_another_worker_resurrected_the_session(
    driver: Driver, driver_factory: Any
) -> None:
    host_a, host_b = driver, driver_factory()
    trials, resurrected = 200, 0
    for n in range(trials):
        sid = f"trial-{n}"
        host_b.handle(f"vpn broken, secret project {n}", sid)  # B remembers version 1
        assert host_a.call("delete", sid, tenant="default")
        host_a.handle("hi", sid)  # a new conversation, version 1 again
        host_b.handle("windows", sid)  # B's copy is of the deleted conversation
        stored = json.loads(driver.raw.get(_skey(driver, sid)))
        if stored.get("flow") is not None or any("secret project" in t["text"] for t in stored["tail"]):
            resurrected += 1
    assert resurrected == 0, f"{resurrected} resurrections in {trials} trials"


def test_quarantine_then_stale_copy_on_another_worker_resurrected_the_session(
    driver: Driver, driver_factory: Any
) -> None:
    host_a, host_b = driver, driver_factory()
    host_b.handle("vpn down since this morning", "q-1")
    driver.raw.set(_skey(driver, "q-1"), b"\x00not json")
    assert host_a.handle("hello", "q-1").notice == "corrupt_session"
    host_b.handle("windows", "q-1")
    stored = json.loads(driver.raw.get(_skey(driver, "q-1")))
    assert stored.get("flow") is None
    assert [t["text"] for t in stored["tail"]] == ["hello", "windows"]


def test_cached_copy_was_trusted_over_a_hand_edited_value(driver: Driver) -> None:
    driver.handle("vpn broken", "edit-1")
    driver.handle("windows", "edit-1")
    key = _skey(driver, "edit-1")
    value = json.loads(driver.raw.get(key))
    value["slots"]["os"] = "linux"  # an operator's correction, version unchanged
    driver.raw.set(key, json.dumps(value), keepttl=True)
    reply = driver.handle("what now", "edit-1")
    assert reply.slots["os"] == "linux"
    assert json.loads(driver.raw.get(key))["slots"]["os"] == "linux"


# -- all-or-nothing save ------------------------------------------------------------------------


def test_wrong_typed_history_key_advanced_the_session_and_answered_500(driver: Driver) -> None:
    driver.handle("vpn broken", "wt-h")
    keys = common.RedisKeys(driver.options["prefix"])
    before = driver.raw.get(keys.session("default", "wt-h"))
    driver.raw.delete(keys.history("default", "wt-h"))
    driver.raw.sadd(keys.history("default", "wt-h"), "planted")
    session = driver.call("load", "wt-h", tenant="default")
    session.version += 1
    with pytest.raises(CorruptSession) as caught:
        driver.call("save", session, expected_version=1)
    assert "history" in caught.value.detail
    assert driver.raw.exists(keys.session("default", "wt-h")) == 0  # moved aside, not overwritten
    quarantine = caught.value.quarantine_key
    assert quarantine is not None
    assert driver.raw.get(quarantine) == before  # the save wrote nothing
    assert driver.raw.smembers(quarantine + ":h") == {b"planted"}
    reply = driver.handle("windows", "wt-h")  # the next turn: a fresh session, no 500
    assert reply.new_session
    assert reply.notice == "unknown_session"  # the earlier conversation existed and is gone
    assert driver.raw.type(keys.history("default", "wt-h")) == b"list"


def test_wrong_typed_history_key_mid_turn_answers_a_fresh_session_with_a_notice(driver: Driver) -> None:
    driver.handle("vpn broken", "wt-h2")
    keys = common.RedisKeys(driver.options["prefix"])
    driver.raw.delete(keys.history("default", "wt-h2"))
    driver.raw.hset(keys.history("default", "wt-h2"), "x", "y")
    reply = driver.handle("windows", "wt-h2")
    assert reply.notice == "corrupt_session"
    stored = json.loads(driver.raw.get(keys.session("default", "wt-h2")))
    assert stored["version"] == 1
    assert [t["text"] for t in stored["tail"]] == ["windows"]
    assert list(_quarantined(driver, "wt-h2", ":h").values()) == [b"hash"]


def test_wrong_typed_outbox_key_left_a_handoff_without_its_delivery_job(driver: Driver) -> None:
    driver.handle("vpn broken", "wt-o")
    keys = common.RedisKeys(driver.options["prefix"])
    driver.raw.set(keys.outbox("default", "wt-o"), "planted")
    reply = driver.handle("agent please", "wt-o")  # the handoff turn
    assert reply.notice == "corrupt_session"
    assert reply.handoff
    outbox = driver.raw.hgetall(keys.outbox("default", "wt-o"))
    assert len(outbox) == 1  # the handoff's delivery job exists, in a fresh outbox hash
    quarantined = _quarantined(driver, "wt-o", ":o")
    assert list(quarantined.values()) == [b"string"]
    assert [driver.raw.get(k) for k in quarantined] == [b"planted"]
    items = driver.call("outbox_claim", "w1", limit=10, lease_seconds=30)
    assert [item.session_id for item in items] == ["wt-o"]


def test_wrong_typed_outbox_index_key_writes_nothing_to_the_index(driver: Driver) -> None:
    keys = common.RedisKeys(driver.options["prefix"])
    driver.raw.set(keys.due, "planted")
    driver.handle("vpn broken", "wt-i")
    reply = driver.handle("agent please", "wt-i")
    assert reply.handoff  # the turn is saved with its item in the per-session outbox
    assert len(driver.raw.hgetall(keys.outbox("default", "wt-i"))) == 1
    assert driver.raw.get(keys.due) == b"planted"
    assert driver.raw.exists(keys.where) == 0
    driver.raw.delete(keys.due)
    assert driver.call("outbox_recover") == 1  # once the operator fixed it, the sweep indexes it


def test_oversized_values_sent_past_the_store_are_refused_by_redis(driver: Driver) -> None:
    from vpnfsm.store._bounds import MAX_ENTRY_BYTES

    driver.handle("vpn broken", "big-1")
    keys = common.RedisKeys(driver.options["prefix"])
    session = driver.call("load", "big-1", tenant="default")
    session.version += 1
    kv, args, _ = driver.store._save_call(session, 1, [], [])
    args[4] = 1
    args.insert(10, json.dumps({"at": 1.0, "role": "user", "text": "x" * MAX_ENTRY_BYTES}))
    reply = driver.raw.eval(common.SAVE_LUA, len(kv), *kv, *args)
    assert reply == [b"too_large", b"history entry"]
    assert json.loads(driver.raw.get(keys.session("default", "big-1")))["version"] == 1
    assert driver.raw.llen(keys.history("default", "big-1")) == 2


# -- load-time validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"state": "VPN_NO_SUCH_STATE"},
        {"outcome": "handoff", "state": "VPN_HANDOFF"},
        {"id": "someone-else"},
        {"tenant": "other"},
    ],
    ids=["state-not-in-flow", "handoff-without-reference", "id-differs", "tenant-differs"],
)
def test_semantically_invalid_value_jammed_the_conversation(driver: Driver, change: dict[str, Any]) -> None:
    driver.handle("vpn broken", "sem-1")
    key = _skey(driver, "sem-1")
    value = json.loads(driver.raw.get(key))
    value.update(change)
    raw = json.dumps(value).encode()
    driver.raw.set(key, raw)
    reply = driver.handle("windows", "sem-1")  # the worker's cached copy differs from the stored value
    assert reply.notice == "corrupt_session"
    assert reply.session_id == "sem-1"
    quarantined = _quarantined(driver, "sem-1")
    assert [driver.raw.get(k) for k, t in quarantined.items() if t == b"string"] == [raw]
    assert driver.handle("mac", "sem-1").notice is None


# -- host ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sid", ["1712345678.123456", "19:abc@thread.v2", "!room:server", "{a}:b*[c]?"])
def test_host_ids_get_key_safe_keys_in_one_slot(driver: Driver, sid: str) -> None:
    first = driver.handle("vpn broken", sid)
    assert first.notice is None
    assert driver.handle("windows", sid).slots["os"] == "windows"
    keys = common.RedisKeys(driver.options["prefix"])
    names = [keys.session("default", sid), keys.history("default", sid), keys.outbox("default", sid)]
    assert len({key_slot(name.encode()) for name in names}) == 1
    assert all(name.count("{") == 1 and name.count("}") == 1 for name in names)
    assert driver.raw.exists(names[0], names[1]) == 2
    assert driver.call("delete", sid, tenant="default")
    assert driver.handle("mac", sid).notice == "unknown_session"


def test_never_seen_id_starts_quietly_and_expired_one_gets_the_notice(driver_factory: Any) -> None:
    import time

    driver = driver_factory(ttl_seconds=0.3, tombstone_seconds=30)
    assert driver.handle("vpn broken", "19:new@thread.v2").notice is None
    time.sleep(0.45)
    assert driver.handle("hello", "19:new@thread.v2").notice == "unknown_session"
    keys = common.RedisKeys(driver.options["prefix"])
    tomb = keys.tombstone("default", "19:new@thread.v2")
    assert 0 < driver.raw.pttl(tomb) <= 30_300
