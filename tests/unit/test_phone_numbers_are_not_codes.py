"""Regression: a phone number typed at "what is the code?" became the error code (issue 14, class 9)."""

from __future__ import annotations

import pytest

from vpnfsm.nlp import RuleExtractor

EXTRACTOR = RuleExtractor()


@pytest.mark.parametrize(
    "text",
    [
        "no code shown. call me on +49 170 1234567 if easier",
        "no code, my number is (415) 555-0132",
        "reach me at 0171 5553344",
        "tel 020 7946 0018",
    ],
)
def test_a_phone_number_is_not_an_error_code(text: str) -> None:
    assert EXTRACTOR.extract(text, context="VPN_ASK_ERROR_CODE").error_code is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("809", "809"),
        ("-7200", "-7200"),
        ("error 809, call 0171 5553344", "809"),
        ("691 and 720", "691"),
    ],
)
def test_codes_beside_phone_numbers_still_count(text: str, code: str) -> None:
    assert EXTRACTOR.extract(text, context="VPN_ASK_ERROR_CODE").error_code == code


def test_what_is_left_of_a_cut_off_phone_number_does_not_swallow_the_code() -> None:
    # Found by the redaction property test: redaction blanked the number's last group.
    text = "cant connect, error call me on +44 7700 809 on the builtin windows vpn"
    assert EXTRACTOR.extract(text).error_code == "809"
