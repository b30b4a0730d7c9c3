"""The trained classifier: shipped weights, deterministic inference, evidence, policy tables.

These run on a fresh clone: they read the committed weight file and ``tests/data`` only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vpnfsm.nlp import Extraction, RuleExtractor
from vpnfsm.nlp._boundaries import BOUNDARY_RULES, IntentBoundaries
from vpnfsm.nlp._combine import INFERRED_INTENT_RULES, MODEL_RULE, rule_confidence
from vpnfsm.nlp._features import MAX_WORDS, features
from vpnfsm.nlp._products import OTHER_PRODUCTS
from vpnfsm.nlp._text import fold, words
from vpnfsm.nlp._vocab import load_vocabulary
from vpnfsm.nlp.classifier import FORMAT, LinearClassifier, default_classifier
from vpnfsm.nlp.corpus import load_corpus, source_group

REPO = Path(__file__).resolve().parents[2]
OWN_CORPUS = REPO / "tests" / "data" / "extractor_corpus.jsonl"
WEIGHTS = REPO / "vpnfsm" / "nlp" / "weights.json"


def test_extraction_gains_the_two_fields_in_their_places() -> None:
    names = list(Extraction.model_fields)
    assert names[names.index("intent") + 1] == "intent_confidence"
    assert names[names.index("symptom") + 1] == "second_symptom"
    assert Extraction().intent_confidence == 1.0
    assert Extraction().second_symptom is None


def test_shipped_weights_are_a_versioned_file_with_both_heads() -> None:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT
    assert data["version"]
    model = default_classifier()
    assert set(model.heads) == {"intent", "symptom"}
    for head in data["heads"].values():
        assert len(head["classes"]) == len(head["bias"]) == len(head["threshold"])
        assert all(0.0 <= cut <= 1.0 for cut in head["threshold"])


def test_weight_file_is_canonical_sorted_and_rounded() -> None:
    lines = WEIGHTS.read_text(encoding="utf-8").splitlines()
    features_lines = [line for line in lines if line.startswith('"') and line.split(":", 1)[0].count('"') == 2]
    keys = [json.loads(line.rsplit(": [", 1)[0]) for line in lines if ": [[" in line]
    assert keys == sorted(keys)
    assert len(keys) > 1000
    assert features_lines
    for row in json.loads(WEIGHTS.read_text(encoding="utf-8"))["weights"].values():
        assert all(round(w, 3) == w for _, w in row)


def test_refuses_a_file_of_another_format() -> None:
    with pytest.raises(ValueError, match=r"not a vpnfsm-linear/1"):
        LinearClassifier({"format": "other", "heads": {}, "weights": {}})


def test_same_words_give_the_same_prediction_every_time() -> None:
    model = default_classifier()
    text = "my vpn is super slow when i work from home, downloads crawl"
    first = model.predict(words(fold(text)))
    again = LinearClassifier(json.loads(WEIGHTS.read_text(encoding="utf-8"))).predict(words(fold(text)))
    assert first == again
    assert 0.0 < first["intent"].probability <= 1.0


def _file_prediction(data: dict[str, object], found: list[str], head: str) -> tuple[str, float, list[str]]:
    """The weight file read the plain way: its sparse rows summed in feature order, then softmax.

    Also the three features that pushed the best class most (as ``explain`` ranks them).
    """
    import math

    heads = data["heads"]
    assert isinstance(heads, dict)
    offset = sum(len(heads[name]["classes"]) for name in sorted(heads) if name < head)
    spec = heads[head]
    sums = [0.0] * len(spec["classes"])
    weights = data["weights"]
    assert isinstance(weights, dict)
    for feature in found:
        for k, w in weights.get(feature, ()):
            if offset <= k < offset + len(sums):
                sums[k - offset] += w
    scale = 1.0 / math.sqrt(len(found)) if found else 0.0
    scores = [b + s * scale for b, s in zip(spec["bias"], sums, strict=True)]
    best = max(range(len(scores)), key=scores.__getitem__)
    probability = round(1.0 / sum(math.exp(s - scores[best]) for s in scores), 4)
    pushed = sorted(
        (-w, feature) for feature in found for k, w in weights.get(feature, ()) if k == offset + best and w > 0
    )
    return spec["classes"][best], probability, [feature for _, feature in pushed[:3]]


def test_packed_rows_predict_and_explain_exactly_what_the_weight_file_says() -> None:
    # The model keeps one packed row per feature; the sums must be the file's, bit for bit.
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    model = LinearClassifier(data)
    texts = [json.loads(line)["text"] for line in OWN_CORPUS.read_text(encoding="utf-8").splitlines() if line]
    assert len(texts) > 100
    for text in texts:
        found = features(words(fold(text)))
        for head in model.heads:
            label, probability, pushed = _file_prediction(data, found, head)
            got = model.predict_head(found, head)
            assert (got.label, got.probability) == (label, probability), (text, head)
            readable = tuple(f"'{f[2:]}'" if f.startswith("c:") else f.partition(":")[2] for f in pushed)
            assert model.explain_features(found, head, label) == readable
            assert model.explain(words(fold(text)), head, label) == readable
    with pytest.raises(KeyError):
        model.explain_features(found, "symptom", "no such class")


def test_features_are_words_pairs_and_grams_and_bounded() -> None:
    got = features(["vpn", "drops", "443"])
    assert {"w:vpn", "w:drops", "w:#", "b:vpn drops", "b:drops #", "c: vpn", "c:rops"} <= set(got)
    assert len(got) == len(set(got))
    many = features(["word"] * 10 + [f"w{i}" for i in range(500)])
    assert sum(f.startswith("w:") for f in many) <= MAX_WORDS


def test_a_model_value_carries_probability_and_features() -> None:
    got = RuleExtractor().extract("the vpn is slooow af today, barely loads anything")
    evidence = [e for e in got.evidence if e.rule == MODEL_RULE]
    assert evidence, got.evidence
    for item in evidence:
        assert item.probability is not None
        assert 0.0 < item.probability <= 1.0
        assert item.features
    rules_only = RuleExtractor(use_classifier=False).extract("vpn keeps dropping")
    assert all(e.rule != MODEL_RULE and e.probability is None for e in rules_only.evidence)


def test_rules_keep_precedence_where_precise() -> None:
    got = RuleExtractor().extract("GlobalProtect on windows 11 says error 809")
    assert (got.intent, got.client, got.os, got.error_code) == ("vpn", "globalprotect", "windows", "809")
    # Inferred from the client (no VPN word): the rules' inference confidence, not the model's.
    assert got.intent_confidence == rule_confidence(next(e.rule for e in got.evidence if e.field == "intent"))
    assert all(e.rule != MODEL_RULE for e in got.evidence if e.field in ("intent", "client", "os"))


def test_in_a_flow_the_model_does_not_answer() -> None:
    got = RuleExtractor().extract("not sure", context="VPN_ASK_SYMPTOM")
    assert got.dont_know
    assert got.symptom is None


def _own_rule_ids() -> set[str]:
    ex = RuleExtractor(use_classifier=False)
    ids: set[str] = set()
    for row in load_corpus([OWN_CORPUS]):
        ids.update(e.rule for e in ex.extract(row.text, context=row.context).evidence if e.field == "intent")
    return ids


def test_every_inferred_intent_rule_prefix_names_rules_that_fire() -> None:
    # A code or a vendor phrase alone: the rules that infer VPN from them.
    probes = ("error 0x80070005", "it fails with 0x80070005", "it just says Login failed")
    ex = RuleExtractor(use_classifier=False)
    probed = {e.rule for text in probes for e in ex.extract(text).evidence if e.field == "intent"}
    ids = _own_rule_ids() | probed | {"intent:general:default"}
    vocab_ids = {rule.id for group in load_vocabulary().intent_rules.values() for rule in group}
    for prefix in INFERRED_INTENT_RULES:
        assert any(i.startswith(prefix) for i in ids | vocab_ids), prefix


def test_boundary_rules_compile_and_have_distinct_ids() -> None:
    IntentBoundaries()
    ids = [rule.id for rule in BOUNDARY_RULES]
    assert len(ids) == len(set(ids))
    assert {rule.intent for rule in BOUNDARY_RULES} <= {"vpn", "email", "password_reset", "general"}


def test_other_products_are_not_taxonomy_clients() -> None:
    named = {"openvpn", "wireguard", "anyconnect", "globalprotect", "forticlient", "zscaler", "tunnelblick"}
    assert not any(name in pattern for pattern in OTHER_PRODUCTS for name in named)


def test_source_groups_are_repositories_or_sites() -> None:
    assert source_group("https://github.com/Owner/Repo/issues/12") == "github.com/owner/repo"
    assert source_group("https://www.example.org/forum/t/1") == "example.org"


def test_corpus_gold_alternatives_and_unscored(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps({"text": "x", "intent": ["vpn", "general"], "symptom": "*", "client": [None, "openvpn"]}) + "\n",
        encoding="utf-8",
    )
    (row,) = load_corpus([path])
    assert row.accepts("intent", "general")
    assert not row.accepts("intent", "email")
    assert row.accepts("symptom", "dns") is None
    assert row.accepts("client", None)
    assert row.first("client") == "openvpn"


def test_a_bad_gold_label_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "intent": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_corpus([path])


def test_training_is_deterministic_to_the_byte() -> None:
    from vpnfsm.nlp.training import dump_weights, train

    rows = load_corpus([OWN_CORPUS])
    first = dump_weights(train(rows, calibrate=False))
    assert first == dump_weights(train(rows, calibrate=False))
    model = LinearClassifier(json.loads(first))
    assert model.predict(words(fold("vpn keeps dropping")))["intent"].label == "vpn"
