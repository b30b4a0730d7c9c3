"""Deterministic natural-language understanding: intents and entities from free text.

The entry point is :class:`RuleExtractor`; its parts follow the Protocols of
:mod:`vpnfsm.nlp.protocols` and can be replaced one by one. Evaluation helpers live in
:mod:`vpnfsm.nlp.evaluate`, timing helpers in :mod:`vpnfsm.nlp.bench`.
"""

from vpnfsm.nlp.context import Pending, Turn, read_context
from vpnfsm.nlp.extractor import RuleExtractor
from vpnfsm.nlp.model import ENTITY_FIELDS, Evidence, Extraction, Intent, Result
from vpnfsm.nlp.protocols import (
    CodeFinder,
    Facts,
    Hit,
    IntentClassifier,
    Message,
    SignalDetector,
    Signals,
    SlotMatcher,
)

__all__ = [
    "ENTITY_FIELDS",
    "CodeFinder",
    "Evidence",
    "Extraction",
    "Facts",
    "Hit",
    "Intent",
    "IntentClassifier",
    "Message",
    "Pending",
    "Result",
    "RuleExtractor",
    "SignalDetector",
    "Signals",
    "SlotMatcher",
    "Turn",
    "read_context",
]
