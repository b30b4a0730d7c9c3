"""The only module that imports ``transitions``: builds each flow's machine once, steps models.

Design (measured in ``shared/transitions-notes.md``): one ``Machine`` per flow
per process, built with ``model=None`` and ``auto_transitions=False``; each
turn steps a fresh :class:`~vpnfsm.flows.behaviour.FlowModel` through
``machine.events[trigger].trigger(model)`` without registering it, which
costs ~20 µs instead of ~500 µs for a machine per turn and leaves no
per-model state behind in the machine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from transitions import Machine, MachineError

from vpnfsm.errors import FlowError
from vpnfsm.flows.behaviour import ACTIONS, GUARDS, FlowModel, parse_name
from vpnfsm.flows.slots import check_vocabulary
from vpnfsm.flows.spec import TRIGGERS, FlowSpec

__all__ = ["MAX_ADVANCES", "Engine", "engine_for", "validate"]

# transitions logs every state change at INFO; with a host's INFO handler that
# adds ~45 µs a turn, so keep it at WARNING unless the host lowers it again.
logging.getLogger("transitions").setLevel(logging.WARNING)

#: Transient states in a row before the engine declares the flow stuck.
MAX_ADVANCES = 16

_Callback = Callable[[Any], Any]


def _guard(name: str) -> _Callback:
    base, arg = parse_name(name)
    guard = GUARDS[base]
    return lambda event: guard(event.model, arg)


def _action(name: str) -> _Callback:
    base, arg = parse_name(name)
    action = ACTIONS[base]
    return lambda event: action(event.model, arg)


def _observe(observer: Callable[[int], None], index: int) -> _Callback:
    return lambda event: observer(index)


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    assert isinstance(value, Iterable)
    return [str(item) for item in value]


def validate(spec: FlowSpec) -> list[str]:
    """Every structural problem of a declaration (empty when it is sound).

    Checks: one existing initial state, known triggers, existing sources and
    destinations, registered guards and actions, no exit from a terminal
    state, every state reachable from the initial one (ignoring guards), a
    transient state's last ``advance`` is unconditional, every message
    key exists, and the slot vocabulary names declared slots with valid
    patterns. Behavioural properties (dead ends, bounds) are proved by the
    verifier, which explores the guards.
    """
    problems: list[str] = []
    names = spec.state_names
    if len(set(names)) != len(names):
        problems.append("duplicate state names")
    if spec.initial not in names:
        problems.append(f"initial state {spec.initial!r} is not declared")
    terminal = set(spec.terminal_states)
    edges: dict[str, set[str]] = {name: set() for name in names}
    for index, transition in enumerate(spec.transitions):
        where = f"transition {index + 1}"
        if transition.get("trigger") not in TRIGGERS:
            problems.append(f"{where}: unknown trigger {transition.get('trigger')!r}")
        sources = _names(transition.get("source"))
        dest = transition.get("dest")
        for source in sources:
            if source not in names:
                problems.append(f"{where}: unknown source {source!r}")
            elif source in terminal:
                problems.append(f"{where}: leaves terminal state {source!r}")
            elif dest is not None:
                edges[source].add(str(dest))
        if dest is not None and dest not in names:
            problems.append(f"{where}: unknown destination {dest!r}")
        for key in ("conditions", "unless"):
            for name in _names(transition.get(key)):
                if parse_name(name)[0] not in GUARDS:
                    problems.append(f"{where}: unregistered guard {name!r}")
        for key in ("before", "after", "prepare"):
            for name in _names(transition.get(key)):
                base, arg = parse_name(name)
                if base not in ACTIONS:
                    problems.append(f"{where}: unregistered action {name!r}")
                elif base == "say" and arg not in spec.messages:
                    problems.append(f"{where}: unknown message {arg!r}")
    for name in spec.prepare:
        if parse_name(name)[0] not in ACTIONS:
            problems.append(f"prepare: unregistered action {name!r}")
    for state in spec.states:
        problems += [
            f"state {state.name}: unregistered action {name!r}"
            for name in state.on_enter
            if parse_name(name)[0] not in ACTIONS
        ]
        for message in (state.prompt, state.reask):
            if message is not None and message not in spec.messages:
                problems.append(f"state {state.name}: unknown message {message!r}")
        if state.transient:
            advances = [
                t
                for t in spec.transitions
                if t.get("trigger") == "advance" and state.name in _names(t.get("source"))
            ]
            if not advances or advances[-1].get("conditions") or advances[-1].get("unless"):
                problems.append(f"state {state.name}: transient but no unconditional 'advance' last")
    reached = {spec.initial} if spec.initial in names else set()
    frontier = list(reached)
    while frontier:
        for target in edges.get(frontier.pop(), ()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    problems += [f"state {name} is unreachable" for name in names if name not in reached]
    problems += check_vocabulary(spec)
    return problems


def _machine_config(
    spec: FlowSpec, observer: Callable[[int], None] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    states: list[dict[str, Any]] = []
    for state in spec.states:
        on_enter: list[_Callback] = []
        on_exit: list[_Callback] = []
        on_enter += [_action(name) for name in state.on_enter]
        if state.terminal:
            on_enter.append(_action("finish"))
        if state.prompt is not None:
            on_enter.append(_action(f"say:{state.prompt}"))
        if state.reask is not None:
            on_exit.append(_action("clear_reasks"))
        states.append({"name": state.name, "on_enter": on_enter, "on_exit": on_exit})
    transitions: list[dict[str, Any]] = []
    for index, transition in enumerate(spec.transitions):
        config: dict[str, Any] = {
            "trigger": transition["trigger"],
            "source": transition["source"],
            "dest": transition.get("dest"),
        }
        for key in ("conditions", "unless"):
            if transition.get(key):
                config[key] = [_guard(name) for name in _names(transition[key])]
        for key in ("before", "after", "prepare"):
            if transition.get(key):
                config[key] = [_action(name) for name in _names(transition[key])]
        if observer is not None:
            # Runs first among the "before" callbacks, i.e. once the guards
            # passed: it tells the verifier which declared transition fired.
            config["before"] = [_observe(observer, index), *config.get("before", [])]
        transitions.append(config)
    return states, transitions


class Engine:
    """A flow's shared ``transitions`` machine and the loop that runs one turn.

    Args:
        spec: the declaration to run.
        observer: called with the index (in ``spec.transitions``) of every
            declared transition that fires; the verifier uses it to measure
            transition coverage. The request path passes none.

    Raises:
        FlowError: at construction, when the declaration is invalid.

    """

    def __init__(self, spec: FlowSpec, *, observer: Callable[[int], None] | None = None) -> None:
        problems = validate(spec)
        if problems:
            raise FlowError(spec.name, problems)
        self.spec = spec
        states, transitions = _machine_config(spec, observer)
        self.machine = Machine(
            model=None,
            states=states,
            transitions=transitions,
            initial=spec.initial,
            auto_transitions=False,
            send_event=True,
            prepare_event=[_action(name) for name in spec.prepare],
        )
        self._transient = frozenset(s.name for s in spec.states if s.transient)

    def fire(self, model: FlowModel, trigger: str) -> None:
        """Fire one trigger, then advance through transient states.

        Raises:
            FlowError: no transition accepted the trigger, or transient states
                kept advancing; the verifier proves neither happens for a
                sound declaration.

        """
        event = self.machine.events.get(trigger)
        if event is None:
            raise FlowError(self.spec.name, [f"no transition for {trigger!r} anywhere in the flow"])
        try:
            accepted = event.trigger(model)
            advances = 0
            while accepted and model.state in self._transient:
                advances += 1
                if advances > MAX_ADVANCES:
                    raise FlowError(self.spec.name, [f"transient states loop at {model.state}"])
                accepted = self.machine.events["advance"].trigger(model)
        except MachineError as exc:
            raise FlowError(self.spec.name, [f"{trigger!r} not allowed in {model.state}: {exc}"]) from exc
        if not accepted:
            raise FlowError(self.spec.name, [f"no transition for {trigger!r} in {model.state}"])

    def begin(self, model: FlowModel) -> None:
        """Enter a new conversation: the model is in the initial (transient) state."""
        model.state = self.spec.initial
        self.fire(model, "advance")


# One engine (one Machine) per flow declaration per process: keyed by the
# structural version, which covers everything the machine is built from.
_ENGINES: dict[tuple[str, str], Engine] = {}


def engine_for(spec: FlowSpec) -> Engine:
    """The process-wide engine of ``spec``, built on first use.

    Raises:
        FlowError: the declaration is invalid.

    """
    key = (spec.name, spec.version)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = Engine(spec)
    return engine
