"""Message ids: a message sent twice (a host's retry) is applied once.

Each test is named after what broke before message ids existed: a retried
message was applied again, doubling the user's line in the history and
stepping the flow a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from vpnfsm import Assistant, AsyncAssistant, InputError, MemoryStore, StoreUnavailable
from vpnfsm.session import HistoryEntry, OutboxItem, Session
from vpnfsm.store.memory import AsyncMemoryStore


def _user_lines(store: MemoryStore, sid: str) -> list[str]:
    return [entry.text for entry in store.history(sid, tenant="default") if entry.role == "user"]


def test_retried_message_is_not_applied_twice() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    first = bot.handle("vpn keeps saying connecting and never gets there", message_id="m-1")
    sid = first.session_id
    answered = bot.handle("its a windows laptop", session_id=sid, message_id="m-2")
    before = store.load(sid, tenant="default")
    again = bot.handle("its a windows laptop", session_id=sid, message_id="m-2")
    assert again == answered
    assert store.load(sid, tenant="default") == before
    assert _user_lines(store, sid) == [
        "vpn keeps saying connecting and never gets there",
        "its a windows laptop",
    ]
    # The conversation goes on from where the first application left it.
    assert bot.handle("globalprotect", session_id=sid, message_id="m-3").state != answered.state


def test_retry_of_an_older_message_replays_its_own_reply_not_the_latest() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    sid = bot.handle("cant get on the vpn from home", message_id="a").session_id
    os_reply = bot.handle("mac", session_id=sid, message_id="b")
    bot.handle("anyconnect", session_id=sid, message_id="c")
    late_retry = bot.handle("mac", session_id=sid, message_id="b")
    assert late_retry == os_reply
    assert _user_lines(store, sid) == ["cant get on the vpn from home", "mac", "anyconnect"]


def test_first_message_retried_without_session_id_does_not_open_a_second_session() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    first = bot.handle("VPN down again!!", message_id="5f0c7b1e-6d1a-4c8e-9a51-0b6e2f3c4d5e")
    retry = bot.handle("VPN down again!!", message_id="5f0c7b1e-6d1a-4c8e-9a51-0b6e2f3c4d5e")
    assert retry == first
    assert first.new_session
    assert first.notice is None
    assert _user_lines(store, first.session_id) == ["VPN down again!!"]
    # Without a message id every first message still gets a fresh random session.
    assert bot.handle("VPN down again!!").session_id != first.session_id


def test_same_message_id_in_another_tenant_is_another_message() -> None:
    bot = Assistant()
    a = bot.handle("vpn broken", message_id="k1", tenant="acme")
    b = bot.handle("vpn broken", message_id="k1", tenant="globex")
    assert a.session_id != b.session_id


def test_message_id_reused_for_a_different_message_is_refused() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    sid = bot.handle("vpn not connecting", message_id="x1").session_id
    bot.handle("windows 11", session_id=sid, message_id="x2")
    with pytest.raises(InputError) as caught:
        bot.handle("actually its ubuntu", session_id=sid, message_id="x2")
    assert caught.value.field == "message_id"
    assert caught.value.reason == "reused"
    assert _user_lines(store, sid) == ["vpn not connecting", "windows 11"]


def test_applied_ids_are_bounded_per_session() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    sid = bot.handle("hi", message_id="id-0").session_id
    for n in range(1, 40):
        bot.handle(f"hello {n}", session_id=sid, message_id=f"id-{n}")
    session = store.load(sid, tenant="default")
    assert session is not None
    assert 0 < len(session.applied) <= 16
    assert session.applied[-1].id == "id-39"


@pytest.mark.parametrize("message_id", ["", "has space", "x" * 129, "tab\there", "ünï", "\ud800"])
def test_malformed_message_ids_are_input_errors(message_id: str) -> None:
    with pytest.raises(InputError) as caught:
        Assistant().handle("vpn help", message_id=message_id)
    assert caught.value.field == "message_id"


def test_async_twin_replays_a_retried_message() -> None:
    async def run() -> None:
        store = AsyncMemoryStore()
        bot = AsyncAssistant(store=store)
        sid = (await bot.handle("vpn drops every 10 min", message_id="t1")).session_id
        answered = await bot.handle("win10", session_id=sid, message_id="t2")
        assert await bot.handle("win10", session_id=sid, message_id="t2") == answered
        lines = [e.text for e in await store.history(sid, tenant="default") if e.role == "user"]
        assert lines == ["vpn drops every 10 min", "win10"]

    asyncio.run(run())


class _SaveFails(MemoryStore):
    """Loads work; the save's answer is lost (``applied`` says whether it ran first)."""

    def __init__(self, *, applied: bool) -> None:
        super().__init__()
        self.applied = applied
        self.failing = True

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        if not self.failing:
            return super().save(session, expected_version=expected_version, history=history, outbox=outbox)
        if self.applied:
            super().save(session, expected_version=expected_version, history=history, outbox=outbox)
        raise StoreUnavailable("timed out waiting for the reply")


class _LoadFails(MemoryStore):
    def load(self, session_id: str, *, tenant: str) -> Session | None:
        raise StoreUnavailable("connection refused")


def test_store_failure_during_the_save_says_the_turn_may_have_been_applied() -> None:
    store = _SaveFails(applied=True)
    bot = Assistant(store=store)
    with pytest.raises(StoreUnavailable) as caught:
        bot.handle("vpn wont connect, error 809", session_id="thread-1", message_id="m-1")
    assert caught.value.may_have_applied is True
    store.failing = False
    retried = bot.handle("vpn wont connect, error 809", session_id="thread-1", message_id="m-1")
    assert _user_lines(store, "thread-1") == ["vpn wont connect, error 809"]
    assert retried.slots["error_code"] == "809"


def test_store_failure_before_anything_was_sent_says_nothing_was_applied() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        Assistant(store=_LoadFails()).handle("vpn?", session_id="thread-2", message_id="m-1")
    assert caught.value.may_have_applied is False


def test_retry_recorded_by_an_older_release_with_another_reply_shape_is_still_not_reapplied() -> None:
    # A deploy between the first attempt and its retry changed Reply's fields:
    # the stored record no longer validates as a Reply, and once that meant a 500.
    store = MemoryStore()
    bot = Assistant(store=store)
    sid = bot.handle("vpn keeps asking for my password", message_id="r-1").session_id
    session = store.load(sid, tenant="default")
    assert session is not None
    old = session.applied[-1]
    shape_of_old_release = {"reply": old.reply["reply"], "intent": old.reply["intent"], "mood": "calm"}
    session.applied[-1] = old.model_copy(update={"reply": shape_of_old_release})
    assert store.save(session, expected_version=session.version)
    again = bot.handle("vpn keeps asking for my password", session_id=sid, message_id="r-1")
    assert again.reply == old.reply["reply"]
    assert again.state == session.state
    assert _user_lines(store, sid) == ["vpn keeps asking for my password"]
