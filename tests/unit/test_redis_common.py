"""The I/O-free half of the Redis stores: URLs, key names, script arguments, replies."""

from __future__ import annotations

import pytest
import redis.exceptions as rex
from redis.cluster import key_slot

from vpnfsm.errors import StoreUnavailable
from vpnfsm.session import HistoryEntry, OutboxItem, Session
from vpnfsm.store import _redis_common as common
from vpnfsm.store.redis import AsyncRedisStore, RedisStore


@pytest.mark.parametrize(
    ("url", "cluster", "expected_url", "expected_cluster"),
    [
        ("redis://h:1/0", None, "redis://h:1/0", False),
        ("rediss://u:p@h:1/2?cluster=1", None, "rediss://u:p@h:1/2", True),
        ("redis://h:1?cluster=true&ssl_cert_reqs=none", None, "redis://h:1?ssl_cert_reqs=none", True),
        ("redis://h:1?cluster=no", None, "redis://h:1", False),
        ("redis://h:1?cluster=1", False, "redis://h:1", False),
        ("redis://h:1", True, "redis://h:1", True),
    ],
)
def test_client_config_reads_the_cluster_flag(
    url: str, cluster: bool | None, expected_url: str, expected_cluster: bool
) -> None:
    config = common.client_config(url, cluster=cluster)
    assert config.url == expected_url
    assert config.cluster is expected_cluster
    assert config.options["socket_timeout"] == common.SOCKET_TIMEOUT


@pytest.mark.parametrize("url", ["http://h:1", "localhost:6379", ""])
def test_client_config_rejects_other_urls(url: str) -> None:
    with pytest.raises(ValueError, match="not a Redis URL"):
        common.client_config(url, cluster=None)


def test_all_keys_of_a_session_share_one_slot() -> None:
    keys = common.RedisKeys("app")
    names = [keys.session("acme", "s1"), keys.history("acme", "s1"), keys.outbox("acme", "s1")]
    names += list(keys.quarantine("acme", "s1", 12.5))
    assert names[:3] == ["app:{acme:s1}:s", "app:{acme:s1}:h", "app:{acme:s1}:o"]
    assert len({key_slot(name.encode()) for name in names}) == 1
    assert key_slot(keys.due.encode()) == key_slot(keys.where.encode())


@pytest.mark.parametrize("sid", ["s1", "19:abc@thread.v2", "{a}:b*[c]?"])
def test_save_keys_are_the_keys_each_name_gives(sid: str) -> None:
    keys = common.RedisKeys("app")
    expected = [keys.session("acme", sid), keys.history("acme", sid), keys.outbox("acme", sid)]
    expected += [keys.tombstone("acme", sid), *keys.quarantine("acme", sid, 12.5)]
    assert keys.save_keys("acme", sid, 12.5) == expected


def test_save_args_carry_version_ttl_cap_history_and_outbox() -> None:
    session = Session.start("s1", tenant="acme", now=1.0)
    session.version = 4
    history = [HistoryEntry(at=1.0, role="user", text="hi"), HistoryEntry(at=1.0, role="bot", text="hello")]
    item = OutboxItem(id="acme:s1:R1", session_id="s1", tenant="acme", created_at=2.5, payload="{}")
    keys, args = common.save_args(
        common.RedisKeys("app"),
        session,
        expected_version=3,
        history=history,
        outbox=[item],
        ttl_ms=900,
        history_cap=7,
        tombstone_ms=5000,
        stamp=12.5,
    )
    assert keys == [
        "app:{acme:s1}:s",
        "app:{acme:s1}:h",
        "app:{acme:s1}:o",
        "app:{acme:s1}:t",
        "app:{acme:s1}:quarantine:12.500000",
        "app:{acme:s1}:quarantine:12.500000:h",
        "app:{acme:s1}:quarantine:12.500000:o",
    ]
    # No expected value: this session was not loaded from a store, so version and incarnation decide.
    assert args[:10] == [3, session.dump_json(), 900, 7, 2, "", session.incarnation, 5900, 2048, 65536]
    assert Session.load_json(args[1]).version == 4  # type: ignore[arg-type]
    assert args[12] == "acme:s1:R1"
    assert OutboxItem.model_validate_json(args[13]) == item  # type: ignore[arg-type]
    assert common.index_args(common.RedisKeys("app"), [item]) == ["acme:s1:R1", "app:{acme:s1}:o", 2500]


def test_save_args_carry_the_value_a_session_was_loaded_from() -> None:
    # The script compares the stored value with these very bytes (it used to get their
    # SHA-1: comparing the bytes is as exact, and cheaper on both sides).
    from vpnfsm.store._codec import decode_session

    stored = Session.start("s1", tenant="acme", now=1.0)
    stored.version = 3
    raw = stored.dump_json()
    session = decode_session(raw, key="k", tenant="acme", session_id="s1")
    session.version = 4
    kwargs = {"history": [], "outbox": [], "ttl_ms": 900, "history_cap": 7, "tombstone_ms": 0, "stamp": 1.0}
    _, args = common.save_args(common.RedisKeys("app"), session, expected_version=3, **kwargs)  # type: ignore[arg-type]
    assert args[5] == raw
    assert args[1] != raw  # the new value differs from the expected one (version 4)
    # A caller expecting another version than the one loaded gets the version check instead.
    _, args = common.save_args(common.RedisKeys("app"), session, expected_version=2, **kwargs)  # type: ignore[arg-type]
    assert args[5] == ""




@pytest.mark.parametrize(
    "parts",
    [
        ["EVALSHA", "ab" * 20, 2, "app:{acme:s1}:s", "k2", b'{"v":1}', -3, 0, ""],
        ["SET", "clé ✓", "x" * 7000, b"\x00\r\n"],
    ],
    ids=["save-like", "non-ascii-and-large"],
)
def test_pack_command_sends_what_redis_py_would(parts: list[bytes | str | int]) -> None:
    from redis.connection import Encoder, PythonRespSerializer

    packer = PythonRespSerializer(6000, Encoder("utf-8", "strict", False).encode)
    assert common.pack_command(parts) == b"".join(packer.pack(*parts))


def test_pack_command_refuses_what_redis_py_refuses() -> None:
    with pytest.raises(TypeError):
        common.pack_command(["SET", "k", 1.5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        common.pack_command(["SET", "k", True])
    with pytest.raises(UnicodeEncodeError):
        common.pack_command(["SET", "\udc80"])


def test_parse_claim_reads_ids_keys_and_fencing_tokens() -> None:
    assert common.parse_claim([b"a", b"k1", 7, "b", b"", 8]) == [("a", "k1", 7), ("b", "", 8)]
    assert common.parse_claim([]) == []


def test_parse_done_says_whether_the_lease_held() -> None:
    assert common.parse_done([1, b"app:{acme:s1}:o"]) == (True, "app:{acme:s1}:o")
    assert common.parse_done([0, b""]) == (False, "")


def test_outbox_index_keys_share_one_cluster_slot() -> None:
    keys = common.RedisKeys("app")
    slots = {key_slot(name.encode()) for name in keys.claim_keys() + keys.done_keys() + keys.renew_keys()}
    assert len(slots) == 1


@pytest.mark.parametrize(
    "error",
    [
        rex.ConnectionError("refused"),
        rex.TimeoutError("slow"),
        rex.BusyLoadingError("loading"),
        rex.ClusterDownError("down"),
        rex.ReadOnlyError("replica"),
        rex.TryAgainError("again"),
    ],
)
def test_availability_errors_become_store_unavailable(error: Exception) -> None:
    with pytest.raises(StoreUnavailable) as info, common.translate_errors():
        raise error
    assert info.value.__cause__ is error


def test_other_redis_errors_pass_through() -> None:
    with pytest.raises(rex.ResponseError), common.translate_errors():
        raise rex.ResponseError("ERR bug in script")


@pytest.mark.parametrize("store_class", [RedisStore, AsyncRedisStore])
def test_store_settings_are_checked(store_class: type[RedisStore] | type[AsyncRedisStore]) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        store_class.from_url("redis://127.0.0.1:1", ttl_seconds=0)
    with pytest.raises(ValueError, match="history_cap"):
        store_class.from_url("redis://127.0.0.1:1", history_cap=0)
    with pytest.raises(ValueError, match="prefix"):
        store_class.from_url("redis://127.0.0.1:1", prefix="a{b}")
