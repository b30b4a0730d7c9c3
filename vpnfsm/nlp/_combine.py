"""How a rule's answer and the trained classifier's answer combine (the policy, as data).

Rules keep precedence where they are precise: a product or OS name, a vendor message, an error
code that belongs to a VPN, a VPN word. The classifier fills the gaps (no rule fired) and
overrules only the rules listed as inferences here, and only when it is confident (its
probability reaches the calibrated threshold in the weight file). Unit tests check that every
listed prefix names rules that exist, so a renamed rule cannot silently change the policy.
"""

from __future__ import annotations

from vpnfsm.nlp.classifier import Prediction
from vpnfsm.nlp.protocols import Hit

__all__ = [
    "INFERRED_INTENT_RULES",
    "is_inferred",
    "MIN_MODEL_WORDS",
    "MIN_SYMPTOM_CONTENT_WORDS",
    "VAGUE_WORDS",
    "MIN_SYMPTOM_PROBABILITY",
    "MODEL_RULE",
    "SYMPTOM_RULE_PRECISE_WEIGHT",
    "pick_intent",
    "pick_symptom",
    "rule_confidence",
]

#: The rule id of every value the classifier gave.
MODEL_RULE = "model"

#: Intent rules that infer rather than read the subject: a symptom or an error code taken for a
#: VPN problem, a bare password or log-in word, mail words, the default. A confident classifier
#: overrules them ("MFA push never arrives" is a sign-in problem unless a VPN is named).
INFERRED_INTENT_RULES: tuple[str, ...] = (
    "intent:general:default",
    "intent:vpn:from-symptom:",
    "intent:vpn:from-code:cued",
    "intent:vpn:from-code:hresult",
    "intent:vpn:from-msg:generic:",
    "intent:password_reset:password-word",
    "intent:password_reset:cant-log-in",
    "intent:email:mail-words",
)

#: A symptom rule of at least this weight (a specific phrase, a vendor message, a code's
#: documented meaning) beats the classifier; weaker, generic wording ("fails", "error") does not.
SYMPTOM_RULE_PRECISE_WEIGHT = 2

#: The classifier names a symptom no rule found only from this probability up, whatever the
#: calibrated cut: the corpus the cuts are calibrated on has a symptom in nearly every row, so
#: out of fold any guess beats none, while in a chat a vague "vpn problem" should be asked about.
MIN_SYMPTOM_PROBABILITY = 0.25

#: The classifier reads messages of at least this many words: "Windows" or "vpn down" alone is
#: an answer or a topic, and a one-word prior ("windows" is often a password reset in the
#: corpus) must not start a flow.
MIN_MODEL_WORDS = 3
#: Words that say something is wrong without saying what ("vpn doesn't work since this
#: morning", "anyconnect on my mac is broken"): a message made only of these, product and
#: system names gets no symptom from the classifier, so the flow asks what happens.
VAGUE_WORDS = frozenset(
    {
        "a", "an", "the", "my", "our", "it", "its", "is", "isnt", "are", "was", "this", "that", "on", "at", "in",
        "with", "for", "to", "of", "and", "or", "but", "so", "i", "im", "me", "we", "vpn", "hi", "hello", "hey",
        "pls", "please", "help", "thanks", "thx", "any", "ideas", "can", "cant", "t", "s", "not", "no", "doesnt",
        "dont", "didnt", "wont", "won", "work", "works", "working", "worked", "broken", "down", "dead", "issue",
        "issues", "problem", "problems", "trouble", "again", "anymore", "still", "just", "since", "today",
        "yesterday", "morning", "tonight", "week", "now", "mac", "macbook", "macos", "windows", "win", "linux",
        "ubuntu", "iphone", "ipad", "android", "laptop", "pc", "anyconnect", "cisco", "globalprotect",
        "forticlient", "openvpn", "wireguard", "zscaler", "pulse", "ivanti", "checkpoint",
    }
)
#: Words besides :data:`VAGUE_WORDS` a message needs before the classifier may name its symptom.
MIN_SYMPTOM_CONTENT_WORDS = 1


def is_inferred(rule: str) -> bool:
    """Whether an intent rule only inferred the intent (so boundaries and the model may overrule it)."""
    return rule.startswith(INFERRED_INTENT_RULES)


def rule_confidence(rule: str) -> float:
    """How sure a rule-decided intent is, by the kind of rule that decided it."""
    if rule.endswith(":default"):
        return 0.3  # nothing said which topic
    if rule.endswith(":flow-context"):
        return 0.5  # kept the running flow's intent for want of a cue
    if ":from-" in rule:
        return 0.7  # inferred from a client, code or symptom
    return 0.9  # an explicit cue phrase


def pick_intent(rule_hit: Hit, model: Prediction | None) -> tuple[Hit, float, Prediction | None]:
    """Return the intent hit, its confidence and the prediction when the classifier decided."""
    if model is None or not is_inferred(rule_hit.rule):
        return rule_hit, rule_confidence(rule_hit.rule), None
    if model.confident and model.label != rule_hit.value:
        return Hit(model.label, MODEL_RULE, 0, 0), model.probability, model
    if model.label == rule_hit.value:
        return rule_hit, max(model.probability, rule_confidence(rule_hit.rule)), None
    return rule_hit, round(1.0 - model.probability, 4), None


def pick_symptom(rule_hit: Hit | None, model: Prediction | None) -> tuple[Hit | None, Prediction | None, str | None]:
    """Return the symptom hit, the prediction when the classifier decided, and a second symptom."""
    if model is None or not model.confident or model.probability < MIN_SYMPTOM_PROBABILITY:
        return rule_hit, None, None
    if rule_hit is not None and rule_hit.weight >= SYMPTOM_RULE_PRECISE_WEIGHT:
        second = model.label if model.label != rule_hit.value else None
        return rule_hit, None, second
    second = rule_hit.value if rule_hit is not None and rule_hit.value != model.label else None
    return Hit(model.label, MODEL_RULE, 0, 0, weight=SYMPTOM_RULE_PRECISE_WEIGHT), model, second
