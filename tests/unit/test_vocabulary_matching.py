"""A flow's vocabulary matched through one pattern set answers what searching each pattern answers.

``match_slots`` asks an RE2 set which patterns occur and searches only those;
the rule (earliest match, then longer, then declaration order; an exclusion
drops its value) is checked here against the plain one-search-per-pattern
reading, for every shipped and test-pack flow, on the messages our own
conversations type and on mixtures of the vocabulary's words.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from vpnfsm._patterns import scan_window
from vpnfsm.content import load_pack
from vpnfsm.flows.registry import FLOWS
from vpnfsm.flows.slots import _compiled, match_slots
from vpnfsm.flows.spec import FlowSpec

DATA = Path(__file__).resolve().parents[1] / "data"


def _one_search_per_pattern(spec: FlowSpec, text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    stripped = scan_window(text).strip()
    for slot, values in spec.vocabulary.items():
        best: tuple[int, int, int, str] | None = None
        for order, (value, patterns) in enumerate(values.items()):
            if any(_compiled(p[1:]).search(stripped) for p in patterns if p.startswith("!")):
                continue
            for pattern in patterns:
                match = None if pattern.startswith("!") else _compiled(pattern).search(stripped)
                if match is not None:
                    key = (match.start(), -(match.end() - match.start()), order, value)
                    best = key if best is None or key < best else best
        if best is not None:
            found[slot] = best[3]
    return found


def _typed_messages() -> list[str]:
    messages: list[str] = []
    for path in sorted((DATA / "conversations").rglob("*.yaml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            messages += [str(turn["user"]) for turn in conversation.get("turns", []) if "user" in turn]
    return messages


def _flows() -> list[FlowSpec]:
    flows = list(FLOWS.values())
    for pack in sorted((DATA / "packs").iterdir()):
        if pack.is_dir():
            flows += list(load_pack(pack).flows.values())
    return [spec for spec in flows if spec.vocabulary]


def test_the_set_reads_what_one_search_per_pattern_reads() -> None:
    rng = random.Random(2026_12_02)
    messages = _typed_messages()
    assert len(messages) > 100
    flows = _flows()
    assert len(flows) >= 2
    for spec in flows:
        # Words that fill (or exclude) this flow's slots, mixed with everyday text.
        words = [
            piece
            for values in spec.vocabulary.values()
            for patterns in values.values()
            for pattern in patterns
            for piece in pattern.strip("!^$()").replace("\\b", " ").replace("|", " ").split()
            if piece.isalpha()
        ]
        pool = [*words, "my", "no", "it", "still", "gone"]
        mixtures = [" ".join(rng.choices(pool, k=rng.randint(1, 7))) for _ in range(400)]
        for text in [*messages, *mixtures, "none", "NONE", "  none  ", ""]:
            assert match_slots(spec, text) == _one_search_per_pattern(spec, text), (spec.name, text)
