"""Redaction by kind: typed placeholders, cues in several languages, facts kept, bounded work."""

from __future__ import annotations

import pytest

from vpnfsm.redact import MAX_REDACT_CHARS, PLACEHOLDERS, Screen, redact, redact_message
from vpnfsm.redact._scan import MATCH_BUDGET


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("my password is: Hunter2!", "Hunter2!", "[password]"),
        ("pw: s3cr3t-value", "s3cr3t-value", "[password]"),
        ("my password is blue ocean window lamp", "ocean window lamp", "[password]"),
        ("mein Passwort lautet Blumen#42", "Blumen#42", "[password]"),
        ("пароль: Kalinka_77", "Kalinka_77", "[password]"),
        ("the code is 483920", "483920", "[one-time code]"),
        ("sms code 482 913", "482 913", "[one-time code]"),
        ("backup codes: k2j4-99xq-p0lm", "k2j4-99xq-p0lm", "[one-time code]"),
        ("reach me at jo.doe@example.org", "jo.doe@example.org", "[email address]"),
        ("call +44 20 7946 0958", "7946 0958", "[phone number]"),
        ("Authorization: Bearer abcdefghijklmnop.qrs", "abcdefghijklmnop", "[access token]"),
        ("key AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "[access token]"),
        ("visa 4111 1111 1111 1111", "4111 1111 1111 1111", "[card number]"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "5698 7654 32", "[bank account]"),
        ("ssn 536-90-4399", "536-90-4399", "[id number]"),
        ("https://alice:s3cret@vpn.example.com", "s3cret", "[secret]"),
    ],
)
def test_each_kind_gets_its_typed_placeholder(text: str, secret: str, placeholder: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert placeholder in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "error 809 on Windows 11",
        "FortiClient says -7200",
        "0x80070005 access denied",
        "error code 13801",
        "version 5.1.4 via 192.168.1.10 port 443 since 2024",
        "my password expired",
        "the password prompt comes back",
        "PIN pad broken",
        "my token is broken",
        "ticket number 4512873",
        "same as ref 4512873",
        "office phone ext 4521",
        "error code 530032",
        "my password is hunter on windows".replace("hunter", "fine"),
        "build 20240117",
        "Windows",
    ],
)
def test_facts_are_kept(text: str) -> None:
    assert redact(text) == text


def test_every_placeholder_is_distinct_and_bracketed() -> None:
    values = list(PLACEHOLDERS.values())
    assert len(set(values)) == len(values) == 9
    assert all(v.startswith("[") and v.endswith("]") for v in values)


def test_reading_blanks_placeholders_at_the_same_offsets() -> None:
    result = redact_message("error 809, the code on my phone is 482913")
    assert len(result.reading) == len(result.text)
    assert "[one-time code]" in result.text
    assert "482913" not in result.reading
    assert "one-time" not in result.reading  # a placeholder is nothing the extractor can read
    assert result.reading.startswith("error 809")


def test_a_cue_at_the_end_is_reported_and_the_next_first_word_is_the_password() -> None:
    first = redact_message("ok so my new password is")
    assert first.ends_with_cue
    assert not redact_message("my password expired").ends_with_cue
    second = redact_message("Tr0ub4dor&3x", screen=Screen(after_cue=True))
    assert second.text == "[password]"
    assert redact_message("sorry wrong window", screen=Screen(after_cue=True)).text == "sorry wrong window"


def test_strict_screen_takes_cueless_password_like_words_and_short_codes() -> None:
    assert redact("it's Qx8!pLm2") == "it's Qx8!pLm2"  # no cue, no sign-in talk: left alone
    assert redact("it's Qx8!pLm2", screen=Screen(strict=True)) == "it's [password]"
    assert redact("it gave me 5820", screen=Screen(strict=True)) == "it gave me [one-time code]"
    kept = "GlobalProtect 6.1.3 on Ubuntu-22.04 with MS-CHAPv2 via DESKTOP-4K2JQ7P"
    assert redact(kept, screen=Screen(strict=True)) == kept


def test_a_value_found_once_is_removed_everywhere() -> None:
    text = "changed it to Orbit-Falcon-61, my new password is Orbit-Falcon-61"
    assert "Orbit-Falcon-61" not in redact(text)


def test_redacting_twice_changes_nothing() -> None:
    once = redact("password: hunter22 and the code 482913, mail kim@example.org")
    assert redact(once) == once


def test_text_past_the_cap_is_cut_not_left_unread() -> None:
    text = "a " * (MAX_REDACT_CHARS // 2) + "my password is Hunter2!"
    cleaned = redact(text)
    assert "Hunter2!" not in cleaned
    assert cleaned.endswith("[text cut]")


def test_a_flood_of_candidates_is_cut_where_the_budget_ran_out() -> None:
    flood = "password is Ab1!xyz " * (MATCH_BUDGET + 10)
    cleaned = redact(flood)
    assert "Ab1!xyz" not in cleaned
    assert cleaned.endswith("[text cut]")
    assert cleaned.count("[password]") == MATCH_BUDGET
