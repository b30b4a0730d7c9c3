"""The tag vocabulary covers every label the extractor can produce (tests/shared checks it is the taxonomy's)."""

from __future__ import annotations

from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.tags import TAGS_VERSION, producible_tags
from vpnfsm.nlp._vocab import load_vocabulary


def test_every_extractor_label_has_a_tag() -> None:
    vocab = load_vocabulary()
    produced = {
        "os": {rule.label for rule in (*vocab.os_rules, *vocab.os_short_answers)},
        "client": {rule.label for rule in vocab.client_rules} | {"windows_builtin"},
        "symptom": {rule.label for rule in (*vocab.symptom_rules, *vocab.symptom_short_answers)},
    }
    domains = producible_tags(FLOWS)
    for slot, values in produced.items():
        assert values <= domains[slot].values, f"{slot}: {values - domains[slot].values}"


def test_producible_tags_follow_the_flow_declaration() -> None:
    domains = producible_tags(FLOWS)
    assert TAGS_VERSION == 1
    assert domains["reason"].values == {"user_request", "steps_failed", "no_progress", "identity_check", "unknown"}
    assert domains["attempts"].values == {"0", "1", "2", "more"}
    assert domains["error"].open
    assert not domains["os"].open
    assert "vpn" in domains["intent"].values
