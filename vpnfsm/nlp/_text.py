"""Text preparation shared by every matcher: one lower-casing and one tokenization per message."""

from __future__ import annotations

__all__ = ["KEY_LEN", "fold", "key_of", "tokenize", "words"]

#: Rules are gated by the first ``KEY_LEN`` letters of the words they need, so "connecting",
#: "connection" and "connected" all open the rules listed under "connect".
KEY_LEN = 4
# Words are runs of ASCII letters and digits: everything else becomes a space, and the text is
# split. No pattern is involved (linear, in C); a non-ASCII character becomes one "?" first, so
# positions are kept.
_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789"
_TO_SPACE = bytes(b if b in _WORD_BYTES else 0x20 for b in range(256))


def _split(folded: str) -> list[str]:
    return folded.encode("ascii", "replace").translate(_TO_SPACE).decode("ascii").split()


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length, so match offsets index the original.

    ``str.lower`` can grow a string ("İ" becomes two code points); those rare characters keep
    their original form, which only means they do not match lower-case patterns.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low) == 1 else ch for ch, low in ((c, c.lower()) for c in text))


def key_of(word: str) -> str:
    """Return the gate key of a word: its first :data:`KEY_LEN` characters."""
    return word[:KEY_LEN]


def tokenize(
    folded: str, found: list[str] | tuple[str, ...] | None = None
) -> tuple[tuple[str, int, int], ...]:
    """Words (runs of ASCII letters and digits) with their spans.

    ``found`` may pass the words already split off ``folded``; each is then located with
    ``str.find`` from the end of the previous one, which is exact because only non-word
    characters lie between two words.
    """
    if found is None:
        found = _split(folded)
    spans: list[tuple[str, int, int]] = []
    pos = 0
    find = folded.find
    for word in found:
        start = find(word, pos)
        pos = start + len(word)
        spans.append((word, start, pos))
    return tuple(spans)


def words(folded: str) -> list[str]:
    """Return the words of ``folded`` without spans (the cheap form most rules need)."""
    return _split(folded)
