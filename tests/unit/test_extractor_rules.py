"""Rule hygiene: the vocabulary is data, so these tests keep it consistent as it grows.

An alias or pattern that would match two labels must be settled by an explicit priority (a
higher ``priority`` or a longer phrase); labels must be taxonomy labels; gates must be set.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from vpnfsm.nlp import RuleExtractor
from vpnfsm.nlp._entities import ClientMatcher, OsMatcher
from vpnfsm.nlp._rules import phrase_key
from vpnfsm.nlp._vocab import AliasRule, load_vocabulary
from vpnfsm.nlp.context import read_context
from vpnfsm.nlp.protocols import Message

OS_LABELS = {"windows", "macos", "linux", "ios", "android", "chromeos"}
CLIENT_LABELS = {
    "anyconnect", "globalprotect", "forticlient", "openvpn", "wireguard", "windows_builtin", "ivanti",
    "zscaler", "checkpoint", "ipsec_other", "other",
}
SYMPTOM_LABELS = {
    "cannot_connect", "auth_failure", "mfa", "certificate", "connected_no_access", "dns", "disconnects",
    "slow", "client_error",
}
VOCAB = load_vocabulary()


def _aliases(rules: tuple[AliasRule, ...]) -> list[AliasRule]:
    return [r for r in rules if r.literal is not None]


@pytest.mark.parametrize("field", ["os", "client"])
def test_no_alias_names_two_labels(field: str) -> None:
    rules = VOCAB.os_rules if field == "os" else VOCAB.client_rules
    labels: dict[str, set[str]] = defaultdict(set)
    for rule in _aliases(rules):
        key = phrase_key(rule.literal or "")
        labels[key].add(rule.label)
        labels[key.replace(" ", "")].add(rule.label)
    clashes = {key: found for key, found in labels.items() if len(found) > 1}
    assert not clashes, f"aliases listed under two {field} labels: {clashes}"


def test_builtin_words_are_not_client_aliases() -> None:
    client_keys = {phrase_key(r.literal or "") for r in _aliases(VOCAB.client_rules)}
    overlap = {phrase_key(a) for a in VOCAB.builtin_aliases} & client_keys
    assert not overlap, f"listed both as a product alias and as a built-in word: {overlap}"


@pytest.mark.parametrize("field", ["os", "client"])
def test_every_alias_resolves_to_its_own_label(field: str) -> None:
    """An alias that another label's alias or pattern would shadow must lose on purpose."""
    matcher = OsMatcher() if field == "os" else ClientMatcher()
    rules = VOCAB.os_rules if field == "os" else VOCAB.client_rules
    wrong = {}
    for rule in _aliases(rules):
        hit = matcher.match(Message.of(rule.literal or ""), read_context(None), {})
        if hit is None or hit.value != rule.label:
            wrong[rule.literal] = (rule.label, hit.value if hit else None)
    assert not wrong, f"aliases shadowed by another rule: {wrong}"


@pytest.mark.parametrize("field", ["os", "client"])
def test_patterns_do_not_match_other_labels_aliases_at_equal_priority(field: str) -> None:
    rules = VOCAB.os_rules if field == "os" else VOCAB.client_rules
    patterns = [r for r in rules if r.literal is None]
    conflicts = []
    for pattern in patterns:
        compiled = re.compile(pattern.source)
        for alias in _aliases(rules):
            if alias.label == pattern.label or alias.priority != pattern.priority:
                continue
            if compiled.search(alias.literal or ""):
                conflicts.append((pattern.id, alias.literal, alias.label))
    assert not conflicts, f"patterns matching another label's alias at equal priority: {conflicts}"


def test_labels_are_taxonomy_labels() -> None:
    assert {r.label for r in VOCAB.os_rules} <= OS_LABELS
    assert {r.label for r in VOCAB.client_rules} <= CLIENT_LABELS
    assert set(VOCAB.builtin_by_os) <= OS_LABELS
    assert set(VOCAB.builtin_by_os.values()) <= CLIENT_LABELS
    assert {r.label for r in VOCAB.symptom_rules} <= SYMPTOM_LABELS
    assert {r.label for r in VOCAB.symptom_short_answers} <= SYMPTOM_LABELS
    assert {r.label for r in VOCAB.message_rules} <= SYMPTOM_LABELS
    assert {r.client for r in VOCAB.message_rules} - {None} <= CLIENT_LABELS
    assert {symptom for _, symptom in VOCAB.codes.values()} <= SYMPTOM_LABELS
    for field, label in VOCAB.fuzzy_targets.values():
        assert label in (OS_LABELS if field == "os" else CLIENT_LABELS)


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in (*VOCAB.os_rules, *VOCAB.client_rules)]
    ids += [r.id for r in (*VOCAB.symptom_rules, *VOCAB.message_rules)]
    ids += [r.id for group in VOCAB.intent_rules.values() for r in group]
    ids += [r.id for group in VOCAB.signal_rules.values() for r in group]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


def test_every_phrase_rule_has_a_gate() -> None:
    """Rules without an ``any`` list run on every message; only cheap anchored ones may."""
    ungated = [r.id for r in (*VOCAB.symptom_rules, *VOCAB.message_rules) if not r.triggers]
    ungated += [r.id for r in VOCAB.os_rules if r.literal is None and not r.triggers]
    ungated += [r.id for r in VOCAB.client_rules if r.literal is None and not r.triggers]
    ungated += [r.id for group in VOCAB.intent_rules.values() for r in group if not r.triggers]
    for name in ("human", "reset"):
        ungated += [r.id for r in VOCAB.signal_rules[name] if not r.triggers]
    assert not ungated


def test_fuzzy_targets_are_not_stopwords_and_are_aliases() -> None:
    rules = _aliases((*VOCAB.os_rules, *VOCAB.client_rules))
    aliases = {phrase_key(r.literal or "").replace(" ", "") for r in rules}
    for name in VOCAB.fuzzy_targets:
        assert name in aliases, name
    # A stopword may equal a target (it is then exact-matched first), but no other English
    # word in the list may be a typo distance away from a target it is not.
    assert "window" in VOCAB.fuzzy_stopwords


def test_code_table_keys_have_product_shapes() -> None:
    shapes = re.compile(r"^(?:\d{2,5}|-\d{1,5}|0x[0-9a-f]{8})$")
    assert all(shapes.match(code) for code in VOCAB.codes), [c for c in VOCAB.codes if not shapes.match(c)]


def test_rules_fire_on_their_own_examples() -> None:
    """A representative phrase per symptom label reaches it through the gates."""
    ex = RuleExtractor()
    examples = {
        "cannot_connect": "the vpn won't connect",
        "auth_failure": "vpn says wrong password",
        "mfa": "the duo push never arrives for the vpn",
        "certificate": "vpn certificate expired",
        "connected_no_access": "vpn is connected but I can't reach the intranet",
        "dns": "on the vpn dns does not work",
        "disconnects": "the vpn keeps disconnecting",
        "slow": "the vpn is slow",
        "client_error": "the vpn client crashes",
    }
    got = {label: ex.extract(text).symptom for label, text in examples.items()}
    assert got == {label: label for label in examples}
