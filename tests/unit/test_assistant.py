"""Behaviour of the facade beyond the reference conversations."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import FakeClock
from vpnfsm import Assistant, AsyncAssistant, InputError, MemoryStore
from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS
from vpnfsm.flows.vpn import VPN_FLOW


def _walk(bot: Assistant, *messages: str) -> list:  # type: ignore[type-arg]
    replies = []
    session_id = None
    for message in messages:
        reply = bot.handle(message, session_id=session_id)
        session_id = reply.session_id
        replies.append(reply)
    return replies


@pytest.mark.parametrize(
    ("message", "reason"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * (DEFAULT_MAX_MESSAGE_CHARS + 1), "too_long")],
)
def test_bad_messages_raise_typed_error_and_change_nothing(message: str, reason: str) -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    first = bot.handle("VPN is not working")
    before = store.load(first.session_id, tenant="default")
    with pytest.raises(InputError) as caught:
        bot.handle(message, session_id=first.session_id)
    assert caught.value.field == "message"
    assert caught.value.reason == reason
    assert store.load(first.session_id, tenant="default") == before
    assert len(store.history(first.session_id, tenant="default")) == 2


def test_message_limit_is_configurable() -> None:
    bot = Assistant(max_message_chars=10)
    with pytest.raises(InputError):
        bot.handle("vpn broken again")
    assert bot.handle("vpn down").state == "VPN_ASK_OS"


@pytest.mark.parametrize("session_id", ["", "x" * 257, "a\nb", "tab\tid", "\x1b[31m", "\u2028"])
def test_invalid_session_ids_are_rejected(session_id: str) -> None:
    with pytest.raises(InputError) as caught:
        Assistant().handle("hello", session_id=session_id)
    assert caught.value.field == "session_id"


def test_never_seen_session_id_starts_fresh_quietly() -> None:
    reply = Assistant().handle("VPN is not working", session_id="host-thread-42")
    assert reply.session_id == "host-thread-42"
    assert reply.new_session
    assert reply.notice is None
    assert "start fresh" not in reply.reply
    assert reply.state == "VPN_ASK_OS"


def test_expired_session_starts_fresh(clock: FakeClock) -> None:
    store = MemoryStore(ttl_seconds=60, clock=clock)
    bot = Assistant(store=store, clock=clock)
    first = bot.handle("VPN is not working")
    clock.advance(59)
    assert bot.handle("Windows", session_id=first.session_id).state == "VPN_ASK_CLIENT"
    clock.advance(59)  # activity reset the TTL: still alive
    assert bot.handle("GlobalProtect", session_id=first.session_id).state == "VPN_ASK_SYMPTOM"
    clock.advance(61)
    late = bot.handle("it won't connect", session_id=first.session_id)
    assert late.notice == "unknown_session"
    assert late.slots["os"] is None


def test_corrupt_session_is_quarantined_and_conversation_continues() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    store.put_raw("broken-1", b'{"schema": 1, "id": 5', tenant="default")
    reply = bot.handle("VPN is not working", session_id="broken-1")
    assert reply.notice == "corrupt_session"
    assert reply.state == "VPN_ASK_OS"
    quarantined = store.quarantined()
    assert list(quarantined.values()) == [b'{"schema": 1, "id": 5']
    assert bot.handle("Windows", session_id="broken-1").state == "VPN_ASK_CLIENT"


def test_human_can_be_asked_for_at_every_waiting_state() -> None:
    openers = {
        "VPN_ASK_OS": ["VPN is not working"],
        "VPN_ASK_CLIENT": ["VPN is not working", "windows"],
        "VPN_ASK_SYMPTOM": ["VPN is not working", "windows", "globalprotect"],
        "VPN_ASK_ERROR_CODE": ["VPN is not working", "windows", "globalprotect", "it won't connect"],
        "VPN_CHECK_RESULT": ["globalprotect on windows won't connect, error 809"],
    }
    for state, messages in openers.items():
        replies = _walk(Assistant(), *messages, "I want to talk to a human")
        assert replies[-2].state == state
        last = replies[-1]
        assert (last.state, last.handoff, last.outcome) == ("VPN_HANDOFF", True, "handoff")
        assert last.handoff_summary is not None
        assert last.handoff_summary.reason == "user_request"


def test_handoff_is_terminal_with_a_fixed_notice() -> None:
    replies = _walk(Assistant(), "VPN is not working", "agent please", "hello", "start over", "vpn still broken")
    notices = [r.reply for r in replies[2:]]
    assert len(set(notices)) == 1
    reference = replies[1].handoff_summary.reference  # type: ignore[union-attr]
    assert reference in notices[0]
    assert all(r.state == "VPN_HANDOFF" and r.handoff for r in replies[2:])


def test_start_over_clears_facts_and_asks_again() -> None:
    replies = _walk(Assistant(), "VPN is not working", "windows", "start over")
    assert replies[-1].state == "VPN_ASK_OS"
    assert replies[-1].slots == dict.fromkeys(("os", "client", "symptom", "error_code"))


def test_restarts_are_bounded() -> None:
    limit = VPN_FLOW.limits.max_resets
    replies = _walk(Assistant(), "VPN is not working", *["start over"] * (limit + 1))
    assert [r.state for r in replies[1:-1]] == ["VPN_ASK_OS"] * limit
    assert replies[-1].outcome == "handoff"
    assert replies[-1].handoff_summary.reason == "no_progress"  # type: ignore[union-attr]


def test_dont_know_moves_on_at_once() -> None:
    replies = _walk(Assistant(), "VPN is not working", "I don't know")
    assert replies[-1].state == "VPN_ASK_CLIENT"


def test_unclear_result_is_asked_once_then_escalates() -> None:
    replies = _walk(Assistant(), "globalprotect on windows won't connect, error 809", "banana", "banana")
    assert replies[1].state == "VPN_CHECK_RESULT"
    assert replies[2].outcome == "handoff"
    assert replies[2].handoff_summary.reason == "no_progress"  # type: ignore[union-attr]


def test_retry_gives_different_steps_then_escalates() -> None:
    replies = _walk(Assistant(), "the windows built-in vpn won't connect, error 809", "no", "no")
    summary = replies[-1].handoff_summary
    assert summary is not None
    assert summary.reason == "steps_failed"
    assert [s.result for s in summary.steps] == ["failed", "failed"]
    assert summary.steps[0].article != summary.steps[1].article
    assert summary.steps[0].article == "ras-809"  # the error code is the most specific fact
    assert replies[0].reply != replies[1].reply


def test_a_windows_vpn_code_article_is_not_given_to_a_globalprotect_user() -> None:
    # Regression: GlobalProtect users got the Windows built-in VPN's 809 article first.
    replies = _walk(Assistant(), "globalprotect on windows won't connect, error 809")
    session_steps = replies[0].reply
    assert "globalprotect" in session_steps.lower()
    assert "regedit" not in session_steps


def test_resolved_flow_accepts_a_new_request() -> None:
    replies = _walk(Assistant(), "globalprotect on windows won't connect, error 809", "yes, fixed", "vpn down again")
    assert (replies[1].outcome, replies[1].state) == ("resolved", "VPN_RESOLVED")
    fresh = replies[2]
    assert fresh.outcome is None
    assert fresh.state == "VPN_ASK_OS"
    assert fresh.slots["error_code"] is None


def test_subject_change_mid_flow_leaves_the_vpn_flow() -> None:
    replies = _walk(Assistant(), "VPN is not working", "also, I forgot my password")
    assert replies[-1].intent == "password_reset"
    assert replies[-1].state != "VPN_ASK_OS"


def test_secrets_typed_by_users_are_not_stored() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    messages = ("VPN is not working", "windows, my password is Tr0ub4dor&3", "my otp code is 884213", "agent please")
    replies = _walk(bot, *messages)
    history = store.history(replies[0].session_id, tenant="default")
    stored = b"".join(e.model_dump_json().encode() for e in history)
    summary = replies[-1].handoff_summary
    assert summary is not None
    for secret in (b"Tr0ub4dor&3", b"884213"):
        assert secret not in stored
        assert secret.decode() not in summary.model_dump_json()


def test_tenants_do_not_see_each_other() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    mine = bot.handle("VPN is not working", tenant="acme")
    theirs = bot.handle("windows", session_id=mine.session_id, tenant="globex")
    assert theirs.new_session
    assert theirs.notice is None  # never seen by this tenant: nothing to say about it
    assert store.load(mine.session_id, tenant="acme") is not None


def test_async_assistant_has_the_same_behaviour() -> None:
    async def run() -> list:  # type: ignore[type-arg]
        bot = AsyncAssistant()
        first = await bot.handle("VPN is not working")
        second = await bot.handle("Windows", session_id=first.session_id)
        return [first, second]

    first, second = asyncio.run(run())
    sync_first, sync_second = _walk(Assistant(), "VPN is not working", "Windows")
    assert (first.state, second.state) == (sync_first.state, sync_second.state)
    assert second.slots == sync_second.slots


def test_human_request_without_a_topic_asks_for_one_then_hands_off_with_it() -> None:
    bot = Assistant()
    first = bot.handle("I want to talk to a human")
    assert (first.state, first.handoff) == (None, False)
    assert "one sentence" in first.reply
    second = bot.handle("my vpn is broken, agent please", session_id=first.session_id)
    assert (second.state, second.outcome) == ("VPN_HANDOFF", "handoff")
    assert second.handoff_summary is not None
    assert second.handoff_summary.reason == "user_request"


class _CountingStore(MemoryStore):
    """A memory store that records which load the facade used, and can lose races on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.conflicts_left = 0

    def load(self, session_id: str, *, tenant: str):  # type: ignore[no-untyped-def]
        self.calls.append("load")
        return super().load(session_id, tenant=tenant)

    def save(self, session, *, expected_version, history=(), outbox=()):  # type: ignore[no-untyped-def]
        self.calls.append("save")
        if self.conflicts_left:
            self.conflicts_left -= 1
            return False
        return super().save(session, expected_version=expected_version, history=history, outbox=outbox)


class _SpeculativeStore(_CountingStore):
    def load_speculative(self, session_id: str, *, tenant: str):  # type: ignore[no-untyped-def]
        self.calls.append("speculative")
        return MemoryStore.load(self, session_id, tenant=tenant)


def test_a_session_id_the_facade_made_up_is_not_read_first() -> None:
    store = _CountingStore()
    bot = Assistant(store=store)
    first = bot.handle("VPN is not working")
    assert store.calls == ["save"]
    store.calls.clear()
    bot.handle("Windows", session_id=first.session_id)
    assert store.calls == ["load", "save"]
    store.calls.clear()
    bot.handle("VPN is not working", session_id="host-thread-1")  # the host's id: it may exist
    assert store.calls == ["load", "save"]


def test_a_store_with_speculative_loads_gets_them_and_one_attempt_more() -> None:
    from vpnfsm.errors import SessionConflict

    store = _SpeculativeStore()
    bot = Assistant(store=store, max_retries=2)
    first = bot.handle("VPN is not working")
    store.calls.clear()
    store.conflicts_left = 2  # a stale copy, then one lost race: still within budget
    reply = bot.handle("Windows", session_id=first.session_id)
    assert reply.slots["os"] == "windows"
    assert store.calls == ["speculative", "save"] * 3
    store.conflicts_left = 3
    with pytest.raises(SessionConflict):
        bot.handle("GlobalProtect", session_id=first.session_id)
    plain = _CountingStore()
    plain_bot = Assistant(store=plain, max_retries=2)
    sid = plain_bot.handle("VPN is not working").session_id
    plain.conflicts_left = 2
    with pytest.raises(SessionConflict):
        plain_bot.handle("Windows", session_id=sid)


def test_an_answer_naming_another_topic_does_not_switch_flows() -> None:
    bot = Assistant()
    asked = bot.handle("I forgot my password")
    assert asked.state == "PWD_ASK_RECOVERY"
    answered = bot.handle("my personal email", session_id=asked.session_id)
    assert answered.flow == "password"
    assert answered.slots["recovery"] == "alt_email"
    # A message that does not answer the question still changes the subject.
    other = bot.handle("I forgot my password")
    moved = bot.handle("actually my outlook is not syncing", session_id=other.session_id)
    assert moved.flow == "email"
