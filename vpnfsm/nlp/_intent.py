"""Rule-based intent classifier: vpn, email, password_reset or general.

In a fresh conversation the cues decide. Inside a running flow the message keeps the flow's
intent unless it clearly changes the subject: another intent's cue with none of the flow's
own ("also my outlook won't sync" during the VPN flow is e-mail).
"""

from __future__ import annotations

import re

from vpnfsm.nlp._vocab import Vocabulary, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Facts, Hit

__all__ = ["RuleIntentClassifier"]

_Cues = tuple[tuple[str, re.Pattern[str]], ...]


def _compile(pairs: tuple[tuple[str, str], ...]) -> _Cues:
    return tuple((rule_id, re.compile(source)) for rule_id, source in pairs)


def _first(cues: _Cues, folded: str) -> Hit | None:
    for rule_id, pattern in cues:
        found = pattern.search(folded)
        if found:
            return Hit("", rule_id, found.start(), found.end())
    return None


def _as(hit: Hit, intent: str) -> Hit:
    return Hit(intent, hit.rule, hit.start, hit.end)


class RuleIntentClassifier:
    """Classifies intents from the cue phrases of ``vocab.toml`` and the entities found."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the intent cues of ``vocab``."""
        rules = (vocab or load_vocabulary()).intent_rules
        self._vpn_strong = _compile(rules["vpn_strong"])
        self._vpn_weak = _compile(rules["vpn_weak"])
        self._email = _compile(rules["email"])
        self._pwd_strong = _compile(rules["password_strong"])
        self._pwd_weak = _compile(rules["password_weak"])
        self._non_vpn = _compile(rules["non_vpn_objects"])

    def classify(self, text: str, folded: str, turn: Turn, facts: Facts) -> Hit:
        """Return the intent hit; its span is the cue that decided, empty for a default."""
        vpn = self._vpn_cue(folded, facts)
        email = _first(self._email, folded)
        pwd_strong = _first(self._pwd_strong, folded)
        flow = turn.flow_intent
        if flow is not None:
            return self._in_flow(folded, turn, flow, vpn, email, pwd_strong)
        if pwd_strong and facts.client is None and facts.error_code is None and not email:
            return _as(pwd_strong, "password_reset")
        if vpn is not None:
            return vpn
        if email:
            return _as(email, "email")
        if pwd_strong:
            return _as(pwd_strong, "password_reset")
        pwd_weak = _first(self._pwd_weak, folded)
        if pwd_weak:
            return _as(pwd_weak, "password_reset")
        weak = _first(self._vpn_weak, folded)
        if weak and facts.symptom is not None:
            return _as(weak, "vpn")
        symptom = facts.symptom
        if symptom is not None and symptom.weight >= 2 and _first(self._non_vpn, folded) is None:
            return Hit("vpn", f"intent:vpn:from-{symptom.rule}", symptom.start, symptom.end)
        return Hit("general", "intent:general:default", 0, 0)

    def _vpn_cue(self, folded: str, facts: Facts) -> Hit | None:
        strong = _first(self._vpn_strong, folded)
        if strong:
            return _as(strong, "vpn")
        for hit in (facts.client, facts.error_code):
            if hit is not None:
                return Hit("vpn", f"intent:vpn:from-{hit.rule}", hit.start, hit.end)
        symptom = facts.symptom
        if symptom is not None and symptom.weight >= 4:
            return Hit("vpn", f"intent:vpn:from-{symptom.rule}", symptom.start, symptom.end)
        return None

    def _in_flow(
        self, folded: str, turn: Turn, flow: str, vpn: Hit | None, email: Hit | None, pwd: Hit | None
    ) -> Hit:
        default = Hit(flow, f"intent:{flow}:flow-context", 0, 0)
        own = {"vpn": vpn, "email": email, "password_reset": pwd}
        if own.get(flow) is not None:
            return default
        if flow != "email" and email is not None and vpn is None:
            return _as(email, "email")
        if flow != "password_reset" and pwd is not None and vpn is None and turn.pending != "symptom":
            return _as(pwd, "password_reset")
        if flow != "vpn" and vpn is not None:
            return vpn
        return default
