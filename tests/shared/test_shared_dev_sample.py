"""The accuracy gate on the shared development sample (../shared/dev-utterances.jsonl)."""

from __future__ import annotations

from tests.conftest import require_shared
from vpnfsm.nlp import RuleExtractor
from vpnfsm.nlp.evaluate import evaluate, load_labeled


def test_every_field_is_at_least_95_percent_on_the_dev_sample() -> None:
    report = evaluate(load_labeled(require_shared("dev-utterances.jsonl")), RuleExtractor())
    assert report.rows >= 78
    assert report.min_accuracy() >= 0.95, report.to_text()
