"""Pluggable parts, the fast model builder, the bench helper and the context reader."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vpnfsm._build import build
from vpnfsm.nlp import Extraction, Facts, Hit, Message, RuleExtractor, Turn, read_context
from vpnfsm.nlp.bench import time_extraction


class AlwaysEmail:
    """A stand-in for an LLM intent classifier."""

    def classify(self, msg: Message, turn: Turn, facts: Facts) -> Hit:
        return Hit("email", "test:always-email", 0, len(msg.text))


class OnlyTunnelblick:
    """A tenant-specific client matcher."""

    def match(self, msg: Message, turn: Turn, known: object) -> Hit | None:
        start = msg.folded.find("our vpn app")
        return Hit("openvpn", "test:tenant-app", start, start + 11) if start >= 0 else None


def test_intent_classifier_is_replaceable_and_the_rest_stays() -> None:
    ex = RuleExtractor(intent_classifier=AlwaysEmail())
    result = ex.extract("my mac says error 809")
    assert result.intent == "email"
    assert result.os == "macos"
    assert result.error_code == "809"


def test_client_matcher_is_replaceable() -> None:
    ex = RuleExtractor(client_matcher=OnlyTunnelblick())
    result = ex.extract("our vpn app keeps dropping")
    assert (result.client, result.symptom) == ("openvpn", "disconnects")
    assert [e.rule for e in result.evidence if e.field == "client"] == ["test:tenant-app"]


def test_a_bad_intent_from_a_plugged_classifier_becomes_general() -> None:
    class Bad:
        def classify(self, msg: Message, turn: Turn, facts: Facts) -> Hit:
            return Hit("weather", "test:bad", 0, 0)

    assert RuleExtractor(intent_classifier=Bad()).extract("vpn down").intent == "general"


def test_choices_set_the_order_of_the_first() -> None:
    ex = RuleExtractor(choices={"client": ("globalprotect", "anyconnect")})
    assert ex.extract("the first", context="VPN_ASK_CLIENT").client == "globalprotect"
    assert ex.extract("the first", context="VPN_ASK_CLIENT").dont_know is False


def test_fast_build_equals_a_validated_model() -> None:
    values = {
        "intent": "vpn", "intent_confidence": 0.75, "os": "windows", "client": None,
        "symptom": "dns", "second_symptom": "slow", "error_code": "809", "human": False,
        "reset": True, "dont_know": False, "result": "failed", "evidence": (),
    }
    assert build(Extraction, dict(values)) == Extraction.model_validate(values)
    assert build(Extraction, dict(values)).model_dump() == Extraction.model_validate(values).model_dump()


def test_results_are_frozen_and_hashable_evidence() -> None:
    result = RuleExtractor().extract("GlobalProtect error 809")
    with pytest.raises(ValidationError, match="frozen"):
        result.os = "linux"  # type: ignore[misc]
    assert len(set(result.evidence)) == len(result.evidence)


def test_time_extraction_reports_microseconds() -> None:
    figures = time_extraction(["vpn down", ("11", "VPN_ASK_OS")], repeat=2)
    assert set(figures) >= {"median_us", "p99_us", "mean_us", "max_us", "calls"}
    assert figures["calls"] == 4
    assert figures["median_us"] > 0
    with pytest.raises(ValueError, match="at least one text"):
        time_extraction([], repeat=1)


@pytest.mark.parametrize(
    ("state", "pending", "flow"),
    [
        ("VPN_ASK_OS", "os", "vpn"),
        ("VPN_ASK_CLIENT", "client", "vpn"),
        ("VPN_ASK_SYMPTOM", "symptom", "vpn"),
        ("VPN_ASK_ERROR_CODE", "error_code", "vpn"),
        ("VPN_CHECK_RESULT", "result", "vpn"),
        ("PWD_CHECK_RESULT", "result", "password_reset"),
        ("EMAIL_ASK_OS", "os", "email"),
        ("VPN_HANDOFF", None, "vpn"),
        ("OTHER_ASK_OS", "os", None),
        (None, None, None),
    ],
)
def test_read_context(state: str | None, pending: str | None, flow: str | None) -> None:
    turn = read_context(state)
    assert (turn.pending, turn.flow_intent) == (pending, flow)


def test_a_pasted_log_is_read_at_its_head_and_tail_not_rejected() -> None:
    text = "vpn down " * 5000 + "error 809"
    result = RuleExtractor().extract(text)
    assert result.intent == "vpn"
    # The final error of a long paste is read, and its evidence indexes the text as sent.
    assert result.error_code == "809"
    code = next(e for e in result.evidence if e.field == "error_code")
    assert text[code.start : code.end] == "809"


def test_the_middle_of_a_very_long_paste_is_not_read() -> None:
    text = "vpn down " * 2500 + "error 809 " + "vpn down " * 2500
    assert RuleExtractor().extract(text).error_code is None


def test_one_instance_is_safe_to_share_between_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    ex = RuleExtractor()
    texts = [
        ("GlobalProtect on Windows 11 fails with error 809", None),
        ("not windows, a mac", "VPN_ASK_OS"),
        ("anyconect wont conect", None),
        ("nope, same thing", "VPN_CHECK_RESULT"),
        ("no code", "VPN_ASK_ERROR_CODE"),
    ] * 40
    expected = [ex.extract(t, context=c) for t, c in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda pair: ex.extract(pair[0], context=pair[1]), texts))
    assert got == expected
