"""The knowledge table's memo answers exactly what a fresh search answers, for every kind of value."""

from __future__ import annotations

import itertools

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
