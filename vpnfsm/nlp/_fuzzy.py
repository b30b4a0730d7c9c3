"""Typo-tolerant lookup of product and OS names ("anyconect", "globalprotct", "ubunto").

Only words of five letters or more are tried, only against names of six letters or more,
the first two letters must match and ordinary English words near a name are never taken — so
"forth", "grape", "open" or "window" stay words. Results are cached per word: the function
is pure, so the cache is safe to share between threads.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein

from vpnfsm.nlp._vocab import load_vocabulary
from vpnfsm.nlp.protocols import Message

__all__ = ["fuzzy_hits"]

_MIN_WORD = 5
_MIN_TARGET = 6
_MIN_JOIN_PART = 3
_SEEN_LIMIT = 50000
# Words already judged (shared by all threads; set/dict updates are atomic in CPython and a
# lost update only costs a second lookup). Bounded: cleared when it grows past the limit.
_NOT_TYPO: set[str] = set()
_TYPOS: dict[str, tuple[str, str, str]] = {}


def _buckets() -> dict[str, tuple[tuple[str, str, str], ...]]:
    by_letter: dict[str, list[tuple[str, str, str]]] = {}
    for name, (field, label) in load_vocabulary().fuzzy_targets.items():
        if len(name) >= _MIN_TARGET:
            by_letter.setdefault(name[0], []).append((name, field, label))
    return {letter: tuple(items) for letter, items in by_letter.items()}


_BUCKETS = _buckets()
# A name split in two ("global protct") is tried joined only after the first word of a
# two-word alias whose joined form is a fuzzy target ("global protect", "any connect").
_VOCAB = load_vocabulary()
_JOIN_HEADS = frozenset(
    rule.literal.split(" ")[0]
    for rule in (*_VOCAB.os_rules, *_VOCAB.client_rules)
    if rule.literal and " " in rule.literal and rule.literal.replace(" ", "") in _VOCAB.fuzzy_targets
)
# Typos keep the first two letters in practice; this set filters words before any distance.
_PREFIXES = frozenset(name[:2] for items in _BUCKETS.values() for name, _, _ in items)
_STOP = load_vocabulary().fuzzy_stopwords


@lru_cache(maxsize=16384)
def _lookup(word: str) -> tuple[str, str, str] | None:
    """Return the (name, field, label) a word is a typo of, or ``None``."""
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


def fuzzy_hits(msg: Message, field: str) -> list[tuple[str, str, int, int]]:
    """Typo matches for one field as (label, name, start, end), in text order.

    Two neighbouring words are also tried joined, for "global protct" or "any conect".
    The matches of all fields are computed once per message and kept in ``msg.memo``.
    """
    cached = msg.memo.get("fuzzy")
    if cached is None:
        cached = _all_hits(msg)
        msg.memo["fuzzy"] = cached
    assert isinstance(cached, list)
    return [(label, name, start, end) for hit_field, label, name, start, end in cached if hit_field == field]


def _all_hits(msg: Message) -> list[tuple[str, str, str, int, int]]:
    words = msg.words
    # Set operations decide most messages without a Python loop: every word already judged
    # is either a known typo (in _TYPOS) or not (in _NOT_TYPO); only new words are looked up.
    for word in set(words).difference(_NOT_TYPO, _TYPOS):
        candidate = len(word) >= _MIN_WORD and word[:2] in _PREFIXES and word not in _STOP
        verdict = _lookup(word) if candidate else None
        if len(_NOT_TYPO) > _SEEN_LIMIT or len(_TYPOS) > _SEEN_LIMIT:
            _NOT_TYPO.clear()
            _TYPOS.clear()
        if verdict is None:
            _NOT_TYPO.add(word)
        else:
            _TYPOS[word] = verdict
    singles = not _TYPOS.keys().isdisjoint(words)
    joins = not _JOIN_HEADS.isdisjoint(words)
    if not singles and not joins:
        return []
    hits: list[tuple[str, str, str, int, int]] = []
    for i, word in enumerate(words):
        found = _TYPOS.get(word) if singles else None
        joined = False
        if found is None and joins and i and len(word) >= _MIN_JOIN_PART and words[i - 1] in _JOIN_HEADS:
            found = _lookup(words[i - 1] + word)
            joined = found is not None
        if found is not None:
            tokens = msg.tokens
            if joined and tokens[i - 1][2] + 1 != tokens[i][1]:
                continue  # only words separated by one character read as one name
            first = tokens[i - 1][1] if joined else tokens[i][1]
            hits.append((found[1], found[2], found[0], first, tokens[i][2]))
    return hits
