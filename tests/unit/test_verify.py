"""The verifier proves the shipped flows and refutes planted defects with counterexamples."""

from __future__ import annotations

import dataclasses

import pytest

from tests.flow_support import rename_state
from vpnfsm.flows.registry import FLOWS, PREVIOUS_VERSIONS
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.flows.vpn import CHECK_RESULT, HANDOFF, MAX_TURNS, VPN_FLOW
from vpnfsm.verify import verify_flow


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_shipped_flow_is_proved(name: str) -> None:
    spec = FLOWS[name]
    report = verify_flow(spec, previous=PREVIOUS_VERSIONS.get(name, ()))
    assert report.ok, "\n".join(p.format() for p in report.problems)
    assert report.k is not None
    assert len(report.longest_path) == report.k
    assert report.longest_path[-1].state in spec.terminal_states
    assert report.transitions_covered == frozenset(range(len(spec.transitions)))


def test_vpn_bound_is_the_one_the_limits_imply() -> None:
    # 4 questions asked twice each + steps checked with a re-ask on each of
    # two attempts, per round; three rounds (two restarts); the last answer ends it.
    # The hand-derived MAX_TURNS the core's property test uses is exactly tight.
    report = verify_flow(VPN_FLOW)
    assert report.k == 37
    assert report.k == MAX_TURNS


def _without(spec: FlowSpec, **match: object) -> FlowSpec:
    kept = tuple(t for t in spec.transitions if any(t.get(k) != v for k, v in match.items()))
    assert len(kept) == len(spec.transitions) - 1
    return dataclasses.replace(spec, transitions=kept)


def test_removed_fallback_transition_is_a_dead_end_with_counterexample() -> None:
    broken = _without(VPN_FLOW, trigger="answer", source=CHECK_RESULT, dest=HANDOFF, conditions=None)
    report = verify_flow(broken)
    assert not report.ok
    dead = [p for p in report.problems if p.kind == "dead_end"]
    assert dead
    path = dead[0].path
    assert path[0].input.kind == "open"
    assert path[-1].state == "<no transition>"
    assert path[-2].state == CHECK_RESULT
    assert "VPN_CHECK_RESULT" in dead[0].format()


def test_guardless_self_loop_is_unbounded_with_counterexample() -> None:
    loop = {"trigger": "answer", "source": CHECK_RESULT, "dest": None}
    broken = dataclasses.replace(VPN_FLOW, transitions=(loop, *VPN_FLOW.transitions))
    report = verify_flow(broken)
    assert not report.ok
    assert report.k is None
    unbounded = [p for p in report.problems if p.kind == "unbounded"]
    assert len(unbounded) == 1
    path = unbounded[0].path
    # The cycle closes: the last configuration's state repeats an earlier one.
    assert path[-1].state == CHECK_RESULT
    assert [s.state for s in path].count(CHECK_RESULT) >= 2


def test_unbounded_reasks_are_detected() -> None:
    # A re-ask that never counts: the user can say nothing forever.
    transitions = tuple(
        {k: v for k, v in t.items() if k != "after"} if t.get("after") == ["count_reask"] else t
        for t in VPN_FLOW.transitions
    )
    report = verify_flow(dataclasses.replace(VPN_FLOW, transitions=transitions))
    assert any(p.kind == "unbounded" for p in report.problems)


def test_transition_that_never_fires_is_reported() -> None:
    never = {"trigger": "answer", "source": CHECK_RESULT, "dest": HANDOFF, "conditions": ["needs:os"]}
    transitions = (*VPN_FLOW.transitions[:-3], never, *VPN_FLOW.transitions[-3:])
    report = verify_flow(dataclasses.replace(VPN_FLOW, transitions=transitions))
    uncovered = [p for p in report.problems if p.kind == "uncovered"]
    assert len(uncovered) == 1
    assert "never fires" in uncovered[0].message


def test_unreachable_state_through_guards_is_reported() -> None:
    # Structurally reachable (an edge exists) but the guard never holds.
    transitions = tuple(
        {**t, "conditions": ["worked", "failed"]} if t.get("dest") == "VPN_RESOLVED" else t
        for t in VPN_FLOW.transitions
    )
    report = verify_flow(dataclasses.replace(VPN_FLOW, transitions=transitions))
    assert any(p.kind == "unreachable" and "VPN_RESOLVED" in p.message for p in report.problems)


def test_migration_must_cover_removed_states() -> None:
    renamed = rename_state(VPN_FLOW, "VPN_ASK_CLIENT", "VPN_ASK_APP")
    missing = dataclasses.replace(renamed, migrations={VPN_FLOW.version: {}})
    report = verify_flow(missing, previous=(VPN_FLOW,))
    assert [p.kind for p in report.problems] == ["migration"]
    assert "VPN_ASK_CLIENT is gone" in report.problems[0].message

    mapped = dataclasses.replace(renamed, migrations={VPN_FLOW.version: {"VPN_ASK_CLIENT": "VPN_ASK_APP"}})
    report = verify_flow(mapped, previous=(VPN_FLOW,))
    assert report.ok, [p.format() for p in report.problems]
    assert report.migrations_checked == (VPN_FLOW.version,)

    unknown_old = dataclasses.replace(renamed, migrations={"0123456789ab": {}})
    assert not verify_flow(unknown_old).ok


def test_migrated_sessions_that_get_stuck_are_refuted() -> None:
    # The old version asked for the OS in a state the new one no longer has;
    # a careless mapping jumps those sessions past the OS question, into a
    # state whose last route assumes the OS was settled.
    old = rename_state(VPN_FLOW, "VPN_ASK_OS", "VPN_ASK_PLATFORM")
    transitions = tuple(
        {**t, "unless": ["needs:os"]}
        if (t["trigger"], t["source"], t.get("dest")) == ("answer", "VPN_ASK_SYMPTOM", "VPN_GIVE_STEPS")
        else t
        for t in VPN_FLOW.transitions
    )
    new = dataclasses.replace(
        VPN_FLOW, transitions=transitions, migrations={old.version: {"VPN_ASK_PLATFORM": "VPN_ASK_SYMPTOM"}}
    )
    assert verify_flow(dataclasses.replace(new, migrations={})).ok  # sound for new conversations
    report = verify_flow(new, previous=(old,))
    stuck = [p for p in report.problems if p.kind == "migration"]
    assert stuck
    assert all("migrated session is stuck" in p.message for p in stuck)
    assert stuck[0].path[0].input.kind == "migrate"
    assert stuck[0].path[0].input.facts == (("from", "VPN_ASK_PLATFORM"),)
    assert stuck[0].path[-1].state == "<no transition>"
