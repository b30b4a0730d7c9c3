"""Turn-level effects of the dialogue policy that the conversations do not show: outbox items,
references, budgets and the stored parked case."""

from __future__ import annotations

from vpnfsm import Assistant, MemoryStore
from vpnfsm.dialogue.policy import LIMITS


def _outbox(store: MemoryStore) -> list[str]:
    return [item.id for item in store.outbox_claim("test", limit=50, lease_seconds=60)]


def test_a_handoff_with_no_topic_still_reaches_the_outbox_once() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    first = bot.handle("i want to talk to a person")
    handed = bot.handle("its complicated", session_id=first.session_id)
    assert handed.handoff
    assert handed.ended_now
    again = bot.handle("hello?", session_id=first.session_id)
    assert not again.ended_now
    assert handed.handoff_summary is not None
    assert handed.handoff_summary.reference in again.reply
    assert len(_outbox(store)) == 1


def test_two_cases_in_one_session_send_two_handoffs_with_their_own_references() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    reply = bot.handle("my vpn keeps dropping, get me a person")
    assert reply.handoff
    reply = bot.handle("different thing: i forgot my password", session_id=reply.session_id)
    assert reply.flow == "password"
    assert not reply.handoff
    reply = bot.handle("agent please", session_id=reply.session_id)
    assert reply.handoff
    ids = _outbox(store)
    assert len(ids) == 2
    assert len(set(ids)) == 2
    session = store.load(reply.session_id, tenant="default")
    assert session is not None
    assert [case.flow for case in session.earlier] == ["vpn"]


def test_a_parked_case_is_stored_with_its_facts() -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    reply = bot.handle("anyconnect on my mac keeps dropping")
    reply = bot.handle("also i locked myself out of my account", session_id=reply.session_id)
    session = store.load(reply.session_id, tenant="default")
    assert session is not None
    assert session.parked is not None
    assert session.parked.flow == "vpn"
    assert session.parked.slots["os"] == "macos"
    assert session.parked.slots["client"] == "anyconnect"
    assert session.flow == "password"


def test_a_third_problem_waits_while_one_case_is_parked() -> None:
    bot = Assistant()
    reply = bot.handle("vpn keeps dropping on windows")
    reply = bot.handle("also i locked myself out of my account", session_id=reply.session_id)
    assert reply.flow == "password"
    reply = bot.handle("another thing: outlook won't sync", session_id=reply.session_id)
    assert reply.flow == "password"  # finished first; nothing is dropped
    assert "waiting" in reply.reply


def test_meta_turns_do_not_use_the_reask_but_are_bounded() -> None:
    bot = Assistant()
    reply = bot.handle("vpn broken")
    for _ in range(LIMITS.max_meta_turns):
        reply = bot.handle("what do you mean?", session_id=reply.session_id)
        assert reply.state == "VPN_ASK_OS"
    store_session = bot.store.load(reply.session_id, tenant="default")
    assert store_session is not None
    assert store_session.reasks == 0
    # Past the budget a clarification is an unfitting answer: re-asked once, then skipped.
    reply = bot.handle("what do you mean?", session_id=reply.session_id)
    reply = bot.handle("what do you mean?", session_id=reply.session_id)
    assert reply.state != "VPN_ASK_OS"
