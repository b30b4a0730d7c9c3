"""Hypothesis properties of whole conversations through the public Assistant."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vpnfsm import Assistant, InputError, MemoryStore, Reply
from vpnfsm.flows.registry import FLOWS
from vpnfsm.flows.vpn import MAX_TURNS
from vpnfsm.store._codec import decode_session, encode_session

ANSWERS = [
    "Windows 11", "on my macbook", "ubuntu", "iPhone", "pixel 7", "chromebook",
    "GlobalProtect", "anyconnect", "forticlient", "openvpn", "wireguard", "the built-in windows vpn",
    "it won't connect", "login failed", "no duo push", "certificate error", "connected but no intranet",
    "names don't resolve", "keeps dropping", "very slow", "the app crashes",
    "error 809", "691", "-7200", "0x80070005", "13801", "no code", "I don't know", "not sure",
]
FAILURES = ["no", "nope, same thing", "still broken", "didn't help", "no luck"]
SUCCESSES = ["yes", "yes that fixed it", "works now, thanks", "all good now"]
NOISE = ["banana", "hmm", "🙂🙂", "¿qué?", "   hmm   ", "x" * 1999, "lorem " * 300, "\u202e\u0000weird", "42"]
HOSTILE = ["start over", "cancel", "agent please", "let me talk to a human"]

realistic = st.sampled_from(ANSWERS + FAILURES + SUCCESSES + NOISE + HOSTILE)
anything = st.one_of(realistic, st.text(max_size=300), st.just(""), st.just(" \n "), st.just("y" * 2500))


def _check_reply(reply: Reply) -> None:
    Reply.model_validate(reply.model_dump())
    # Any text may start any flow (random text has opened the password flow): the state is
    # one its own flow declares.
    assert reply.state is None or (reply.flow is not None and reply.state in FLOWS[reply.flow].state_names)
    assert reply.reply.strip()
    # The slots are the running flow's; with none running, the VPN flow's (the default).
    assert set(reply.slots) == set(FLOWS[reply.flow or "vpn"].slots)
    assert reply.handoff == (reply.outcome == "handoff")
    assert (reply.handoff_summary is not None) == reply.handoff


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(anything, min_size=1, max_size=25))
@example(["forgot my password", "banana", "agent please"])  # another flow than VPN's
def test_any_message_sequence_gives_valid_replies(messages: list[str]) -> None:
    bot = Assistant()
    session_id: str | None = None
    for message in messages:
        try:
            reply = bot.handle(message, session_id=session_id)
        except InputError:
            # Only these are refused: nothing visible (whitespace, format characters), too long.
            invisible = all(c.isspace() or unicodedata.category(c) == "Cf" for c in message)
            assert invisible or len(message) > bot.logic.max_message_chars
            continue
        session_id = reply.session_id
        _check_reply(reply)


def _drive(bot: Assistant, answers: st.DataObject, at_check: list[str]) -> list[Reply]:
    reply = bot.handle("VPN is not working")
    replies = [reply]
    while reply.outcome is None and len(replies) <= MAX_TURNS + 1:
        pool = at_check if reply.state == "VPN_CHECK_RESULT" else ANSWERS + NOISE
        reply = bot.handle(answers.draw(st.sampled_from(pool)), session_id=reply.session_id)
        replies.append(reply)
    return replies


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_user_who_keeps_failing_reaches_handoff_within_k(data: st.DataObject) -> None:
    replies = _drive(Assistant(), data, FAILURES + NOISE)
    assert replies[-1].state == "VPN_HANDOFF"
    assert replies[-1].handoff
    assert len(replies) <= MAX_TURNS


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_user_who_confirms_a_fix_reaches_resolved_within_k(data: st.DataObject) -> None:
    replies = _drive(Assistant(), data, SUCCESSES)
    assert replies[-1].outcome == "resolved"
    assert replies[-1].state == "VPN_RESOLVED"
    assert any("1. " in r.reply for r in replies), "steps were given before resolving"
    assert len(replies) <= MAX_TURNS


@settings(max_examples=150, deadline=None)
@given(st.lists(realistic, min_size=MAX_TURNS, max_size=MAX_TURNS))
def test_every_path_ends_in_resolved_or_handoff_within_k(messages: list[str]) -> None:
    bot = Assistant()
    reply = bot.handle("VPN is not working")
    turns = 1
    for message in messages:
        if reply.outcome is not None:
            break
        reply = bot.handle(message, session_id=reply.session_id)
        turns += 1
    assert reply.outcome in ("resolved", "handoff"), f"still in {reply.state} after {turns} turns"
    assert turns <= MAX_TURNS
    if reply.outcome == "resolved":
        assert reply.state == "VPN_RESOLVED"


@settings(max_examples=80, deadline=None)
@given(st.lists(realistic, min_size=1, max_size=15))
def test_sessions_survive_the_store_round_trip_at_every_point(messages: list[str]) -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    session_id: str | None = None
    for message in messages:
        reply = bot.handle(message, session_id=session_id)
        session_id = reply.session_id
        session = store.load(session_id, tenant="default")
        assert session is not None
        again = decode_session(encode_session(session), key="k", tenant="default", session_id=session_id)
        assert again == session
        assert again.model_dump() == session.model_dump()
