"""labels.json gives words to every label the package can put in front of a person."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from typing import Any, get_args

import pytest

from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.summary import HandoffReason
from vpnfsm.nlp.model import ENTITY_FIELDS, Intent
from vpnfsm.server.page import STATIC_DIR
from vpnfsm.session import StepResult


@pytest.fixture(scope="module")
def labels() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((STATIC_DIR / "labels.json").read_text(encoding="utf-8"))
    return data


def _vocab_labels(kind: str) -> set[str]:
    raw = resources.files("vpnfsm.nlp").joinpath("vocab.toml").read_text(encoding="utf-8")
    return {entry["label"] for entry in tomllib.loads(raw)[kind]}


def _words(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "_" not in value


def test_intents_reasons_and_results_have_words(labels: dict[str, Any]) -> None:
    for table, literal in (("intent", Intent), ("reason", HandoffReason), ("result", StepResult)):
        assert set(labels[table]) == set(get_args(literal)), table
        assert all(map(_words, labels[table].values())), table


def test_every_slot_and_its_values_have_words(labels: dict[str, Any]) -> None:
    slots = set(ENTITY_FIELDS) | {slot for spec in FLOWS.values() for slot in spec.slots}
    assert set(labels["slot"]) == slots
    assert all(map(_words, labels["slot"].values()))
    expected: dict[str, set[str]] = {kind: _vocab_labels(kind) for kind in ("os", "client", "symptom")}
    for spec in FLOWS.values():
        for slot, values in spec.vocabulary.items():
            expected.setdefault(slot, set()).update(values)
    for slot, values in expected.items():
        assert set(labels["value"][slot]) == values, slot
        assert all(map(_words, labels["value"][slot].values())), slot


def test_every_state_of_every_flow_has_words_and_the_progress_view_is_consistent(labels: dict[str, Any]) -> None:
    assert set(labels["flows"]) == set(FLOWS)
    for name, spec in FLOWS.items():
        words = labels["flows"][name]
        assert _words(words["title"])
        assert set(words["steps"]) == {state.name for state in spec.states}, name
        assert all(map(_words, words["steps"].values())), name
        by_name = {state.name: state for state in spec.states}
        # The progress view lists the states a user can be in (no transient ones), ends last.
        assert all(not by_name[state].transient and not by_name[state].terminal for state in words["shown"])
        assert set(words["ends"]) == {state.name for state in spec.states if state.terminal}
        waiting = [s.name for s in spec.states if not s.transient and not s.terminal]
        assert words["shown"] == waiting, name
