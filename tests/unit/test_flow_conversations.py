"""Generated (one per transition) and reference conversations, run through ``Assistant``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.flow_support import ScriptedExtractor, extraction_for, text_for
from vpnfsm import Assistant, Extraction, MemoryStore
from vpnfsm._engine import Engine
from vpnfsm.flows.registry import FLOWS
from vpnfsm.flows.slots import match_slots
from vpnfsm.nlp import RuleExtractor
from vpnfsm.verify import verify_flow

DATA = Path(__file__).parent.parent / "data" / "conversations"


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_generated_conversations_cover_every_transition(name: str) -> None:
    spec = FLOWS[name]
    report = verify_flow(spec)
    assert len(report.conversations) == len(spec.transitions)
    extractor = ScriptedExtractor()
    assistant = Assistant(extractor=extractor, flows=FLOWS, store=MemoryStore())
    fired: set[int] = set()
    # Measure coverage on the engine the assistant runs, not on the verifier's.
    assistant.logic.engines[name] = Engine(spec, observer=fired.add)
    for conversation in report.conversations:
        session_id: str | None = None
        for step in conversation.steps:
            text = text_for(spec, step.input)
            vocabulary = {s: v for s, v in step.input.facts if s in spec.vocabulary}
            assert match_slots(spec, text) == vocabulary, text
            extractor.push(extraction_for(spec, step.input))
            reply = assistant.handle(text, session_id)
            session_id = reply.session_id
            assert (reply.flow, reply.state) == (name, step.state), (conversation.transition, step)
        assert conversation.transition in fired
    coverage = len(fired) / len(spec.transitions)
    print(f"transition coverage of {name}: {len(fired)}/{len(spec.transitions)} ({coverage:.0%})")
    assert fired == set(range(len(spec.transitions)))


def _cases() -> list[Any]:
    cases = []
    for path in sorted(DATA.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


@pytest.mark.parametrize("extractor_kind", ["scripted", "rule"])
@pytest.mark.parametrize("case", _cases())
def test_reference_conversation(case: dict[str, Any], extractor_kind: str) -> None:
    # "scripted" pins the flow mechanism given a correct reading of each message;
    # "rule" runs the same conversation end to end through the shipped extractor.
    scripted = ScriptedExtractor()
    extractor = scripted if extractor_kind == "scripted" else RuleExtractor()
    assistant = Assistant(extractor=extractor, flows=FLOWS, store=MemoryStore())
    session_id: str | None = None
    for turn in case["turns"]:
        scripted.push(Extraction(**turn["reads"]))
        reply = assistant.handle(turn["user"], session_id)
        assert reply.intent == turn["reads"]["intent"], f"{turn['user']!r}: intent"
        session_id = reply.session_id
        expect = turn["expect"]
        where = f"after {turn['user']!r}"
        for key in ("flow", "state", "handoff", "outcome"):
            if key in expect:
                assert getattr(reply, key) == expect[key], f"{where}: {key}"
        for slot, value in expect.get("slots", {}).items():
            assert reply.slots.get(slot) == value, f"{where}: slot {slot}"
        if "steps" in expect:
            session = assistant.store.load(reply.session_id, tenant="default")
            assert session is not None
            assert [s.article for s in session.steps] == expect["steps"], where
        if "reason" in expect:
            assert reply.handoff_summary is not None
            assert reply.handoff_summary.reason == expect["reason"], where


def test_non_vpn_flows_show_their_own_slots() -> None:
    extractor = ScriptedExtractor([Extraction(intent="email")])
    reply = Assistant(extractor=extractor, flows=FLOWS).handle("Thunderbird won't sync")
    assert reply.slots == {"problem": "sync", "mail_app": "thunderbird"}

