"""The turn's redaction boundary: one pass on entry, placeholders never fill slots, the user told once."""

from __future__ import annotations

from vpnfsm import Assistant, MemoryStore
from vpnfsm._turn import SECRET_NOTICE

TO_ERROR_CODE = ["vpn wont connect on windows 11", "the builtin windows vpn", "it says cant connect"]


def _run(messages: list[str]) -> tuple[MemoryStore, list[str], str]:
    store = MemoryStore()
    bot = Assistant(store)
    reply = bot.handle(messages[0])
    replies = [reply.reply]
    for message in messages[1:]:
        reply = bot.handle(message, session_id=reply.session_id)
        replies.append(reply.reply)
    return store, replies, reply.session_id


def test_a_one_time_code_at_the_error_code_question_is_never_the_error_code() -> None:
    store, _, sid = _run([*TO_ERROR_CODE, "the code from my authenticator is 482913"])
    session = store.load(sid, tenant="default")
    assert session is not None
    assert session.slots.get("error_code") in (None, "unknown")
    assert "482913" not in session.dump_json().decode()
    assert store.history(sid, tenant="default")[-2].text == "the code from my authenticator is [one-time code]"


def test_the_error_code_still_fills_the_slot_when_a_code_is_in_the_same_message() -> None:
    store, _, sid = _run([*TO_ERROR_CODE, "error 809, and the sms code was 771203"])
    session = store.load(sid, tenant="default")
    assert session is not None
    assert session.slots.get("error_code") == "809"
    assert all("[" not in text for text in session.slot_text.values())


def test_the_user_is_told_once_per_session() -> None:
    _, replies, _ = _run(["vpn broken, my password is Hunter2!x", "windows, the code is 482913", "globalprotect"])
    assert SECRET_NOTICE in replies[0]
    assert all(SECRET_NOTICE not in reply for reply in replies[1:])
    _, clean, _ = _run(["vpn broken on windows", "globalprotect"])
    assert all(SECRET_NOTICE not in reply for reply in clean)


def test_a_password_split_over_two_messages_is_caught_and_only_a_flag_is_kept() -> None:
    store, _, sid = _run(["i forgot my password", "my new password is"])
    session = store.load(sid, tenant="default")
    assert session is not None
    assert session.secret_cue_open
    store2, _, sid2 = _run(["i forgot my password", "my new password is", "Tr0ub4dor&3x"])
    history = store2.history(sid2, tenant="default")
    assert history[-2].text == "[password]"
    later = store2.load(sid2, tenant="default")
    assert later is not None
    assert not later.secret_cue_open
