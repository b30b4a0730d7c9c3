"""Reading a message for the policy: its features, its context, and the kind the policy gives it.

The facts come from the extractor (once in the context of the pending
question, and once on its own to see which topic the message names); the
cues from :mod:`vpnfsm.dialogue.cues`; the rest from the session. The
decision itself is :func:`vpnfsm.dialogue.policy.decide` over declared rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vpnfsm.dialogue.cues import find_cues
from vpnfsm.dialogue.feedback import Feedback, read_feedback
from vpnfsm.dialogue.language import detect_language
from vpnfsm.dialogue.policy import ACTIONS, LIMITS, Context, Kind, Rule, decide
from vpnfsm.flows.registry import flow_for_intent
from vpnfsm.flows.slots import match_slots
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.nlp.model import Extraction
from vpnfsm.session import Session
from vpnfsm.types import Extractor

__all__ = ["TOPIC_CONFIDENCE", "Reading", "context_of", "read_message"]

#: The extractor's intent confidence needed before "another topic" counts without a cue.
TOPIC_CONFIDENCE = 0.6
#: An intent read from an explicit cue phrase beats another flow's vocabulary; an inferred one does not.
EXPLICIT_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Reading:
    """What the policy made of one message.

    Attributes:
        kind: what the message is (after the budgets: a meta turn past the
            budget is an answer, a switch past it an aside).
        rule: the policy row that decided (before the budgets).
        context: what the bot was waiting for.
        features: the features that held.
        topic: the message's reading for a new case: the in-context one, or (with a
            switch cue and no other intent in context) the message read on its own.
        target: the other flow the message is about, if any (a new case would run it).
        result: the answer to "did that work?", from the extractor or the feedback table.
        corrections: per slot of the running flow, the new value the message gives.
        language: the message's language (``"en"`` when short or unsure).

    """

    kind: Kind
    rule: Rule
    context: Context
    features: frozenset[str]
    topic: Extraction
    target: str | None = None
    result: Feedback | None = None
    corrections: Mapping[str, str] = field(default_factory=dict)
    language: str = "en"


def context_of(session: Session, spec: FlowSpec | None) -> Context:
    """What the bot is waiting for in this session."""
    if session.outcome == "handoff":
        return "handoff"
    if spec is None or session.flow is None or session.outcome is not None or session.state is None:
        return "fresh"
    if session.state not in spec.state_names:
        return "question"
    return "result" if spec.state(session.state).checks_result else "question"


def _values(spec: FlowSpec, extraction: Extraction, message: str) -> dict[str, str]:
    """The slot values of ``spec`` this message gives."""
    found = {slot: value for slot, value in extraction.entities().items() if value is not None and slot in spec.slots}
    found.update(match_slots(spec, message))
    return found


def read_message(
    message: str,
    *,
    extraction: Extraction,
    session: Session,
    spec: FlowSpec | None,
    extractor: Extractor,
    flows: Mapping[str, FlowSpec],
) -> Reading:
    """Read one message for the policy (``extraction``: read in the context of the pending question)."""
    context = context_of(session, spec)
    features = set(find_cues(message))
    current = spec.intent if spec is not None and session.flow is not None else None
    topic = extraction
    if (
        context in ("question", "result")
        and extraction.intent == current
        and features & {"switch_cue", "also_cue"}
    ):
        # "Forget the e-mail, the VPN is down": read in context, the flow's own word
        # keeps its intent; read on its own, the message names the new topic. Only
        # then is the extractor asked a second time (an LLM extractor costs per call).
        topic = extractor.extract(message, context=None)
    memory = session.dialogue
    if extraction.human or "person_cue" in features:
        features.add("human")
    if memory.topic_asked:
        features.add("topic_asked")
    if memory.language_offered:
        features.add("language_offered")
    if session.parked is not None:
        features.add("parked")
    language = detect_language(message)
    if language != "en":
        features.add("other_language")
    # Another flow's own vocabulary names a topic only beside a cue or after a handoff
    # (it is matched for every other flow, so it is not paid on ordinary answers).
    vocabulary = context == "handoff" or bool(features & {"switch_cue", "also_cue"})
    target = _other_topic(message, topic, current, flows, vocabulary=vocabulary)
    if target is not None:
        features.add("other_topic")
    result: Feedback | None = None
    corrections: dict[str, str] = {}
    if spec is not None and context in ("question", "result"):
        values = _values(spec, extraction, message)
        if topic.intent == current or values:
            features.add("own_topic")
        pending = spec.state(session.state).asks if session.state in spec.state_names else None
        if context == "result":
            result = extraction.result or read_feedback(message)
            if result is not None:
                features.add("answers_pending")
        elif pending is not None and (pending in values or extraction.dont_know):
            features.add("answers_pending")
        if pending is not None and pending in values:
            features.add("gives_value")
        corrections = {
            slot: value
            for slot, value in values.items()
            if session.slots.get(slot) is not None and session.slots.get(slot) != value
        }
        if corrections:
            features.add("corrects")
        if (
            extraction.intent != current
            and flow_for_intent(extraction.intent, flows) is not None
            and extraction.intent_confidence >= TOPIC_CONFIDENCE
        ):
            features.add("topic_shift")
    frozen = frozenset(features)
    rule = decide(frozen, context)
    kind = _within_budgets(rule.kind, session, context)
    return Reading(
        kind=kind,
        rule=rule,
        context=context,
        features=frozen,
        topic=topic,
        target=target,
        result=result,
        corrections=corrections,
        language=language,
    )


def _other_topic(
    message: str, topic: Extraction, current: str | None, flows: Mapping[str, FlowSpec], *, vocabulary: bool
) -> str | None:
    """The flow (other than the running one) this message is about, read on its own.

    The extractor's intent first; else another flow's own first question
    vocabulary ("locked myself out" is the password flow's ``problem``), which
    the extractor may not weigh against a word like "VPN" in the same message.
    """
    spec = flow_for_intent(topic.intent, flows)
    explicit = spec if spec is not None and topic.intent != current else None
    if not vocabulary or (explicit is not None and topic.intent_confidence >= EXPLICIT_CONFIDENCE):
        return explicit.name if explicit is not None else None
    for other in flows.values():
        if other.intent == current or not other.vocabulary:
            continue
        first = next(iter(other.slots), None)
        if first is not None and first in match_slots(other, message):
            return other.name  # "my authenticator app is gone": the password flow's, not a VPN symptom
    return explicit.name if explicit is not None else None


def _within_budgets(kind: Kind, session: Session, context: Context) -> Kind:
    """Apply the budgets that keep every case bounded (see :class:`~vpnfsm.dialogue.policy.PolicyLimits`)."""
    memory = session.dialogue
    if ACTIONS[kind].switches and memory.switches >= LIMITS.max_switches:
        kind = "aside" if context in ("question", "result") else "follow_up" if context == "handoff" else "answer"
    if context in ("question", "result") and ACTIONS[kind].meta and memory.meta_turns >= LIMITS.max_meta_turns:
        kind = "answer"
    return kind
