"""The features the trained classifier reads: words, word pairs and character 4-grams.

Training (:mod:`vpnfsm.nlp.training`) and inference (:mod:`vpnfsm.nlp.classifier`) both call
:func:`features`, so the model sees exactly the features it was trained on. The words are the
ones :class:`~vpnfsm.nlp.protocols.Message` already split off (runs of ASCII letters and digits
of the folded text), so inference adds no second tokenization. The cost is linear in the number
of words: one word, one pair and ``len(word) - 1`` character 4-grams per word.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["MAX_WORDS", "features"]

#: Only the first words are read: a pasted log adds noise, not meaning, and this bounds the cost.
MAX_WORDS = 80
_GRAM = 4


def features(words: Sequence[str]) -> list[str]:
    """Return the distinct features of a message's words, in first-seen order.

    ``w:`` a word, ``b:`` two adjacent words, ``c:`` a character 4-gram of a word padded with
    spaces (so prefixes and suffixes are their own grams, and "disconnects" shares grams with
    "disconnecting"). Digits-only words stand as ``w:#`` so a port or a count is one feature.
    """
    seen: dict[str, None] = {}
    previous = ""
    for raw in words[:MAX_WORDS]:
        word = "#" if raw.isdigit() else raw
        seen["w:" + word] = None
        if previous:
            seen["b:" + previous + " " + word] = None
        previous = word
        if len(word) > 2:
            padded = " " + word + " "
            for i in range(len(padded) - _GRAM + 1):
                seen["c:" + padded[i : i + _GRAM]] = None
    return list(seen)
