"""The dialogue policy, declared: what a message is, in the context of the pending question.

A turn is described by *features* (cues found in the text, facts the
extractor read, what the session holds) and a *context* (what the bot is
waiting for). :data:`RULES` is an ordered table: the first rule whose
``needs`` all hold, none of whose ``unless`` holds, and whose contexts include
the turn's, names the message's :data:`Kind`. :data:`ACTIONS` says what each
kind does: whether it steps the flow, counts against the meta budget, or
switches cases. ``vpnfsm verify`` checks this table (:mod:`vpnfsm.dialogue.checks`):
every combination of features gets a kind, no rule is dead, asides never
switch, and the budgets keep every case bounded.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "ACTIONS",
    "CONTEXTS",
    "FEATURES",
    "KINDS",
    "LIMITS",
    "RULES",
    "Action",
    "Context",
    "Kind",
    "PolicyLimits",
    "Rule",
    "decide",
]

Kind = Literal[
    "answer",  # a value for the pending question (or an unfitting one: re-asked, counted)
    "correction",  # a different value for a fact already known, nothing for the pending question
    "aside",  # mentions something else in passing: noted, the question stays
    "new_problem",  # another problem: the current case is parked, the new one starts
    "return",  # back to the parked case
    "follow_up",  # about a case already with a person: its reference and ticket
    "clarify",  # "what do you mean?": the pending question explained with examples
    "safety",  # "should I just accept the certificate?": the safe answer
    "thanks",
    "bye",
    "frustration",  # acknowledged in one sentence, then the question again
    "human",  # a person, now (or, with no topic known, once asked what it is about)
    "language",  # not English: say so, offer a person
]
KINDS: tuple[Kind, ...] = get_args(Kind)

Context = Literal[
    "fresh",  # no case open (new session, or the last case was resolved)
    "question",  # a flow asks for a fact
    "result",  # a flow asks whether the steps worked
    "handoff",  # the current case is with a person
]
CONTEXTS: tuple[Context, ...] = get_args(Context)

#: Every feature a rule may name, with what it means (computed in :mod:`vpnfsm.dialogue.classify`).
FEATURES: Mapping[str, str] = {
    "human": "the user asks for a person",
    "topic_asked": "a person was asked for with no topic; this message is the answer",
    "language_offered": "only-English was said and a person offered on the last turn",
    "other_language": "the message is long enough and clearly not English",
    "affirm_cue": "a short yes (in English or another common language)",
    "safety_cue": "asks whether something risky is safe",
    "clarify_cue": "asks what the question means",
    "switch_cue": "'never mind', 'forget it': drops the pending question",
    "also_cue": "'also', 'another thing': a second problem",
    "return_cue": "'back to ...'",
    "follow_up_cue": "asks about the status, ticket or reference",
    "aside_cue": "'btw', 'fyi', or says something else works fine",
    "thanks_cue": "says thanks",
    "bye_cue": "says bye",
    "frustration_cue": "sounds frustrated",
    "parked": "a case is parked",
    "other_topic": "read on its own, the message is about another flow's topic",
    "own_topic": "the message names the current case's topic or facts",
    "answers_pending": "the message gives a value (or 'don't know') for the pending question",
    "gives_value": "the message gives a value for the pending question (not just 'don't know')",
    "contact_offer": "offers a phone number or address 'if easier': not a request for a person",
    "person_cue": "names a person or the service desk ('transfer me', 'real person')",
    "corrects": "the message gives a different value for a fact already known",
    "topic_shift": "in context, the extractor still reads another intent, confidently",
}

_ALL: frozenset[Context] = frozenset(CONTEXTS)
_OPEN: frozenset[Context] = frozenset({"question", "result"})


@dataclass(frozen=True)
class Rule:
    """One row of the policy: when a message is of ``kind``."""

    kind: Kind
    needs: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()
    contexts: frozenset[Context] = _ALL
    why: str = ""

    def fires(self, features: frozenset[str], context: Context) -> bool:
        """Whether this rule decides a turn with these features in this context."""
        return context in self.contexts and self.needs <= features and not (self.unless & features)


def _rule(
    kind: Kind, *, needs: str = "", unless: str = "", contexts: frozenset[Context] = _ALL, why: str
) -> Rule:
    return Rule(kind, frozenset(needs.split()), frozenset(unless.split()), contexts, why)


#: The policy, first match wins. Each row says why it sits where it does.
RULES: tuple[Rule, ...] = (
    _rule("human", needs="topic_asked", why="asked once what it is about: hand off whatever the answer"),
    _rule(
        "human",
        needs="human",
        unless="contact_offer",
        why="a person on request, at once, before anything else ('call me if easier' only offers a number)",
    ),
    _rule("human", needs="language_offered other_language", why="still not English after the offer: no loop"),
    _rule("human", needs="language_offered affirm_cue", why="accepted the offered person"),
    _rule(
        "language",
        needs="other_language",
        unless="answers_pending",
        why="'ja, funktioniert' answers the check; a paragraph in Spanish is not understood",
    ),
    _rule("safety", needs="safety_cue", contexts=_OPEN | {"fresh"}, why="the safe answer before anything risky"),
    _rule("return", needs="return_cue parked", why="'back to the VPN' resumes the parked case"),
    _rule(
        "new_problem",
        needs="switch_cue other_topic",
        contexts=_OPEN | {"handoff"},
        why="'never mind the VPN, I locked myself out' is not an answer",
    ),
    _rule(
        "new_problem",
        needs="also_cue other_topic",
        contexts=_OPEN | {"handoff"},
        why="'also my outlook won't sync' is a second problem",
    ),
    _rule(
        "new_problem",
        needs="other_topic",
        unless="follow_up_cue",
        contexts=frozenset({"handoff"}),
        why="after a handoff a clearly new problem opens a new case",
    ),
    _rule("follow_up", needs="follow_up_cue", contexts=frozenset({"handoff"}), why="'any news?': the reference"),
    _rule(
        "clarify",
        needs="clarify_cue",
        unless="gives_value",
        contexts=_OPEN,
        why="a question about the question is not an unfitting answer",
    ),
    _rule(
        "aside",
        needs="other_topic answers_pending",
        unless="own_topic",
        contexts=frozenset({"result"}),
        why="'btw e-mail on my phone works fine' is not about the steps",
    ),
    _rule("answer", needs="answers_pending", contexts=_OPEN, why="it answers the pending question"),
    _rule("correction", needs="corrects", contexts=_OPEN, why="'sorry, it's a Mac actually'"),
    _rule(
        "aside",
        needs="aside_cue",
        unless="switch_cue also_cue",
        contexts=_OPEN,
        why="'btw e-mail on my phone works fine' is said in passing, not a new problem",
    ),
    _rule(
        "new_problem",
        needs="topic_shift",
        unless="own_topic",
        contexts=_OPEN,
        why="no cue, but nothing of this case and clearly another topic",
    ),
    _rule("thanks", needs="thanks_cue", unless="bye_cue", why="thanks is not an answer"),
    _rule("bye", needs="bye_cue", why="bye closes politely"),
    _rule("frustration", needs="frustration_cue", contexts=_OPEN, why="acknowledged, then the question again"),
    _rule("aside", needs="other_topic", contexts=_OPEN, why="another topic mentioned without a cue stays an aside"),
    _rule("follow_up", contexts=frozenset({"handoff"}), why="anything else after a handoff: the reference"),
    _rule("answer", why="everything else is an answer (an unfitting one is re-asked and counted)"),
)


@dataclass(frozen=True)
class Action:
    """What a kind of message does.

    Attributes:
        steps_flow: the flow's machine is stepped (an answer, a correction with steps to re-target, a person).
        meta: counts against :attr:`PolicyLimits.max_meta_turns` (and not against the re-ask budget).
        switches: changes the current case (park, resume, new case); counts against ``max_switches``.

    """

    steps_flow: bool = False
    meta: bool = False
    switches: bool = False


ACTIONS: Mapping[Kind, Action] = {
    "answer": Action(steps_flow=True),
    "correction": Action(meta=True),
    "aside": Action(meta=True),
    "new_problem": Action(switches=True),
    "return": Action(switches=True),
    "follow_up": Action(),
    "clarify": Action(meta=True),
    "safety": Action(meta=True),
    "thanks": Action(meta=True),
    "bye": Action(meta=True),
    "frustration": Action(meta=True),
    "human": Action(steps_flow=True),
    "language": Action(meta=True),
}


@dataclass(frozen=True)
class PolicyLimits:
    """The budgets that keep every conversation bounded with the policy in place.

    Attributes:
        max_meta_turns: meta turns per case; past it a meta message is handled as an answer.
        max_switches: new problems and returns per session; past it, they are asides.
        max_parked: cases that can wait at once.
        max_earlier: ended cases kept for follow-ups.

    """

    max_meta_turns: int = 4
    max_switches: int = 4
    max_parked: int = 1
    max_earlier: int = 3


LIMITS = PolicyLimits()


@functools.lru_cache(maxsize=4096)
def decide(features: frozenset[str], context: Context) -> Rule:
    """The first rule that fires (the table ends in a catch-all, which a verifier check pins).

    A pure function of a few dozen feature names and a context, so each
    combination is decided once per process.
    """
    for rule in RULES:
        if rule.fires(features, context):
            return rule
    raise AssertionError("the dialogue policy has no catch-all rule")  # pragma: no cover
