"""Rule-based matcher for the ``symptom`` slot, vendor messages included.

Each phrase runs on its own (behind its word gate), so a weak phrase can never hide a
stronger one that overlaps it. A vendor message beats every phrase. The strongest weight
wins; between equals the user's first phrase wins
(the taxonomy: "label the one the user leads with").
"""

from __future__ import annotations

from collections.abc import Mapping

from vpnfsm._patterns import compile_user
from vpnfsm.nlp._entities import DEFAULT_CHOICES, ordinal_choice
from vpnfsm.nlp._rules import GatedRules
from vpnfsm.nlp._vocab import Vocabulary, WeightedRule, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["SymptomMatcher"]

# "no DNS problem", "not slow": a negated symptom word is not the symptom.
_NEGATED_BEFORE = compile_user(
    r"(?:\bnot|\bno|\bnever|\bwithout|\bisn['\x{2019}]t|\baren['\x{2019}]t|\bno\s+longer|\bnor)\s+"
    r"(?:a\s+|any\s+|an\s+|really\s+|the\s+)?$",
    name="symptom:negated-before",
)


_NO_MORE_AFTER = compile_user(r"\s*(?:\w+\s+){0,2}?any\s?more\b", name="symptom:no-more-after")


def _negated(folded: str, start: int, end: int) -> bool:
    """Tell whether a phrase is negated: "no DNS problem", "it doesn't drop anymore"."""
    window = max(0, start - 20)
    before = folded[window:start]
    if not _may_negate(before):
        return False
    # The window is searched as its own text, so "$" is the mention's start.
    if _NEGATED_BEFORE.search(before):
        return True
    # "it doesn't drop anymore" (but "won't connect anymore" is the problem: the "n't" is
    # inside that phrase, so it is not in the window before it).
    # Only the next few words can say "anymore": the window keeps the check short.
    return "more" in folded and _NO_MORE_AFTER.match(folded[end : end + 48]) is not None


def _may_negate(before: str) -> bool:
    return "no" in before or "n't" in before or "n\u2019t" in before or "without" in before


class SymptomMatcher:
    """Finds the leading symptom (taxonomy ``symptom``) and any vendor message's client hint."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the symptom phrases and vendor messages of ``vocab`` behind one set of gates."""
        vocab = vocab or load_vocabulary()
        # Vendor messages first: they carry weight 4, so they win over any phrase.
        self._rules: GatedRules[WeightedRule] = GatedRules([*vocab.message_rules, *vocab.symptom_rules])
        self._short = tuple((r, compile_user(r.source, name=r.id)) for r in vocab.symptom_short_answers)

    def match(self, msg: Message, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the leading symptom, weighted 1 (generic) .. 4 (a vendor message)."""
        folded = msg.folded
        scan = msg.scan
        best: Hit | None = None
        for gate in self._rules.open(msg):
            rule = gate.rule
            weight = rule.weight
            if best is not None and weight < best.weight:
                continue
            search = gate.search
            found = search(scan)
            while found is not None:
                start = found.start()
                if best is not None and weight == best.weight and start >= best.start:
                    break
                if weight < 4 and _negated(folded, start, found.end()):
                    found = search(scan, start + 1)
                    continue
                best = Hit(rule.label, rule.id, start, found.end(), weight=weight, hint=rule.client)
                break
        if best is None and turn.pending == "symptom":
            best = self._short_answer(folded)
        return best

    def _short_answer(self, folded: str) -> Hit | None:
        for rule, pattern in self._short:
            found = pattern.search(folded)
            if found:
                return Hit(rule.label, rule.id, found.start(), found.end())
        choice = ordinal_choice(folded, DEFAULT_CHOICES["symptom"])
        if choice:
            return Hit(choice[0], "symptom:choice:ordinal", choice[1], choice[2])
        return None
