"""Redaction keeps the technician's facts and drops the user's secrets."""

from __future__ import annotations

import pytest

from vpnfsm.redact import redact

REDACTED = "["  # every placeholder is "[kind]"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("my password is Hunter2!", "Hunter2!"),
        ("pw: s3cr3t-value", "s3cr3t-value"),
        ("the code is 483920", "483920"),
        ("otp 1234", "1234"),
        ("my verification code is 5521", "5521"),
        ("reach me at jo.doe@example.org", "jo.doe@example.org"),
        ("call +44 20 7946 0958", "7946 0958"),
        ("Authorization: Bearer abcdefghijklmnop.qrs", "abcdefghijklmnop"),
        ("token eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl", "eyJzdWIiOiIx"),
        ("api key AKIA1234567890ABCDEFGHIJ", "AKIA1234567890ABCDEFGHIJ"),
    ],
)
def test_secrets_are_removed(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "error 809 on Windows 11",
        "FortiClient says -7200",
        "0x80070005 access denied",
        "error code 13801",
        "version 5.1.4 via 192.168.1.10 port 443 since 2024",
        "my password expired",
        "Windows",
    ],
)
def test_facts_are_kept(text: str) -> None:
    assert redact(text) == text
