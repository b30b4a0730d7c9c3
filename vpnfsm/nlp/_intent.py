"""Rule-based intent classifier: vpn, email, password_reset or general.

In a fresh conversation the cues decide. Inside a running flow the message keeps the flow's
intent unless it clearly changes the subject: another intent's cue with none of the flow's
own ("also my outlook won't sync" during the VPN flow is e-mail).
"""

from __future__ import annotations

from vpnfsm.nlp._rules import GatedRules
from vpnfsm.nlp._vocab import Vocabulary, WeightedRule, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Facts, Hit, Message

__all__ = ["RuleIntentClassifier"]

_Cues = GatedRules[WeightedRule]


def _first(cues: _Cues, msg: Message) -> Hit | None:
    found = cues.first(msg)
    if found is None:
        return None
    rule, match = found
    return Hit("", rule.id, match.start(), match.end())


def _as(hit: Hit, intent: str) -> Hit:
    return Hit(intent, hit.rule, hit.start, hit.end)


class RuleIntentClassifier:
    """Classifies intents from the cue phrases of ``vocab.toml`` and the entities found."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the intent cues of ``vocab``."""
        rules = (vocab or load_vocabulary()).intent_rules
        self._vpn_strong: _Cues = GatedRules(rules["vpn_strong"])
        self._vpn_weak: _Cues = GatedRules(rules["vpn_weak"])
        self._email: _Cues = GatedRules(rules["email"])
        self._pwd_strong: _Cues = GatedRules(rules["password_strong"])
        self._pwd_weak: _Cues = GatedRules(rules["password_weak"])
        self._non_vpn: _Cues = GatedRules(rules["non_vpn_objects"])
        self._network_secret: _Cues = GatedRules(rules["network_secret"])

    def classify(self, msg: Message, turn: Turn, facts: Facts) -> Hit:
        """Return the intent hit; its span is the cue that decided, empty for a default."""
        vpn = self._vpn_cue(msg, facts)
        email = _first(self._email, msg)
        pwd_strong = _first(self._pwd_strong, msg)
        flow = turn.flow_intent
        if flow is not None:
            return self._in_flow(msg, turn, flow, vpn, email, pwd_strong)
        if pwd_strong and facts.client is None and facts.error_code is None and not email:
            return _as(pwd_strong, "password_reset")
        if vpn is not None and not (email and ":from-code:" in vpn.rule):
            return vpn  # an error code alone does not beat a mail cue ("Outlook error 0x800CCC0E")
        if email:
            return _as(email, "email")
        if pwd_strong:
            return _as(pwd_strong, "password_reset")
        pwd_weak = _first(self._pwd_weak, msg)
        if pwd_weak and _first(self._network_secret, msg) is None:
            return _as(pwd_weak, "password_reset")  # "the guest wifi password" is a question, not a reset
        weak = _first(self._vpn_weak, msg)
        if weak and facts.symptom is not None:
            return _as(weak, "vpn")
        symptom = facts.symptom
        if symptom is not None and symptom.weight >= 2 and _first(self._non_vpn, msg) is None:
            return Hit("vpn", f"intent:vpn:from-{symptom.rule}", symptom.start, symptom.end)
        return Hit("general", "intent:general:default", 0, 0)

    def _vpn_cue(self, msg: Message, facts: Facts) -> Hit | None:
        strong = _first(self._vpn_strong, msg)
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
        self, msg: Message, turn: Turn, flow: str, vpn: Hit | None, email: Hit | None, pwd: Hit | None
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
