"""The dialogue conversations (tests/data/conversations/dialogue/), run through the public Assistant.

They were written before the dialogue policy, the way employees type, with
what a good helpdesk agent would do; see that folder's README for the keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from vpnfsm import Assistant

DATA = Path(__file__).parent.parent / "data" / "conversations" / "dialogue"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(DATA.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


CASES = _cases()


def _says(text: str, wanted: str) -> bool:
    return any(option.lower() in text.lower() for option in wanted.split("|"))


@pytest.mark.parametrize("case", CASES)
def test_dialogue_conversation(case: dict[str, Any]) -> None:
    bot = Assistant()
    session_id: str | None = case.get("session_id")
    references: set[str] = set()
    for number, turn in enumerate(case["turns"], start=1):
        reply = bot.handle(turn["user"], session_id=session_id)
        session_id = reply.session_id
        where = f"turn {number} ({turn['user'][:60]!r})"
        expect = turn.get("expect", {})
        for key, expected in expect.items():
            if key == "slots":
                for slot, value in expected.items():
                    assert reply.slots.get(slot) == value, f"{where}: slot {slot}; reply {reply.reply!r}"
            elif key == "reason":
                assert reply.handoff_summary is not None, where
                assert reply.handoff_summary.reason == expected, where
            elif key == "results":
                session = bot.store.load(reply.session_id, tenant="default")
                assert session is not None
                given = [step.result for step in session.steps]
                while given and given[-1] is None:  # steps still waiting for an answer
                    given.pop()
                assert given == expected, where
            elif key == "new_reference":
                assert reply.handoff_summary is not None, where
                assert reply.handoff_summary.reference not in references, where
            else:
                assert getattr(reply, key) == expected, f"{where}: {key}; reply {reply.reply!r}"
        for wanted in turn.get("says", []):
            assert _says(reply.reply, wanted), f"{where}: reply lacks {wanted!r}: {reply.reply!r}"
        for unwanted in turn.get("never_says", []):
            assert unwanted.lower() not in reply.reply.lower(), f"{where}: reply says {unwanted!r}"
        if reply.handoff_summary is not None:
            references.add(reply.handoff_summary.reference)


def test_every_class_has_at_least_four_conversations() -> None:
    counts: dict[str, int] = {}
    for param in CASES:
        case = param.values[0]
        counts[case["class"]] = counts.get(case["class"], 0) + 1
    assert len(CASES) >= 85
    assert {name: n for name, n in counts.items() if n < 4} == {}
