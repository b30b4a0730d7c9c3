"""The replaceable parts of :class:`~vpnfsm.nlp.RuleExtractor`.

A host that wants, say, an LLM to classify intents implements :class:`IntentClassifier` and
passes it to ``RuleExtractor(intent_classifier=...)``; the other parts stay rule-based.
Every part sees the folded (lower-cased, same length) text and the original text, so spans it
reports index the user's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.model import Intent

__all__ = [
    "CodeFinder",
    "Facts",
    "Hit",
    "IntentClassifier",
    "SignalDetector",
    "Signals",
    "SlotMatcher",
]


@dataclass(frozen=True, slots=True)
class Hit:
    """One extracted value with the rule and the span that produced it.

    Attributes:
        weight: how sure the rule is (symptoms: 1 generic .. 4 vendor message).
        hint: a client the matched text points to (vendor messages, error codes).

    """

    value: str
    rule: str
    start: int
    end: int
    weight: int = 2
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """The entity hits found before intent classification (the classifier may use them)."""

    os: Hit | None
    client: Hit | None
    symptom: Hit | None
    error_code: Hit | None


@dataclass(frozen=True, slots=True)
class Signals:
    """Conversation signals: each is a hit when it fired, else ``None``."""

    human: Hit | None = None
    reset: Hit | None = None
    dont_know: Hit | None = None
    result: Hit | None = None


class SlotMatcher(Protocol):
    """Finds one entity (os, client or symptom) in a message."""

    def match(self, text: str, folded: str, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the best hit for the slot, or ``None`` when the text does not say.

        ``known`` holds the values other slots already got from this message (the client
        matcher reads ``known["os"]`` to tell the Windows built-in VPN from macOS IKEv2).
        """
        ...


class CodeFinder(Protocol):
    """Finds the error code in a message."""

    def find(self, text: str, folded: str, turn: Turn) -> Hit | None:
        """Return the error code hit (value normalized), or ``None``."""
        ...


class IntentClassifier(Protocol):
    """Decides the intent of a message."""

    def classify(self, text: str, folded: str, turn: Turn, facts: Facts) -> Hit:
        """Return the intent as a hit whose ``value`` is an :data:`~vpnfsm.nlp.model.Intent`."""
        ...


class SignalDetector(Protocol):
    """Detects human / reset / don't-know / result signals."""

    def detect(self, text: str, folded: str, turn: Turn, answered: bool) -> Signals:
        """Return the signals; ``answered`` says whether the pending question got a value."""
        ...


def is_intent(value: str) -> bool:
    """True when ``value`` is one of the taxonomy intents (guards plugged-in classifiers)."""
    allowed: tuple[Intent, ...] = ("vpn", "email", "password_reset", "general")
    return value in allowed
