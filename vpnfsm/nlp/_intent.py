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
# Symptoms a device has on its own ("my laptop is slow", "chrome crashes"): not VPN trouble.
_DEVICE_SYMPTOMS = frozenset({"slow", "client_error"})


def _symptom_means_vpn(symptom: Hit | None, cues: dict[str, Hit]) -> bool:
    """Tell whether a clear symptom with no other subject reads as VPN trouble (a VPN helpdesk bot)."""
    if symptom is None or symptom.weight < 2:
        return False
    if "non_vpn_objects" in cues and symptom.weight < 3:
        return False  # "wifi keeps dropping"; but "connected but no internet" is the VPN's
    return not ("own_device" in cues and symptom.value in _DEVICE_SYMPTOMS)


def _as(hit: Hit, intent: str) -> Hit:
    return Hit(intent, hit.rule, hit.start, hit.end)


class RuleIntentClassifier:
    """Classifies intents from the cue phrases of ``vocab.toml`` and the entities found."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Compile the intent cues of ``vocab`` (one gated rule set, labelled by cue group)."""
        rules = (vocab or load_vocabulary()).intent_rules
        self._cues: _Cues = GatedRules([rule for group in rules.values() for rule in group])

    def classify(self, msg: Message, turn: Turn, facts: Facts) -> Hit:
        """Return the intent hit; its span is the cue that decided, empty for a default."""
        found = self._cues.first_by_label(msg)
        cues = {label: Hit("", rule.id, m.start(), m.end()) for label, (rule, m) in found.items()}
        vpn = self._vpn_cue(cues.get("vpn_strong"), facts)
        email = cues.get("email")
        pwd_strong = cues.get("password_strong")
        flow = turn.flow_intent
        if flow is not None:
            return self._in_flow(flow, vpn, email, pwd_strong, turn)
        if pwd_strong and facts.client is None and facts.error_code is None and not email:
            return _as(pwd_strong, "password_reset")
        if vpn is not None and not (email and ":from-code:" in vpn.rule):
            return vpn  # an error code alone does not beat a mail cue ("Outlook error 0x800CCC0E")
        if email:
            return _as(email, "email")
        if pwd_strong:
            return _as(pwd_strong, "password_reset")
        pwd_weak = cues.get("password_weak")
        if pwd_weak and "network_secret" not in cues:
            return _as(pwd_weak, "password_reset")  # "the guest wifi password" is a question, not a reset
        weak = cues.get("vpn_weak")
        if weak and facts.symptom is not None:
            return _as(weak, "vpn")
        symptom = facts.symptom
        if _symptom_means_vpn(symptom, cues):
            assert symptom is not None
            return Hit("vpn", f"intent:vpn:from-{symptom.rule}", symptom.start, symptom.end)
        return Hit("general", "intent:general:default", 0, 0)

    def _vpn_cue(self, strong: Hit | None, facts: Facts) -> Hit | None:
        if strong:
            return _as(strong, "vpn")
        for hit in (facts.client, facts.error_code):
            if hit is not None:
                return Hit("vpn", f"intent:vpn:from-{hit.rule}", hit.start, hit.end)
        symptom = facts.symptom
        if symptom is not None and symptom.weight >= 4:
            return Hit("vpn", f"intent:vpn:from-{symptom.rule}", symptom.start, symptom.end)
        return None

    def _in_flow(self, flow: str, vpn: Hit | None, email: Hit | None, pwd: Hit | None, turn: Turn) -> Hit:
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
