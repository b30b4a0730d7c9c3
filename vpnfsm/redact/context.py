"""When a message is screened strictly: declared data about which questions are near secrets.

The turn asks :func:`screen_for` before redacting; ``tests/unit/test_redact_context.py``
checks that every state and slot named here exists in the shipped flows, so a
renamed state cannot silently switch the strict screen off.
"""

from __future__ import annotations

from collections.abc import Mapping

from vpnfsm.redact._kinds import Screen

__all__ = ["ERROR_CODE_STATES", "STRICT_FACTS", "STRICT_STATES", "screen_for"]

#: States whose question is about a password, sign-in, codes or recovery: the
#: user's answer is screened strictly.
STRICT_STATES: frozenset[str] = frozenset({"PWD_ASK_PROBLEM", "PWD_ASK_RECOVERY", "PWD_CHECK_RESULT"})

#: (slot, value) facts that make a running conversation about sign-in or codes,
#: whatever the state (a VPN flow about a rejected second factor).
STRICT_FACTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("symptom", "mfa"),
        ("symptom", "auth_failure"),
        ("problem", "mfa"),
        ("problem", "forgot"),
        ("problem", "expired"),
        ("problem", "locked"),
    }
)


#: States that ask for an error code: a bare number there is the answer a technician needs.
ERROR_CODE_STATES: frozenset[str] = frozenset({"VPN_ASK_ERROR_CODE"})


def screen_for(*, state: str | None, slots: Mapping[str, str | None], after_cue: bool) -> Screen:
    """The screen for a message answering ``state`` in a conversation with ``slots``."""
    # A (slot, None) pair is in no fact, so the slots' items can be compared as a set.
    strict = state in STRICT_STATES or not STRICT_FACTS.isdisjoint(slots.items())
    return Screen(strict=strict, after_cue=after_cue, error_code_question=state in ERROR_CODE_STATES)
