"""Fast rule application: literal aliases by word lookup, regex rules behind word gates.

One big regex alternation costs tens of microseconds per message in Python's engine, so
instead (a) literal aliases are looked up word by word in a dict (longest phrase first), and
(b) each regex rule runs only when the message contains one of the words it needs (its
``any`` list in ``vocab.toml``), so a typical message runs a handful of small regexes.

Every pattern is RE2 (:mod:`vpnfsm._patterns`), so a rule matches in linear time. What RE2
cannot express (lookaround) is a rule's :class:`~vpnfsm.nlp._vocab.MatchChecks`, applied here
to each match; a rule gives up after :data:`MAX_REJECTED` rejected matches, so the checks
cannot turn one linear scan into many.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

from vpnfsm._patterns import Scan, UserMatch, UserPattern, compile_user
from vpnfsm.nlp._text import key_of, tokenize
from vpnfsm.nlp._vocab import AliasRule, MatchChecks, WeightedRule
from vpnfsm.nlp.protocols import Message

__all__ = ["MAX_MENTIONS", "MAX_REJECTED", "AliasIndex", "Gate", "GatedRules", "phrase_key"]

R = TypeVar("R", AliasRule, WeightedRule)
_CACHE_LIMIT = 4096
#: Matches a rule may reject through its checks before it stops looking in a message.
MAX_REJECTED = 8
#: Mentions read per message: the same alias repeated a thousand times says nothing new, and
#: the cap keeps a message's cost bounded however it repeats itself.
MAX_MENTIONS = 32

# Between two words of one alias: spaces, "-", "_", ".", "/", "!" — not a comma or a colon,
# so "Windows, VPN not connecting" is not "Windows VPN".
_JOINER = " \t\n\r\f\v-_./!'"
# Every gap of one to three joiner characters, so a gap is checked by one set lookup.
_JOINS = frozenset(
    "".join(chars) for size in (1, 2, 3) for chars in itertools.product(_JOINER, repeat=size)
)


def _joins(gap: str) -> bool:
    return gap in _JOINS


def phrase_key(phrase: str) -> str:
    """Return the lookup key of a phrase: its words joined by single spaces."""
    return " ".join(word for word, _, _ in tokenize(phrase.lower()))


@dataclass(frozen=True, slots=True)
class _Checks:
    """A rule's :class:`MatchChecks`, compiled."""

    not_after: UserPattern | None
    needs_after: UserPattern | None
    not_prefix: tuple[str, ...]

    @classmethod
    def build(cls, rule_id: str, checks: MatchChecks) -> _Checks:
        return cls(
            compile_user(checks.not_after, name=f"{rule_id}:not_after") if checks.not_after else None,
            compile_user(checks.needs_after, name=f"{rule_id}:needs_after") if checks.needs_after else None,
            checks.not_prefix,
        )

    def accept(self, scan: Scan, start: int, end: int) -> bool:
        text = scan.text
        if self.not_prefix and any(text.startswith(p, max(0, start - len(p)), start) for p in self.not_prefix):
            return False
        if self.not_after is not None and self.not_after.match(scan, end) is not None:
            return False
        # From the match's start: "22.04 lts" may use its own "lts", as the old lookahead could
        # by giving the optional "lts" back.
        return self.needs_after is None or self.needs_after.search(scan, start) is not None


@dataclass(frozen=True, slots=True)
class Gate(Generic[R]):
    """A compiled rule with its gate, and the checks RE2 cannot express in the pattern."""

    rule: R
    pattern: UserPattern
    checks: _Checks | None = field(default=None)

    @classmethod
    def build(cls, rule: R) -> Gate[R]:
        """Compile ``rule`` (RE2) and its checks."""
        checks = _Checks.build(rule.id, rule.checks) if rule.checks is not None else None
        return cls(rule, compile_user(rule.source, name=rule.id), checks)

    def search(self, scan: Scan, pos: int = 0) -> UserMatch | None:
        """The first match at or after ``pos`` that passes the rule's checks."""
        found = self.pattern.search(scan, pos)
        if self.checks is None or found is None:
            return found
        for _ in range(MAX_REJECTED):
            if found is None or self.checks.accept(scan, found.start(), found.end()):
                return found
            if self.checks.needs_after is not None:
                return None  # a later match has even less text after it
            found = self.pattern.search(scan, found.start() + 1)
        return None

    def finditer(self, scan: Scan) -> Iterator[UserMatch]:
        """Non-overlapping matches that pass the rule's checks."""
        rejected = 0
        for found in self.pattern.finditer(scan):
            if self.checks is None or self.checks.accept(scan, found.start(), found.end()):
                yield found
                continue
            rejected += 1
            if rejected >= MAX_REJECTED or self.checks.needs_after is not None:
                return


class GatedRules(Generic[R]):
    """Regex rules that run only when a message has one of their trigger words."""

    def __init__(self, rules: Sequence[R]) -> None:
        """Compile ``rules``; their order is kept (earlier rules win ties)."""
        self._gates: tuple[Gate[R], ...] = tuple(Gate.build(rule) for rule in rules)
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

    def first_by_label(self, msg: Message) -> dict[str, tuple[R, UserMatch]]:
        """Return, per label, the first rule (in rule order) that matches, with its match.

        One gate pass serves every label, which is cheaper than one :meth:`first` per group.
        """
        found: dict[str, tuple[R, UserMatch]] = {}
        scan = msg.scan
        for gate in self.open(msg):
            label = gate.rule.label
            if label in found:
                continue
            match = gate.search(scan)
            if match:
                found[label] = (gate.rule, match)
        return found

    def first(self, msg: Message) -> tuple[R, UserMatch] | None:
        """Return the first rule (in rule order) that matches, with its match."""
        for gate in self.open(msg):
            found = gate.search(msg.scan)
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
        self._after: dict[str, UserPattern] = {}
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
                self._after[rule.id] = compile_user(rule.not_before, name=f"{rule.id}:not_before")
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
        starts = [i for i, word in enumerate(words) if word in present]
        for i in starts[: 4 * MAX_MENTIONS]:  # a word repeated a thousand times is read a few times
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
                if after is None or not after.match(msg.scan, stop):
                    found.append(AliasMention(rule, start, stop))
                    skip_to = last + 1
                    if len(found) >= MAX_MENTIONS:
                        break
        return found

    def _longest_phrase(
        self, tokens: tuple[tuple[str, int, int], ...], i: int, folded: str
    ) -> tuple[AliasRule, int] | None:
        words = [tokens[i][0]]
        best: tuple[AliasRule, int] | None = None
        for j in range(i + 1, min(len(tokens), i + self._longest)):
            gap = folded[tokens[j - 1][2] : tokens[j][1]]
            if not _joins(gap):
                break
            words.append(tokens[j][0])
            rule = self._phrases.get(" ".join(words))
            if rule is not None:
                best = (rule, j)
        return best
