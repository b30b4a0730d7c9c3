"""The tag vocabulary is the taxonomy's, and covers every label the extractor can produce."""

from __future__ import annotations

import re
from pathlib import Path

from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.tags import SLOT_VOCABULARY, TAGS_VERSION, producible_tags
from vpnfsm.nlp._vocab import load_vocabulary

TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "nlp-taxonomy.md"


def _taxonomy_labels() -> dict[str, set[str]]:
    text = TAXONOMY.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL))
    os_line = sections["os"].strip().splitlines()[0]
    return {
        "os": set(re.findall(r"`([a-z_]+)`", os_line)),
        "client": set(re.findall(r"^\| `([a-z_]+)` \|", sections["client"], flags=re.MULTILINE)),
        "symptom": set(re.findall(r"^\| `([a-z_]+)` \|", sections["symptom"], flags=re.MULTILINE)),
    }


def test_vocabulary_is_the_taxonomy() -> None:
    labels = _taxonomy_labels()
    assert {slot: set(values) for slot, values in SLOT_VOCABULARY.items()} == labels


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
