"""What a flow declaration is made of: plain, frozen data.

A flow is states, ``transitions`` configuration (lists of dicts whose guards
and actions are *names*), prompts and limits. The engine runs it, the
verifier explores it and the diagram code draws it, all from this one
declaration. Guard and action names are resolved from
:mod:`vpnfsm.flows.behaviour`, never imported from dotted paths.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

__all__ = ["TRIGGERS", "FlowSpec", "Limits", "StateSpec", "TransitionSpec"]

#: The triggers a flow may use. ``answer``: the user replied to the pending
#: question; ``human``: asked for a person; ``reset``: asked to start over;
#: ``advance``: fired by the engine itself in transient states (no user input).
TRIGGERS: tuple[str, ...] = ("answer", "human", "reset", "advance")

TransitionSpec = Mapping[str, Any]


@dataclass(frozen=True)
class StateSpec:
    """One state of a flow.

    Attributes:
        name: the machine state name, e.g. ``"VPN_ASK_OS"``.
        prompt: message key said on entering the state.
        reask: message key said when the pending question is asked once more.
        asks: the slot this state asks for, if it is a question.
        checks_result: the state asks whether the steps just given worked.
        transient: the engine moves on at once (the state awaits no input).
        on_enter: action names run when the state is entered (before its prompt).
        outcome: for terminal states, how the flow ended.

    """

    name: str
    prompt: str | None = None
    reask: str | None = None
    asks: str | None = None
    checks_result: bool = False
    transient: bool = False
    on_enter: tuple[str, ...] = ()
    outcome: Literal["resolved", "handoff"] | None = None

    @property
    def terminal(self) -> bool:
        """A terminal state has an outcome and no way out."""
        return self.outcome is not None


@dataclass(frozen=True)
class Limits:
    """The bounds that make every conversation finite.

    Attributes:
        max_reasks: how often an unfitting answer is asked again before moving on.
        max_attempts: how many sets of steps are given before escalating.
        max_resets: how often the user may start over before a person takes over.

    """

    max_reasks: int = 1
    max_attempts: int = 2
    max_resets: int = 2


@dataclass(frozen=True)
class FlowSpec:
    """A complete flow declaration.

    Attributes:
        name: registry name, e.g. ``"vpn"``.
        intent: the taxonomy intent that starts this flow.
        title: human-readable name for diagrams and docs.
        states: every state, in a readable order.
        initial: where a new conversation starts (a transient state).
        transitions: ``transitions`` configuration dicts with named guards/actions.
        slots: the facts this flow collects, in the order it asks for them.
        messages: message key -> text; prompts and actions refer to keys.
        knowledge: file name of the steps table inside ``vpnfsm/flows/``.
        prepare: action names run once before every user event.
        limits: the bounds the guards read.
        migrations: old version -> {old state -> new state}, for sessions
            started on an older declaration (a state whose name still exists
            maps to itself unless listed).
        vocabulary: for slots that are not taxonomy entities, slot -> value ->
            regular expressions that recognise the value in a message (see
            :mod:`vpnfsm.flows.slots`); empty for the VPN flow, whose slots the
            extractor fills.
        cues: for a flow whose intent the extractor does not produce (a content
            pack's Wi-Fi or printer flow), patterns that start it from a
            message read as ``general``; matched case-insensitively through
            :mod:`vpnfsm._patterns` (RE2).

    """

    name: str
    intent: str
    title: str
    states: tuple[StateSpec, ...]
    initial: str
    transitions: tuple[TransitionSpec, ...]
    slots: tuple[str, ...]
    messages: Mapping[str, str]
    knowledge: str
    prepare: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    migrations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    vocabulary: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    cues: tuple[str, ...] = ()

    def state(self, name: str) -> StateSpec:
        """The state called ``name`` (``KeyError`` if there is none)."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, StateSpec]:
        return {state.name: state for state in self.states}

    @cached_property
    def state_names(self) -> tuple[str, ...]:
        """Every state name, in declaration order."""
        return tuple(state.name for state in self.states)

    @property
    def terminal_states(self) -> tuple[str, ...]:
        """States with an outcome."""
        return tuple(state.name for state in self.states if state.terminal)

    @cached_property
    def version(self) -> str:
        """A short hash of the structure (states, transitions, limits).

        Prompts and the knowledge table are left out: changing wording does
        not move running sessions, changing the machine does.
        """
        structure = {
            "states": [
                [s.name, s.asks, s.checks_result, s.transient, list(s.on_enter), s.outcome]
                for s in self.states
            ],
            "initial": self.initial,
            "transitions": [dict(t) for t in self.transitions],
            "slots": list(self.slots),
            "prepare": list(self.prepare),
            "limits": [self.limits.max_reasks, self.limits.max_attempts, self.limits.max_resets],
        }
        digest = hashlib.sha256(json.dumps(structure, sort_keys=True).encode()).hexdigest()
        return digest[:12]
