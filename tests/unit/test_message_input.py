"""What the facade accepts as a message, named after what broke."""

from __future__ import annotations

import pytest

from vpnfsm import Assistant, InputError, MemoryStore

PASTED_LOG_LINE = "2024-03-04 08:12:33 [IKEv2] peer 203.0.113.7 AUTH_FAILED, retrying in 5s\n"


@pytest.mark.parametrize(
    "message",
    ["vpn \ud800 broken", "\udfff", "cant connect \ud83d", "copy/paste from outlook:\udc80\udc81"],
)
def test_lone_surrogates_are_an_input_error_not_a_crash_later(message: str) -> None:
    store = MemoryStore()
    bot = Assistant(store=store)
    sid = bot.handle("vpn is broken").session_id
    with pytest.raises(InputError) as caught:
        bot.handle(message, session_id=sid)
    assert caught.value.field == "message"
    assert caught.value.reason == "invalid"
    assert len(store.history(sid, tenant="default")) == 2


@pytest.mark.parametrize(
    "message",
    ["\u200b", "\ufeff", "\u200b\u200c\u200d", " \u2060 \u200e\n", "\u00ad\u00ad", "\ufeff \t"],
)
def test_zero_width_only_messages_count_as_empty(message: str) -> None:
    with pytest.raises(InputError) as caught:
        Assistant().handle(message)
    assert caught.value.reason == "empty"


def test_zero_width_characters_around_real_words_are_fine() -> None:
    # Pasted from a chat client, with a byte-order mark and a joiner in it.
    reply = Assistant().handle("\ufeffvpn not\u200b working")
    assert reply.reply


def test_a_pasted_log_of_several_kilobytes_is_accepted_by_default() -> None:
    log = "vpn broke after the update, log below:\n" + PASTED_LOG_LINE * 150  # about 11 KB
    assert 3_000 < len(log) < 16 * 1024
    reply = Assistant().handle(log)
    assert reply.session_id


def test_default_message_limit_is_16k_characters() -> None:
    bot = Assistant()
    limit = 16 * 1024
    assert bot.logic.max_message_chars == limit
    with pytest.raises(InputError) as caught:
        bot.handle("x" * (limit + 1))
    assert caught.value.reason == "too_long"
