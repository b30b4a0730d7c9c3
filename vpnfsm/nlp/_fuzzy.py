"""Typo-tolerant lookup of product and OS names ("anyconect", "globalprotct", "ubunto").

Only words of five letters or more are tried, only against names of six letters or more,
the first letter must match and ordinary English words near a name are never taken — so
"forth", "grape", "open" or "window" stay words. Results are cached per word: the function
is pure, so the cache is safe to share between threads.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein

from vpnfsm.nlp._vocab import load_vocabulary

__all__ = ["fuzzy_hits"]

_WORD = re.compile(r"[a-z][a-z0-9]{3,}")
_MIN_WORD = 5
_MIN_TARGET = 6


def _buckets() -> dict[str, tuple[tuple[str, str, str], ...]]:
    by_letter: dict[str, list[tuple[str, str, str]]] = {}
    for name, (field, label) in load_vocabulary().fuzzy_targets.items():
        if len(name) >= _MIN_TARGET:
            by_letter.setdefault(name[0], []).append((name, field, label))
    return {letter: tuple(items) for letter, items in by_letter.items()}


_BUCKETS = _buckets()
_STOP = load_vocabulary().fuzzy_stopwords


@lru_cache(maxsize=16384)
def _lookup(word: str) -> tuple[str, str, str] | None:
    """The (name, field, label) a word is a typo of, or ``None``."""
    if len(word) < _MIN_WORD or word in _STOP:
        return None
    best: tuple[int, tuple[str, str, str]] | None = None
    for name, field, label in _BUCKETS.get(word[0], ()):
        if abs(len(name) - len(word)) > 2 or name == word:
            continue
        allowed = 1 if len(name) <= 7 else 2
        dist = DamerauLevenshtein.distance(word, name, score_cutoff=allowed)
        if dist <= allowed and (best is None or dist < best[0]):
            best = (dist, (name, field, label))
    return best[1] if best else None


def fuzzy_hits(folded: str, field: str) -> list[tuple[str, str, int, int]]:
    """Typo matches for one field as (label, name, start, end), in text order.

    Two neighbouring words are also tried joined, for "global protct" or "any conect".
    """
    hits: list[tuple[str, str, int, int]] = []
    previous: re.Match[str] | None = None
    for match in _WORD.finditer(folded):
        word = match.group()
        found = _lookup(word)
        start = match.start()
        if found is None and previous is not None and previous.end() + 1 == start:
            found = _lookup(previous.group() + word)
            start = previous.start() if found else start
        if found is not None and found[1] == field:
            hits.append((found[2], found[0], start, match.end()))
        previous = match
    return hits
