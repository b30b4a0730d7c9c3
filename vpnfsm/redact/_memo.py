"""Redaction of the short answers many employees type alike, remembered.

"no", "win11", "globalprotect", "yes that fixed it": most messages inside a
flow are short answers that other people already gave in the same state.
Redaction is a pure function of ``(text, screen)``, so its answer can be
kept; only answers in which redaction found nothing are kept, so the memo
never holds a secret (its keys are texts that were judged to have none).
Bounded and least-recently-used first, like the extraction memo.
"""

from __future__ import annotations

from vpnfsm._lru import BoundedLRU
from vpnfsm.redact._kinds import Screen
from vpnfsm.redact.core import Redaction, redact_message

__all__ = ["MEMO_MAX_CHARS", "MEMO_SIZE", "RedactionMemo"]

#: Longest text remembered (characters): long messages are rarely repeated verbatim.
MEMO_MAX_CHARS = 64
#: Entries kept (each well under 1 KB).
MEMO_SIZE = 4096


class RedactionMemo(BoundedLRU[tuple[str, Screen], Redaction]):
    """:func:`~vpnfsm.redact.redact_message`, answering repeated short clean texts from memory.

    ``hits`` and ``misses`` count lookups of texts short enough to be
    remembered, so the benchmark can report the hit rate.
    """

    def __init__(self, *, size: int = MEMO_SIZE, max_chars: int = MEMO_MAX_CHARS) -> None:
        if size < 1 or max_chars < 1:
            raise ValueError("size and max_chars must be positive")
        super().__init__(size)
        self.max_chars = max_chars

    def redact_message(self, text: str, *, screen: Screen) -> Redaction:
        """The redaction of ``text`` under ``screen`` (remembered when short and clean)."""
        if len(text) > self.max_chars:
            return redact_message(text, screen=screen)
        key = (text, screen)
        found = self.lookup(key)
        if found is not None:
            return found
        redaction = redact_message(text, screen=screen)
        if not redaction.findings and redaction.text == text:
            self.remember(key, redaction)
        return redaction
