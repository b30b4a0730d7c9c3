"""Rule-based matcher for the ``symptom`` slot, vendor messages included.

All symptom phrases are alternatives of one regex ordered by weight, and the scan restarts
one character after each match start so a weak phrase cannot hide a stronger one that
begins inside it. The strongest weight wins; between equals the user's first phrase wins
(the taxonomy: "label the one the user leads with").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vpnfsm.nlp._entities import DEFAULT_CHOICES, _ordinal_choice, compile_alternatives
from vpnfsm.nlp._vocab import Vocabulary, WeightedRule, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit

__all__ = ["SymptomMatcher"]

# "no DNS problem", "not slow": a negated symptom word is not the symptom.
_NEGATED_BEFORE = re.compile(
    r"(?:\bnot|\bno|\bnever|\bwithout|\bisn['’]t|\baren['’]t|\bno\s+longer|\bnor)\s+(?:a\s+|any\s+|an\s+|really\s+|the\s+)?$"
)


class SymptomMatcher:
    """Finds the leading symptom (taxonomy ``symptom``) and any vendor message's client hint."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the symptom phrases and vendor messages of ``vocab``."""
        vocab = vocab or load_vocabulary()
        ordered = sorted(vocab.symptom_rules, key=lambda r: -r.weight)
        self._rules: tuple[WeightedRule, ...] = tuple(ordered)
        self._pattern = compile_alternatives([r.source for r in ordered])
        self._messages = vocab.message_rules
        self._message_pattern = compile_alternatives([r.source for r in self._messages])
        self._short = tuple((r, re.compile(r.source)) for r in vocab.symptom_short_answers)

    def match(self, text: str, folded: str, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the leading symptom, weighted 1 (generic) .. 4 (a vendor message)."""
        best: Hit | None = None
        for match in self._message_pattern.finditer(folded):
            rule = self._messages[int((match.lastgroup or "r0")[1:])]
            best = Hit(rule.label, rule.id, match.start(), match.end(), weight=4, hint=rule.client)
            break
        if best is not None:
            return best
        pos = 0
        search = self._pattern.search
        while True:
            match = search(folded, pos)
            if match is None:
                break
            rule = self._rules[int((match.lastgroup or "r0")[1:])]
            start = match.start()
            pos = start + 1
            if best is not None and rule.weight <= best.weight:
                continue
            if _NEGATED_BEFORE.search(folded, max(0, start - 20), start):
                continue
            best = Hit(rule.label, rule.id, start, match.end(), weight=rule.weight)
        if best is None and turn.pending == "symptom":
            best = self._short_answer(folded)
        return best

    def _short_answer(self, folded: str) -> Hit | None:
        for rule, pattern in self._short:
            found = pattern.search(folded)
            if found:
                return Hit(rule.label, rule.id, found.start(), found.end())
        choice = _ordinal_choice(folded, DEFAULT_CHOICES["symptom"])
        if choice:
            return Hit(choice[0], "symptom:choice:ordinal", choice[1], choice[2])
        return None
