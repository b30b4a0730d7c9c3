"""The replaceable parts of :class:`~vpnfsm.nlp.RuleExtractor`.

A host that wants, say, an LLM to classify intents implements :class:`IntentClassifier` and
passes it to ``RuleExtractor(intent_classifier=...)``; the other parts stay rule-based.
Values are named tuples rather than dataclasses: they are built many times per message and a
frozen dataclass costs several times more to construct. Every part gets a :class:`Message`
(the text, its folded lower-case twin of the same length, and its words), so spans it
reports index the user's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, Protocol

from vpnfsm._patterns import Scan
from vpnfsm.nlp._text import KEY_LEN, fold, tokenize, words
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.model import Intent

__all__ = [
    "CodeFinder",
    "Facts",
    "Hit",
    "IntentClassifier",
    "Message",
    "SignalDetector",
    "Signals",
    "SlotMatcher",
]


class Message:
    """One user message prepared once for every part (treat it as read-only).

    Attributes:
        text: the message as typed (spans index this).
        folded: ``text`` lower-cased with the same length.
        words: the words of ``folded`` (runs of ASCII letters and digits).
        keys: the gate keys of the words: their first ``KEY_LEN`` (4) characters.
        scan: ``folded`` prepared for RE2 (encoded once for every rule that reads it).

    """

    __slots__ = ("_scan", "_tokens", "folded", "keys", "memo", "text", "words")

    def __init__(self, text: str) -> None:
        """Fold ``text``, split it into words and compute the gate keys."""
        self.text = text
        self.folded = fold(text)
        self.words: tuple[str, ...] = tuple(words(self.folded))
        self.keys: set[str] = {word[:KEY_LEN] for word in self.words}
        self._tokens: tuple[tuple[str, int, int], ...] | None = None
        self._scan: Scan | None = None
        #: Per-message results parts share (e.g. typo matches for both os and client).
        self.memo: dict[str, object] = {}

    @classmethod
    def of(cls, text: str) -> Message:
        """Prepare ``text`` (same as the constructor; reads well at call sites)."""
        return cls(text)

    @property
    def scan(self) -> Scan:
        """``folded`` encoded for RE2, on first use."""
        if self._scan is None:
            self._scan = Scan(self.folded)
        return self._scan

    @property
    def tokens(self) -> tuple[tuple[str, int, int], ...]:
        """The words with their spans as (word, start, end), computed on first use."""
        if self._tokens is None:
            self._tokens = tokenize(self.folded, self.words)
        return self._tokens


class Hit(NamedTuple):
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


class Facts(NamedTuple):
    """The entity hits found before intent classification (the classifier may use them)."""

    os: Hit | None
    client: Hit | None
    symptom: Hit | None
    error_code: Hit | None


class Signals(NamedTuple):
    """Conversation signals: each is a hit when it fired, else ``None``."""

    human: Hit | None = None
    reset: Hit | None = None
    dont_know: Hit | None = None
    result: Hit | None = None


class SlotMatcher(Protocol):
    """Finds one entity (os, client or symptom) in a message."""

    def match(self, msg: Message, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the best hit for the slot, or ``None`` when the text does not say.

        ``known`` holds the values other slots already got from this message (the client
        matcher reads ``known["os"]`` to tell the Windows built-in VPN from macOS IKEv2).
        """
        ...


class CodeFinder(Protocol):
    """Finds the error code in a message."""

    def find(self, msg: Message, turn: Turn) -> Hit | None:
        """Return the error code hit (value normalized), or ``None``."""
        ...


class IntentClassifier(Protocol):
    """Decides the intent of a message."""

    def classify(self, msg: Message, turn: Turn, facts: Facts) -> Hit:
        """Return the intent as a hit whose ``value`` is an :data:`~vpnfsm.nlp.model.Intent`."""
        ...


class SignalDetector(Protocol):
    """Detects human / reset / don't-know / result signals."""

    def detect(self, msg: Message, turn: Turn, answered: bool) -> Signals:
        """Return the signals; ``answered`` says whether the pending question got a value."""
        ...


def is_intent(value: str) -> bool:
    """Tell whether ``value`` is a taxonomy intent (guards plugged-in classifiers)."""
    allowed: tuple[Intent, ...] = ("vpn", "email", "password_reset", "general")
    return value in allowed
