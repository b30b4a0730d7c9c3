"""The knowledge table's memo answers exactly what a fresh search answers, for every kind of value."""

from __future__ import annotations

import itertools
import random

from vpnfsm.flows.knowledge import load_table
from vpnfsm.flows.registry import FLOWS


def test_memoized_best_equals_a_fresh_search_for_listed_unlisted_and_unknown_values() -> None:
    for spec in FLOWS.values():
        table = load_table(spec.knowledge)
        keys = table._keys
        choices = {key: [None, "never-named-value", "7777", *sorted(table._listed[key])] for key in keys}
        combos = list(itertools.product(*(choices[key] for key in keys)))[:4000]
        assert combos
        for values in combos:
            facts = dict(zip(keys, values, strict=True))
            for exclude in ((), tuple(a.id for a in table.articles[:1])):
                assert table.best(facts, exclude=exclude) == table._search(facts, exclude)


def test_unlisted_codes_share_one_memo_entry() -> None:
    table = load_table(FLOWS["vpn"].knowledge)
    before = len(table._memo)
    for code in ("90001", "90002", "90003", "err-x", "0x1234"):
        table.best({"os": "windows", "client": "globalprotect", "symptom": None, "error_code": code})
    assert len(table._memo) - before <= 1


def test_the_search_picks_what_a_scan_of_every_article_picks() -> None:
    # The search stops at the first applicable article in most-specific-first order; a
    # full scan keeps the most specific, the first in file order among equals.
    rng = random.Random(20261202)
    for spec in FLOWS.values():
        table = load_table(spec.knowledge)
        choices = {key: [*sorted(table._listed[key]), None, "not-listed"] for key in table._keys}
        ids = [article.id for article in table.articles]
        for _ in range(3000):
            facts = {key: rng.choice(values) for key, values in choices.items()}
            exclude = rng.sample(ids, rng.randint(0, 3))
            scanned = None
            for article in table.articles:
                fits = article.id not in exclude and article.applies(facts)
                if fits and (scanned is None or article.specificity > scanned.specificity):
                    scanned = article
            assert table._search(facts, exclude) is scanned
