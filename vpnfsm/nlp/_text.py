"""Text preparation shared by every matcher: one lower-casing that keeps character offsets."""

from __future__ import annotations

__all__ = ["fold"]


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length, so match offsets index the original.

    ``str.lower`` can grow a string ("İ" becomes two code points); those rare characters keep
    their original form, which only means they do not match lower-case patterns.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low) == 1 else ch for ch, low in ((c, c.lower()) for c in text))
