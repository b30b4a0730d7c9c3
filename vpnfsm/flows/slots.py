"""Deterministic matching of a flow's own slot vocabulary in a user message.

The VPN flow's slots are the four taxonomy entities, filled by the
extractor. Other flows (password reset, e-mail) declare their slots in
:attr:`FlowSpec.vocabulary` as ``slot -> value -> regular expressions``;
:func:`match_slots` reads them here so the extractor stays flow-agnostic.

Rule: per slot, the value whose pattern matches earliest in the message
wins; at the same position the longer match wins, then declaration order.
Patterns are case-insensitive. A pattern anchored with ``^...$`` only
matches a whole short answer ("none"), which keeps everyday words from
filling a slot in the middle of a sentence. A pattern written with a leading
``!`` is an exclusion: when it matches, that value does not count (RE2 has no
lookahead, so "authenticator, unless it is gone" is written as two patterns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from vpnfsm._patterns import PatternError, PatternSet, Scan, UserPattern, compile_user, scan_window
from vpnfsm.flows.spec import FlowSpec

__all__ = ["check_vocabulary", "flow_for_cues", "match_slots"]


@cache
def _compiled(pattern: str) -> UserPattern:
    # RE2: a flow's vocabulary sees user text, so it must match in linear time.
    return compile_user(pattern, name=f"flow-vocabulary:{pattern}", ignore_case=True)


@dataclass(frozen=True)
class _Value:
    order: int
    value: str
    #: Indices (in the vocabulary's pattern set) of the exclusions and of the patterns.
    excluded_by: tuple[int, ...]
    stated_by: tuple[int, ...]


@dataclass(frozen=True)
class _Vocabulary:
    """A flow's vocabulary prepared once: every pattern in one set, per slot its values."""

    patterns: tuple[UserPattern, ...]
    matcher: PatternSet
    slots: tuple[tuple[str, tuple[_Value, ...]], ...]


# One prepared vocabulary per declaration object; the entry holds the spec, so an id is
# never mistaken for a later object's. Declarations are few; the bound is for tests and
# content reloads that make many.
_PREPARED: dict[int, tuple[FlowSpec, _Vocabulary]] = {}
_PREPARED_MAX = 256


def _prepared(spec: FlowSpec) -> _Vocabulary:
    entry = _PREPARED.get(id(spec))
    if entry is not None and entry[0] is spec:
        return entry[1]
    patterns: list[UserPattern] = []

    def index_of(source: str) -> int:
        patterns.append(_compiled(source))
        return len(patterns) - 1

    slots = tuple(
        (
            slot,
            tuple(
                _Value(
                    order=order,
                    value=value,
                    excluded_by=tuple(index_of(p[1:]) for p in sources if p.startswith("!")),
                    stated_by=tuple(index_of(p) for p in sources if not p.startswith("!")),
                )
                for order, (value, sources) in enumerate(values.items())
            ),
        )
        for slot, values in spec.vocabulary.items()
    )
    prepared = _Vocabulary(patterns=tuple(patterns), matcher=PatternSet.of(patterns), slots=slots)
    if len(_PREPARED) >= _PREPARED_MAX:
        _PREPARED.clear()
    _PREPARED[id(spec)] = (spec, prepared)
    return prepared


def match_slots(spec: FlowSpec, text: str) -> dict[str, str]:
    """The slot values of ``spec``'s vocabulary that ``text`` states."""
    if not spec.vocabulary:
        return {}
    vocabulary = _prepared(spec)
    scan = Scan(scan_window(text).strip())
    # One pass over the text says which patterns occur at all (exactly: the set
    # holds each pattern as it matches alone); only those are searched for a position.
    hits = set(vocabulary.matcher.matching(scan))
    found: dict[str, str] = {}
    if not hits:
        return found
    for slot, values in vocabulary.slots:
        best: tuple[int, int, int, str] | None = None
        for entry in values:
            if any(index in hits for index in entry.excluded_by):
                continue
            for index in entry.stated_by:
                if index not in hits:
                    continue
                match = vocabulary.patterns[index].search(scan)
                if match is None:
                    continue
                key = (match.start(), -(match.end() - match.start()), entry.order, entry.value)
                if best is None or key < best:
                    best = key
        if best is not None:
            found[slot] = best[3]
    return found


def flow_for_cues(text: str, flows: Mapping[str, FlowSpec]) -> FlowSpec | None:
    """The first flow whose ``cues`` match ``text`` (a content pack's Wi-Fi or printer flow).

    Only flows with cues take part: they start on their own words, because
    the extractor reads their topic as ``general``.
    """
    window = scan_window(text)
    for spec in flows.values():
        if any(_compiled(cue).search(window) for cue in spec.cues):
            return spec
    return None


def check_vocabulary(spec: FlowSpec) -> list[str]:
    """Every problem of a flow's vocabulary: unknown slots, empty values, bad patterns."""
    problems: list[str] = []
    for slot, values in spec.vocabulary.items():
        if slot not in spec.slots:
            problems.append(f"vocabulary: {slot!r} is not a slot of the flow")
        if not values:
            problems.append(f"vocabulary: slot {slot!r} has no values")
        for value, patterns in values.items():
            if not [p for p in patterns if not p.startswith("!")]:
                problems.append(f"vocabulary: {slot}={value} has no patterns")
            for pattern in patterns:
                try:
                    _compiled(pattern.removeprefix("!"))
                except PatternError as exc:
                    problems.append(f"vocabulary: {slot}={value}: bad pattern {pattern!r}: {exc}")
    return problems
