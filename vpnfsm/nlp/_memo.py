"""A bounded memo in front of a deterministic extractor, for the short answers users repeat.

Most turns inside a flow are short answers that many employees type alike
("windows", "no", "yes that fixed it", "i dont know"). The extractor is
deterministic in ``(text, context)`` (the :class:`~vpnfsm.types.Extractor`
contract) and its :class:`~vpnfsm.nlp.model.Extraction` is frozen, so a
remembered result can be handed out again as it is. Only texts up to
:data:`MEMO_MAX_CHARS` characters are remembered: long messages are almost
never repeated verbatim and would only push the short ones out. Least
recently used entries go first, so memory stays bounded whatever users type.
"""

from __future__ import annotations

from vpnfsm._lru import BoundedLRU
from vpnfsm.nlp.model import Extraction
from vpnfsm.types import Extractor

__all__ = ["MEMO_MAX_CHARS", "MEMO_SIZE", "MemoExtractor"]

#: Longest text remembered (characters).
MEMO_MAX_CHARS = 64

#: Entries kept (about 2 KB each with the key: a few MB at most).
MEMO_SIZE = 2048


class MemoExtractor(BoundedLRU[tuple[str, str | None], Extraction]):
    """Answers repeated short ``(text, context)`` pairs from memory, others from ``inner``.

    ``hits`` and ``misses`` count the lookups of texts short enough to be
    remembered, so a host (or the benchmark) can report the hit rate.
    """

    def __init__(self, inner: Extractor, *, size: int = MEMO_SIZE, max_chars: int = MEMO_MAX_CHARS) -> None:
        if size < 1 or max_chars < 1:
            raise ValueError("size and max_chars must be positive")
        super().__init__(size)
        self.inner = inner
        self.max_chars = max_chars

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        """The inner extractor's reading of ``text`` in ``context``, remembered when the text is short."""
        if len(text) > self.max_chars:
            return self.inner.extract(text, context=context)
        key = (text, context)
        found = self.lookup(key)
        if found is not None:
            return found
        extraction = self.inner.extract(text, context=context)
        self.remember(key, extraction)
        return extraction
