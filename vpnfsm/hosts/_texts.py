"""What a chat host says itself, when the assistant gave no reply to relay.

Both hosts use the same lines. They are about the transport, not about
what a message means: a bare mention carries no words (the facade refuses an
empty message), and a turn can fail because the store is unreachable.
"""

from __future__ import annotations

from vpnfsm.errors import InputError

#: A mention (or an attachment) with no words in it.
EMPTY_MESSAGE = "Hi! Tell me in a sentence what isn't working (for example: vpn won't connect from home)."
#: The store could not be reached or the turn kept conflicting; nothing was applied.
TROUBLE = "Sorry, I can't reach my notes right now. Please try again in a minute."


def refusal(exc: InputError) -> str:
    """The line for a message the facade refused (empty, too long, not encodable)."""
    if exc.reason == "empty":
        return EMPTY_MESSAGE
    return f"Sorry, I could not read that: {exc}."
