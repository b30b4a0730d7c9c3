"""Conversation signals: ask for a human, start over, "I don't know", and "did it work?".

The pending question changes how short answers read: "no" at ``*_CHECK_RESULT`` means the
steps failed, at ``*_ASK_ERROR_CODE`` it means there is no code to give.
"""

from __future__ import annotations

import re

from vpnfsm.nlp._vocab import Vocabulary, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit, Signals

__all__ = ["RuleSignalDetector"]

_Cues = tuple[tuple[str, re.Pattern[str]], ...]
# A "don't know" with nothing pending counts only when it is (nearly) the whole message,
# so "I don't know why the vpn drops" is a report, not an answer.
_SHORT = 6


def _compile(pairs: tuple[tuple[str, str], ...]) -> _Cues:
    return tuple((rule_id, re.compile(source)) for rule_id, source in pairs)


def _first(cues: _Cues, folded: str, value: str) -> Hit | None:
    for rule_id, pattern in cues:
        found = pattern.search(folded)
        if found:
            return Hit(value, rule_id, found.start(), found.end())
    return None


class RuleSignalDetector:
    """Detects signals from the phrase lists of ``vocab.toml``."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the signal phrases of ``vocab``."""
        rules = (vocab or load_vocabulary()).signal_rules
        self._human = _compile(rules["human"])
        self._reset = _compile(rules["reset"])
        self._dont_know = _compile(rules["dont_know"])
        self._no_code = _compile(rules["dont_know_code"])
        self._failed = _compile(rules["failed"])
        self._worked = _compile(rules["worked"])

    def detect(self, text: str, folded: str, turn: Turn, answered: bool) -> Signals:
        """Return the signals; ``answered`` is true when the pending question got a value."""
        human = _first(self._human, folded, "true")
        reset = _first(self._reset, folded, "true")
        dont_know = None
        if not answered:
            dont_know = _first(self._dont_know, folded, "true")
            if dont_know is None and turn.pending == "error_code":
                dont_know = _first(self._no_code, folded, "true")
            if dont_know is not None and turn.pending is None and len(folded.split()) > _SHORT:
                dont_know = None
        result = None
        if turn.pending == "result":
            result = _first(self._failed, folded, "failed") or _first(self._worked, folded, "worked")
            if result is not None and result.value == "failed":
                # "no longer drops", "not a problem anymore" read as success.
                worked = _first(self._worked, folded, "worked")
                if worked is not None and worked.rule == "signal:result:worked-phrase" and _is_relief(folded):
                    result = worked
        return Signals(human=human, reset=reset, dont_know=dont_know, result=result)


_RELIEF = re.compile(r"\bno\s+longer\b|\banymore\b|\bnot\s+(?:any\s+)?more\b|\bnot\s+since\b")


def _is_relief(folded: str) -> bool:
    return _RELIEF.search(folded) is not None
