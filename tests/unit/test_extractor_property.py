"""Hypothesis: extraction never raises on arbitrary text and is deterministic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vpnfsm.nlp import RuleExtractor

EX = RuleExtractor()
CONTEXTS = st.sampled_from(
    [None, "VPN_ASK_OS", "VPN_ASK_CLIENT", "VPN_ASK_SYMPTOM", "VPN_ASK_ERROR_CODE", "VPN_CHECK_RESULT",
     "PWD_ASK_OS", "EMAIL_CHECK_RESULT", "SOMETHING_ELSE", ""]
)
# Arbitrary unicode plus text built from the vocabulary, so the rules actually fire.
WORDS = st.sampled_from(
    ["vpn", "error", "809", "-14", "0x80070005", "not", "windows", "mac", "GP", "forti", "anyconect", "won't",
     "connect", "drops", "slow", "dns", "certificate", "duo", "yes", "no", "still", "agent", "cancel", "İ",
     "port", "443", "98%", "version", "5.1.4", "the", "first", ",", "?", "\n", "actually", "!!!", "(-7200)"]
)
MIXED = st.one_of(
    st.text(max_size=3000),
    st.lists(WORDS, max_size=60).map(" ".join),
    st.lists(st.one_of(WORDS, st.text(max_size=5)), max_size=40).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=MIXED, context=CONTEXTS)
def test_never_raises_and_is_deterministic(text: str, context: str | None) -> None:
    first = EX.extract(text, context=context)
    second = RuleExtractor().extract(text, context=context)
    assert first == second
    for item in first.evidence:
        assert 0 <= item.start <= item.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(text=MIXED)
def test_evidence_covers_every_value(text: str) -> None:
    result = EX.extract(text, context="VPN_ASK_SYMPTOM")
    fields = {item.field for item in result.evidence}
    for name in ("os", "client", "symptom", "error_code"):
        if getattr(result, name) is not None:
            assert name in fields
    assert "intent" in fields
