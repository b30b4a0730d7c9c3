"""What the bot was waiting for, read from the current machine state's name.

The extractor does not know the flows; it reads conventions from the state name so new
flows work without changes: the suffix names the pending question and the prefix names the
flow (and so the intent a message defaults to while that flow runs).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple

from vpnfsm.nlp.model import Intent

__all__ = ["Pending", "Turn", "read_context"]

#: The question the bot asked last. ``result`` is "did the steps work?".
Pending = Literal["os", "client", "symptom", "error_code", "result"]

_SUFFIXES: tuple[tuple[str, Pending], ...] = (
    ("_ASK_OS", "os"),
    ("_ASK_CLIENT", "client"),
    ("_ASK_SYMPTOM", "symptom"),
    ("_ASK_ERROR_CODE", "error_code"),
    ("_CHECK_RESULT", "result"),
)

_PREFIXES: tuple[tuple[str, Intent], ...] = (
    ("VPN_", "vpn"),
    ("PWD_", "password_reset"),
    ("EMAIL_", "email"),
)


class Turn(NamedTuple):
    """The conversation context of one message.

    Attributes:
        state: the machine state name as given (``None`` for a fresh conversation).
        pending: the question the state asks, if its name says.
        flow_intent: the intent of the running flow, if the state belongs to one.

    """

    state: str | None
    pending: Pending | None
    flow_intent: Intent | None


@lru_cache(maxsize=512)
def read_context(state: str | None) -> Turn:
    """Derive the pending question and the flow's intent from a state name.

    Cached: flows have few states and the result is immutable.

    >>> read_context("VPN_ASK_OS").pending
    'os'
    >>> read_context("PWD_CHECK_RESULT").flow_intent
    'password_reset'
    >>> read_context(None).pending is None
    True
    """
    if not state:
        return Turn(state, None, None)
    upper = state.upper()
    pending: Pending | None = None
    for suffix, question in _SUFFIXES:
        if upper.endswith(suffix):
            pending = question
            break
    flow: Intent | None = None
    for prefix, intent in _PREFIXES:
        if upper.startswith(prefix):
            flow = intent
            break
    return Turn(state, pending, flow)
