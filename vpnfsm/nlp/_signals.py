"""Conversation signals: ask for a human, start over, "I don't know", and "did it work?".

The pending question changes how short answers read: "no" at ``*_CHECK_RESULT`` means the
steps failed, at ``*_ASK_ERROR_CODE`` it means there is no code to give.
"""

from __future__ import annotations

from vpnfsm._patterns import UserMatch, compile_user
from vpnfsm.nlp._rules import GatedRules
from vpnfsm.nlp._vocab import Vocabulary, WeightedRule, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit, Message, Signals

__all__ = ["RuleSignalDetector"]

_Cues = GatedRules[WeightedRule]
# A "don't know" with nothing pending counts only when it is (nearly) the whole message,
# so "I don't know why the vpn drops" is a report, not an answer.
_SHORT = 6


def _hit(found: tuple[WeightedRule, UserMatch] | None, value: str) -> Hit | None:
    if found is None:
        return None
    rule, match = found
    return Hit(value, rule.id, match.start(), match.end())


def _first(cues: _Cues, msg: Message, value: str) -> Hit | None:
    found = cues.first(msg)
    if found is None:
        return None
    rule, match = found
    return Hit(value, rule.id, match.start(), match.end())


class RuleSignalDetector:
    """Detects signals from the phrase lists of ``vocab.toml``."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the signal phrases of ``vocab``."""
        rules = (vocab or load_vocabulary()).signal_rules
        # Asked of every message: one gate pass for both.
        self._always: _Cues = GatedRules([*rules["human"], *rules["reset"]])
        self._dont_know: _Cues = GatedRules(rules["dont_know"])
        self._no_code: _Cues = GatedRules(rules["dont_know_code"])
        self._failed: _Cues = GatedRules(rules["failed"])
        self._worked: _Cues = GatedRules(rules["worked"])

    def detect(self, msg: Message, turn: Turn, answered: bool) -> Signals:
        """Return the signals; ``answered`` is true when the pending question got a value."""
        folded = msg.folded
        found = self._always.first_by_label(msg)
        human = _hit(found.get("human"), "true")
        reset = _hit(found.get("reset"), "true")
        dont_know = None
        if not answered and (turn.pending is not None or len(msg.tokens) <= _SHORT):
            dont_know = _first(self._dont_know, msg, "true")
            if dont_know is None and turn.pending == "error_code":
                dont_know = _first(self._no_code, msg, "true")
        result = None
        if turn.pending == "result":
            result = _first(self._failed, msg, "failed") or _first(self._worked, msg, "worked")
            if result is not None and result.value == "failed":
                # "no longer drops", "not a problem anymore" read as success.
                worked = _first(self._worked, msg, "worked")
                if worked is not None and worked.rule == "signal:result:worked-phrase" and _is_relief(folded):
                    result = worked
        return Signals(human=human, reset=reset, dont_know=dont_know, result=result)


_RELIEF = compile_user(
    r"\bno\s+longer\b|\banymore\b|\bnot\s+(?:any\s+)?more\b|\bnot\s+since\b", name="signal:relief"
)


def _is_relief(folded: str) -> bool:
    return _RELIEF.search(folded) is not None
