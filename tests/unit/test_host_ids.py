"""Host ids (issue 14 item 8): the host's own thread ids just work, and only an ended session gets a notice."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.conftest import FakeClock
from vpnfsm import Assistant, InputError
from vpnfsm.server import Settings, create_app
from vpnfsm.session import Session
from vpnfsm.store.memory import MemoryStore

HOST_IDS = [
    "1712345678.123456",  # Slack thread ts
    "19:abc@thread.v2",  # Teams conversation id
    "!room:server.example",  # Matrix room
    "a:b/c?d#e%f {x} *[]",  # anything printable, even key and URL syntax
    "ticket 42 — Zürich",  # spaces and non-ASCII
    "x" * 256,
]


@pytest.mark.parametrize("sid", HOST_IDS)
def test_host_thread_ids_work_and_start_quietly(sid: str) -> None:
    bot = Assistant()
    first = bot.handle("vpn is down again ugh", session_id=sid)
    assert first.session_id == sid
    assert first.new_session
    assert first.notice is None
    assert "couldn't find" not in first.reply
    second = bot.handle("windows 11", session_id=sid)
    assert second.notice is None
    assert second.slots["os"] == "windows"


@pytest.mark.parametrize("sid", ["", "x" * 257, "line\nbreak", "tab\there", "\x00", "\u200b", "\ud800"])
def test_unprintable_or_overlong_session_ids_are_refused(sid: str) -> None:
    with pytest.raises(InputError) as caught:
        Assistant().handle("vpn broken", session_id=sid)
    assert caught.value.field == "session_id"


@pytest.mark.parametrize("tenant", ["acme corp", "19:abc", "x" * 129, "ten{ant}"])
def test_tenant_ids_stay_strict(tenant: str) -> None:
    with pytest.raises(InputError) as caught:
        Assistant().handle("vpn broken", tenant=tenant)
    assert caught.value.field == "tenant"


def test_a_never_seen_host_id_starts_quietly_but_an_expired_one_says_so(clock: FakeClock) -> None:
    store = MemoryStore(ttl_seconds=60, tombstone_seconds=600, clock=clock)
    bot = Assistant(store=store, clock=clock)
    assert bot.handle("vpn not connecting", session_id="19:abc@thread.v2").notice is None
    clock.advance(61)
    late = bot.handle("hello? still broken", session_id="19:abc@thread.v2")
    assert late.notice == "unknown_session"
    assert "it may have expired" in late.reply


def test_a_deleted_session_says_so_and_the_tombstone_runs_out(clock: FakeClock) -> None:
    store = MemoryStore(ttl_seconds=60, tombstone_seconds=600, clock=clock)
    bot = Assistant(store=store, clock=clock)
    bot.handle("vpn broke after the update", session_id="1712345678.123456")
    assert store.delete("1712345678.123456", tenant="default")
    assert bot.handle("mac", session_id="1712345678.123456").notice == "unknown_session"
    store.delete("1712345678.123456", tenant="default")
    clock.advance(601)
    assert bot.handle("vpn again", session_id="1712345678.123456").notice is None


def test_async_twin_keeps_the_same_tombstones(clock: FakeClock) -> None:
    import asyncio

    from vpnfsm import AsyncAssistant
    from vpnfsm.store.memory import AsyncMemoryStore

    async def run() -> list[str | None]:
        store = AsyncMemoryStore(ttl_seconds=60, tombstone_seconds=600, clock=clock)
        bot = AsyncAssistant(store=store, clock=clock)
        notices = [(await bot.handle("vpn borked lol", session_id="19:xyz@thread.tacv2")).notice]
        await store.delete("19:xyz@thread.tacv2", tenant="default")
        notices.append((await bot.handle("hello??", session_id="19:xyz@thread.tacv2")).notice)
        return notices

    assert asyncio.run(run()) == [None, "unknown_session"]


def test_tombstones_are_bounded(clock: FakeClock) -> None:
    store = MemoryStore(ttl_seconds=1, clock=clock, max_tombstones=100)
    for n in range(1_000):
        store.save(_fresh(f"t{n}", clock()), expected_version=0)
    clock.advance(2)
    store.save(_fresh("trigger", clock()), expected_version=0)
    assert store.tombstones() <= 100


def _fresh(sid: str, now: float) -> Session:
    session = Session.start(sid, tenant="default", now=now)
    session.version = 1
    return session


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.parametrize("sid", ["19:abc@thread.v2", "!room:server.example", "a/b c?d"])
async def test_host_ids_over_http_with_url_encoding(sid: str) -> None:
    transport = httpx.ASGITransport(app=create_app(Settings()), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        first = await client.post("/api/chat", json={"message": "vpn keeps dropping", "session_id": sid})
        assert first.status_code == 200, first.text
        assert first.json()["session_id"] == sid
        assert first.json()["notice"] is None
        path = "/api/sessions/" + quote(sid, safe="")
        view = await client.get(path)
        assert view.status_code == 200, view.text
        assert view.json()["session_id"] == sid
        assert (await client.delete(path)).status_code == 204
        again = await client.post("/api/chat", json={"message": "hello", "session_id": sid})
        assert again.json()["notice"] == "unknown_session"
        bad = await client.post("/api/chat", json={"message": "hi", "session_id": "bad\nid"})
        assert bad.status_code == 422
