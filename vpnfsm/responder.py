"""Deterministic answers for intents that no flow handles.

A flow owns its intent once it is registered (see :mod:`vpnfsm.flows.registry`);
until then the responder gives a short, useful answer without entering any
flow, so the conversation stays free for the next request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["respond"]

_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|greetings)\b", re.IGNORECASE)
_THANKS = re.compile(r"\b(thanks|thank you|cheers|that's all|thats all|bye)\b", re.IGNORECASE)

_ANSWERS: Mapping[str, str] = {
    "password_reset": (
        "For a forgotten or expired password, use the self-service reset page from any device, then sign "
        "in again everywhere you use the old password (phone mail apps included), or they will lock the "
        "account again. If the account is locked, wait 15 minutes or ask IT to unlock it. "
        "If you'd rather have a person help, say \"talk to a human\"."
    ),
    "email": (
        "For mail trouble: check that you are online and signed in, look at the mailbox size (a full "
        "mailbox stops sending and receiving: empty Deleted Items and archive old mail), and restart the "
        "mail app. If Outlook keeps asking for a password, remove the saved credentials and sign in again. "
        "If that doesn't help, say \"talk to a human\"."
    ),
    "greeting": (
        "Hello! I can troubleshoot VPN problems step by step, and help with passwords and e-mail. "
        "What's going on?"
    ),
    "thanks": "You're welcome! Tell me whenever something else comes up.",
    "human": (
        "I can pass your case to a person: tell me in one sentence what the problem is (VPN, e-mail, "
        "password, ...), so they get it with the details."
    ),
    "general": (
        "I can help with VPN connection problems, passwords and e-mail. For anything else (hardware, "
        "printers, equipment requests), please raise a request on the IT portal. What would you like to "
        "do?"
    ),
}


def respond(intent: str, text: str, *, human: bool = False) -> str:
    """A fixed, useful reply for an intent that no flow handles."""
    if human:
        return _ANSWERS["human"]
    if intent in ("password_reset", "email"):
        return _ANSWERS[intent]
    if _GREETING.search(text):
        return _ANSWERS["greeting"]
    if _THANKS.search(text):
        return _ANSWERS["thanks"]
    return _ANSWERS["general"]
