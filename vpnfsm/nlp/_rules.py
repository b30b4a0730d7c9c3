"""Fast rule application: literal aliases by word lookup, regex rules behind word gates.

One big regex alternation costs tens of microseconds per message in Python's engine, so
instead (a) literal aliases are looked up word by word in a dict (longest phrase first), and
(b) each regex rule runs only when the message contains one of the words it needs (its
``any`` list in ``vocab.toml``), so a typical message runs a handful of small regexes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from vpnfsm.nlp._text import key_of, tokenize
from vpnfsm.nlp._vocab import AliasRule, WeightedRule
from vpnfsm.nlp.protocols import Message

__all__ = ["AliasIndex", "GatedRules", "phrase_key"]

R = TypeVar("R", AliasRule, WeightedRule)
_CACHE_LIMIT = 4096

# Between two words of one alias: spaces, "-", "_", ".", "/", "!" — not a comma or a colon,
# so "Windows, VPN not connecting" is not "Windows VPN".
_JOINER = re.compile(r"[\s\-_./!']{1,3}")


def phrase_key(phrase: str) -> str:
    """Return the lookup key of a phrase: its words joined by single spaces."""
    return " ".join(word for word, _, _ in tokenize(phrase.lower()))


@dataclass(frozen=True, slots=True)
class Gate(Generic[R]):
    """A compiled rule with its gate."""

    rule: R
    pattern: re.Pattern[str]


class GatedRules(Generic[R]):
    """Regex rules that run only when a message has one of their trigger words."""

    def __init__(self, rules: Sequence[R]) -> None:
        """Compile ``rules``; their order is kept (earlier rules win ties)."""
        self._gates: tuple[Gate[R], ...] = tuple(Gate(rule, re.compile(rule.source)) for rule in rules)
        # Second gate: a rule with an ``also`` list needs one of those words as well.
        self._also = tuple(frozenset(key_of(w) for w in rule.also) if rule.also else None for rule in rules)
        by_key: dict[str, list[int]] = {}
        always: list[int] = []
        for index, rule in enumerate(rules):
            if not rule.triggers:
                always.append(index)
            for word in rule.triggers:
                by_key.setdefault(key_of(word), []).append(index)
        self._by_key = {key: tuple(indexes) for key, indexes in by_key.items()}
        self._gate_keys = frozenset(self._by_key)
        # Every word that can change the answer of open(): first gates and second gates.
        self._keys = self._gate_keys | frozenset(k for keys in self._also if keys for k in keys)
        self._cache: dict[frozenset[str], tuple[Gate[R], ...]] = {}
        self._always = tuple(always)
        self._always_gates: tuple[Gate[R], ...] = tuple(
            self._gates[i] for i in always if self._also[i] is None
        )

    def open(self, msg: Message) -> Sequence[Gate[R]]:
        """Return the rules whose gate the message opens, in rule order.

        The answer depends only on which gate words are present, and few combinations occur,
        so it is cached per combination (a bounded dict: reads and writes are atomic).
        """
        present = self._keys.intersection(msg.keys)
        if not present:
            return self._always_gates
        key = frozenset(present)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        chosen: set[int] = set(self._always)
        for word in present:
            chosen.update(self._by_key.get(word, ()))
        also = self._also
        gates = tuple(
            self._gates[i] for i in sorted(chosen) if also[i] is None or not also[i].isdisjoint(present)  # type: ignore[union-attr]
        )
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = gates
        return gates

    def first_by_label(self, msg: Message) -> dict[str, tuple[R, re.Match[str]]]:
        """Return, per label, the first rule (in rule order) that matches, with its match.

        One gate pass serves every label, which is cheaper than one :meth:`first` per group.
        """
        found: dict[str, tuple[R, re.Match[str]]] = {}
        folded = msg.folded
        for gate in self.open(msg):
            label = gate.rule.label
            if label in found:
                continue
            match = gate.pattern.search(folded)
            if match:
                found[label] = (gate.rule, match)
        return found

    def first(self, msg: Message) -> tuple[R, re.Match[str]] | None:
        """Return the first rule (in rule order) that matches, with its match."""
        for gate in self.open(msg):
            found = gate.pattern.search(msg.folded)
            if found:
                return gate.rule, found
        return None


class AliasMention(NamedTuple):
    """A literal alias found in a message."""

    rule: AliasRule
    start: int
    end: int


class AliasIndex:
    """Literal aliases looked up by words: "cisco secure client" beats "cisco" (longest first)."""

    def __init__(self, rules: Sequence[AliasRule]) -> None:
        """Index the literal aliases of ``rules`` (rules without ``literal`` are ignored)."""
        self._phrases: dict[str, AliasRule] = {}
        self._after: dict[str, re.Pattern[str]] = {}
        self._longest = 1
        self._starts: set[str] = set()
        for rule in rules:
            if rule.literal is None:
                continue
            key = phrase_key(rule.literal)
            words = key.split(" ")
            # A later duplicate never replaces an earlier one: the rule-hygiene test reports it.
            self._phrases.setdefault(key, rule)
            if len(words) > 1:
                self._phrases.setdefault("".join(words), rule)
                self._starts.add(words[0])
                self._longest = max(self._longest, len(words))
            if rule.not_before:
                self._after[rule.id] = re.compile(rule.not_before)
        # Every word that can begin a mention: a message without one needs no span scan.
        self._firsts = frozenset(self._starts | {k for k in self._phrases if " " not in k})

    def lookup(self, phrase: str) -> AliasRule | None:
        """Return the rule whose alias is exactly ``phrase`` (after normalization), if any."""
        return self._phrases.get(phrase_key(phrase))

    def find(self, msg: Message) -> list[AliasMention]:
        """Non-overlapping alias mentions, longest phrase first at each word."""
        present = self._firsts.intersection(msg.words)
        if not present:
            return []
        words = msg.words
        tokens = msg.tokens
        folded = msg.folded
        found: list[AliasMention] = []
        skip_to = 0
        for i in [i for i, word in enumerate(words) if word in present]:
            if i < skip_to:
                continue
            word, start, _ = tokens[i]
            hit: tuple[AliasRule, int] | None = None
            if word in self._starts:
                hit = self._longest_phrase(tokens, i, folded)
            if hit is None:
                rule = self._phrases.get(word)
                if rule is not None:
                    hit = (rule, i)
            if hit is not None:
                rule, last = hit
                stop = tokens[last][2]
                after = self._after.get(rule.id)
                if after is None or not after.match(folded, stop):
                    found.append(AliasMention(rule, start, stop))
                    skip_to = last + 1
        return found

    def _longest_phrase(
        self, tokens: tuple[tuple[str, int, int], ...], i: int, folded: str
    ) -> tuple[AliasRule, int] | None:
        words = [tokens[i][0]]
        best: tuple[AliasRule, int] | None = None
        for j in range(i + 1, min(len(tokens), i + self._longest)):
            gap = folded[tokens[j - 1][2] : tokens[j][1]]
            if not _JOINER.fullmatch(gap):
                break
            words.append(tokens[j][0])
            rule = self._phrases.get(" ".join(words))
            if rule is not None:
                best = (rule, j)
        return best
