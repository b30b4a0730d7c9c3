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
from functools import cache

from vpnfsm._patterns import PatternError, UserPattern, compile_user, scan_window
from vpnfsm.flows.spec import FlowSpec

__all__ = ["check_vocabulary", "flow_for_cues", "match_slots"]


@cache
def _compiled(pattern: str) -> UserPattern:
    # RE2: a flow's vocabulary sees user text, so it must match in linear time.
    return compile_user(pattern, name=f"flow-vocabulary:{pattern}", ignore_case=True)


def match_slots(spec: FlowSpec, text: str) -> dict[str, str]:
    """The slot values of ``spec``'s vocabulary that ``text`` states."""
    found: dict[str, str] = {}
    stripped = scan_window(text).strip()
    for slot, values in spec.vocabulary.items():
        best: tuple[int, int, int, str] | None = None
        for order, (value, patterns) in enumerate(values.items()):
            if any(_compiled(p[1:]).search(stripped) for p in patterns if p.startswith("!")):
                continue
            for pattern in patterns:
                if pattern.startswith("!"):
                    continue
                match = _compiled(pattern).search(stripped)
                if match is None:
                    continue
                key = (match.start(), -(match.end() - match.start()), order, value)
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
