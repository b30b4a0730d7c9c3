"""The only module that imports ``transitions``: builds each flow's machine once, steps models.

Design (measured in ``shared/transitions-notes.md``): one ``Machine`` per flow
per process, built with ``model=None`` and ``auto_transitions=False``; each
turn steps a fresh :class:`~vpnfsm.flows.behaviour.FlowModel` through
``machine.events[trigger].trigger(model)`` without registering it, which
costs ~20 µs instead of ~500 µs for a machine per turn and leaves no
per-model state behind in the machine.

The machine is a :class:`LeanMachine`: a real ``transitions`` machine (its
states, events and transitions are built by ``transitions``, so the verifier
and diagrams read it as before) whose per-trigger methods skip what this
engine never uses -- debug logging, string callback resolution, the event
queue, machine-wide state-change hooks. It refuses, when built, any
configuration that would need those.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from transitions import Machine, MachineError
from transitions.core import Condition, Event, EventData, State, Transition, listify

from vpnfsm.errors import FlowError
from vpnfsm.flows.behaviour import ACTIONS, GUARDS, FlowModel, parse_name
from vpnfsm.flows.slots import check_vocabulary
from vpnfsm.flows.spec import TRIGGERS, FlowSpec

__all__ = ["MAX_ADVANCES", "Engine", "LeanMachine", "engine_for", "validate"]

# Stock transitions logs every state change at INFO (~45 µs a turn under a
# host's INFO handler). The lean machine never logs per trigger; this keeps the
# stock-class machines the benchmarks compare against just as quiet.
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


# --- The lean machine --------------------------------------------------------
#
# Each class below overrides only the methods one trigger runs, and does what
# transitions 0.9.3 does for them in this engine's configuration: callables
# only, ``send_event=True``, no queue, no machine-wide before/after state
# change, finalize, exception or final hooks, invalid triggers raise, the
# model's state in ``model.state``. Building and introspection stay stock.
# ``tests/unit/test_lean_machine.py`` drives every shipped flow through both
# and compares the results.

_EventCallback = Callable[[EventData], Any]


def _require_callables(where: str, funcs: object) -> None:
    # A string would be resolved against the model by stock transitions; the
    # lean path calls what it is given, so it must be given callables.
    for func in listify(funcs):
        if not callable(func):
            raise ValueError(f"LeanMachine: {where} must be callables, got {func!r}")


def _state(machine: Machine, name: str) -> State:
    found = machine.states.get(name)
    # Machine.get_state raises transitions' own ValueError for a name it lacks.
    return found if found is not None else machine.get_state(name)


class LeanState(State):
    """A state whose enter and exit call their callbacks directly."""

    on_enter: list[_EventCallback]  # type: ignore[assignment]
    on_exit: list[_EventCallback]  # type: ignore[assignment]

    def __init__(self, name: str, **config: Any) -> None:
        if not isinstance(name, str):
            raise ValueError(f"LeanMachine: state names must be strings, got {name!r}")
        if config.get("ignore_invalid_triggers"):
            raise ValueError(f"LeanMachine: state {name}: ignore_invalid_triggers is not supported")
        callbacks = [*listify(config.get("on_enter")), *listify(config.get("on_exit"))]
        _require_callables(f"state {name} callbacks", callbacks)
        super().__init__(name, **config)

    def enter(self, event_data: EventData) -> None:
        """Run the enter callbacks (stock: the same, between two log calls)."""
        for func in self.on_enter:
            func(event_data)

    def exit(self, event_data: EventData) -> None:
        """Run the exit callbacks (stock: the same, between two log calls)."""
        for func in self.on_exit:
            func(event_data)

    def add_callback(self, trigger: str, func: object) -> None:
        """Add an enter or exit callback; refuses anything but a callable."""
        _require_callables(f"state {self.name} callbacks", func)
        super().add_callback(trigger, func)  # type: ignore[arg-type]


class LeanCondition(Condition):
    """A guard called directly with the event data."""

    func: _EventCallback

    def __init__(self, func: object, target: bool = True) -> None:
        _require_callables("conditions", func)
        super().__init__(func, target)  # type: ignore[arg-type]

    def check(self, event_data: EventData) -> bool:
        """Whether the guard passes (stock compares to ``target`` the same way)."""
        return bool(self.func(event_data) == self.target)


class LeanTransition(Transition):
    """A transition that runs its callbacks without logging or chaining."""

    condition_cls = LeanCondition
    prepare: list[_EventCallback]  # type: ignore[assignment]
    before: list[_EventCallback]  # type: ignore[assignment]
    after: list[_EventCallback]  # type: ignore[assignment]

    def __init__(self, source: str, dest: str | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(source, dest, *args, **kwargs)  # type: ignore[arg-type]
        _require_callables("transition callbacks", [*self.prepare, *self.before, *self.after])

    def execute(self, event_data: EventData) -> bool:
        """Prepare, check the guards, then before, change state, after."""
        for func in self.prepare:
            func(event_data)
        for condition in self.conditions:
            if not condition.check(event_data):
                return False
        for func in self.before:
            func(event_data)
        if self.dest:  # None: an internal transition, no exit or enter
            self._change_state(event_data)
        for func in self.after:
            func(event_data)
        return True

    def _change_state(self, event_data: EventData) -> None:
        machine = event_data.machine
        model = event_data.model
        _state(machine, self.source).exit(event_data)
        assert self.dest is not None
        dest = _state(machine, self.dest)
        model.state = dest.value  # type: ignore[attr-defined]
        # As stock does: the event's state is re-read from the model.
        event_data.state = _state(machine, model.state)  # type: ignore[attr-defined]
        dest.enter(event_data)

    def add_callback(self, trigger: str, func: object) -> None:
        """Add a prepare, before or after callback; refuses anything but a callable."""
        _require_callables("transition callbacks", func)
        super().add_callback(trigger, func)  # type: ignore[arg-type]


class LeanEvent(Event):
    """An event whose trigger runs at once, with no partial, queue or logging."""

    def trigger(self, model: object, *args: Any, **kwargs: Any) -> bool:
        """Try this trigger's transitions from the model's state; the first that passes wins.

        Raises:
            MachineError: no transition of this trigger leaves the model's state.
            ValueError: the model's state is not a state of the machine.

        """
        machine = self.machine
        event_data = EventData(None, self, machine, model, args, kwargs)
        state = _state(machine, model.state)  # type: ignore[attr-defined]
        event_data.state = state
        try:
            candidates = self.transitions.get(state.name)
            if candidates is None:
                raise MachineError(f"{machine.name}Can't trigger event {self.name} from state {state.name}!")
            for func in machine.prepare_event:
                func(event_data)  # type: ignore[operator]
            for transition in candidates:
                event_data.transition = transition
                if transition.execute(event_data):
                    event_data.result = True
                    break
        except BaseException as error:
            event_data.error = error  # type: ignore[assignment]
            raise
        return bool(event_data.result)


#: Machine options the lean path does not implement; any non-empty value is refused.
_UNSUPPORTED_HOOKS = ("before_state_change", "after_state_change", "finalize_event", "on_exception", "on_final")


class LeanMachine(Machine):
    """A ``transitions.Machine`` for callables-only, ``send_event=True`` flows, stepped cheaply.

    Keyword arguments are ``Machine``'s. Raises ``ValueError`` when they ask
    for anything the lean trigger path does not do: string callbacks,
    ``send_event=False``, ``queued``, a ``model_attribute`` other than
    ``state``, ``ignore_invalid_triggers``, or machine-wide
    before/after-state-change, finalize, exception or final callbacks. States
    passed as ``State`` objects must be :class:`LeanState`.
    """

    state_cls = LeanState
    transition_cls = LeanTransition
    event_cls = LeanEvent

    def __init__(self, **config: Any) -> None:
        if config.get("send_event") is not True:
            raise ValueError("LeanMachine: send_event=True is required")
        if config.get("queued"):
            raise ValueError("LeanMachine: queued processing is not supported")
        if config.get("model_attribute", "state") != "state":
            raise ValueError("LeanMachine: the model attribute must be 'state'")
        if config.get("ignore_invalid_triggers"):
            raise ValueError("LeanMachine: ignore_invalid_triggers is not supported")
        for hook in _UNSUPPORTED_HOOKS:
            if listify(config.get(hook)):
                raise ValueError(f"LeanMachine: {hook} callbacks are not supported")
        _require_callables("prepare_event callbacks", config.get("prepare_event"))
        super().__init__(**config)

    def add_states(self, states: Any, *args: Any, **kwargs: Any) -> None:
        """Add states as ``Machine.add_states`` does; refuses ``State`` objects of another class."""
        for state in listify(states):
            if isinstance(state, State) and not isinstance(state, LeanState):
                raise ValueError(f"LeanMachine: state {state.name} is a {type(state).__name__}, not a LeanState")
        super().add_states(states, *args, **kwargs)


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

    #: The machine class; :class:`LeanMachine` on the request path. A test
    #: subclass sets the stock ``Machine`` to compare the two.
    machine_class: type[Machine] = LeanMachine

    def __init__(self, spec: FlowSpec, *, observer: Callable[[int], None] | None = None) -> None:
        problems = validate(spec)
        if problems:
            raise FlowError(spec.name, problems)
        self.spec = spec
        states, transitions = _machine_config(spec, observer)
        self.machine = self.machine_class(
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
