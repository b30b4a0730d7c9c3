"""The engine refuses broken declarations and runs sound ones on a shared machine."""

from __future__ import annotations

import dataclasses

import pytest

from vpnfsm import Assistant, FlowError
from vpnfsm._engine import Engine, engine_for, validate
from vpnfsm.flows.behaviour import FlowModel
from vpnfsm.flows.spec import StateSpec
from vpnfsm.flows.vpn import VPN_FLOW


def test_shipped_flow_is_valid() -> None:
    assert validate(VPN_FLOW) == []


def test_every_problem_is_listed_at_once() -> None:
    broken = dataclasses.replace(
        VPN_FLOW,
        initial="VPN_NOWHERE",
        transitions=(
            *VPN_FLOW.transitions,
            {"trigger": "answer", "source": "VPN_HANDOFF", "dest": "VPN_ASK_OS"},
            {"trigger": "answer", "source": "VPN_ASK_OS", "dest": "VPN_MISSING", "conditions": ["no_such_guard"]},
            {"trigger": "shout", "source": "VPN_ASK_OS", "dest": "VPN_ASK_OS", "after": ["os.system"]},
        ),
    )
    with pytest.raises(FlowError) as caught:
        Engine(broken)
    text = " | ".join(caught.value.problems)
    for fragment in (
        "initial state 'VPN_NOWHERE'",
        "leaves terminal state 'VPN_HANDOFF'",
        "unknown destination 'VPN_MISSING'",
        "unregistered guard 'no_such_guard'",
        "unknown trigger 'shout'",
        "unregistered action 'os.system'",
    ):
        assert fragment in text


def test_unreachable_state_is_rejected() -> None:
    lonely = dataclasses.replace(VPN_FLOW, states=(*VPN_FLOW.states, StateSpec("VPN_LONELY", prompt="ask_os")))
    assert "state VPN_LONELY is unreachable" in validate(lonely)


def test_transient_state_needs_an_unconditional_exit() -> None:
    table = tuple(t for t in VPN_FLOW.transitions if t["source"] != "VPN_GIVE_STEPS")
    problems = validate(dataclasses.replace(VPN_FLOW, transitions=table))
    assert any("VPN_GIVE_STEPS: transient" in p for p in problems)


def test_one_machine_per_flow_per_process() -> None:
    first, second = Assistant(), Assistant()
    assert first.logic.engines["vpn"] is second.logic.engines["vpn"]
    assert engine_for(VPN_FLOW).machine is first.logic.engines["vpn"].machine


def test_models_are_never_registered_on_the_shared_machine() -> None:
    engine = engine_for(VPN_FLOW)
    bot = Assistant()
    reply = bot.handle("VPN is not working")
    for answer in ("windows", "globalprotect", "it won't connect", "no code", "no", "no"):
        reply = bot.handle(answer, session_id=reply.session_id)
    assert reply.outcome == "handoff"
    assert engine.machine.models == []


def test_fire_without_a_matching_transition_is_a_flow_error() -> None:
    table = tuple(t for t in VPN_FLOW.transitions if t["trigger"] != "human")
    engine = Engine(dataclasses.replace(VPN_FLOW, transitions=table))
    model = FlowModel(engine.spec, state="VPN_ASK_OS", slots=dict.fromkeys(VPN_FLOW.slots))
    with pytest.raises(FlowError):
        engine.fire(model, "human")


def test_version_changes_with_structure_not_wording() -> None:
    reworded = dataclasses.replace(VPN_FLOW, messages={**VPN_FLOW.messages, "ask_os": "Which OS?"})
    assert reworded.version == VPN_FLOW.version
    fewer = dataclasses.replace(VPN_FLOW, transitions=VPN_FLOW.transitions[:-1])
    assert fewer.version != VPN_FLOW.version
