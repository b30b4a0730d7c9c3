"""Deterministic answers for intents that no flow handles.

Every troubleshooting intent (vpn, password_reset, email) has a registered
flow (see :mod:`vpnfsm.flows.registry`); the responder answers what is left,
the ``general`` intent (greetings, thanks, out-of-scope requests), without
entering any flow, so the conversation stays free for the next request.
"""

from __future__ import annotations

from collections.abc import Mapping

from vpnfsm._patterns import compile_user

__all__ = ["respond"]

_GREETING = compile_user(
    r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|greetings)\b", name="responder:greeting", ignore_case=True
)
_THANKS = compile_user(
    r"\b(thanks|thank you|cheers|that's all|thats all|bye)\b", name="responder:thanks", ignore_case=True
)

_ANSWERS: Mapping[str, str] = {
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
    if _GREETING.search(text):
        return _ANSWERS["greeting"]
    if _THANKS.search(text):
        return _ANSWERS["thanks"]
    return _ANSWERS["general"]
