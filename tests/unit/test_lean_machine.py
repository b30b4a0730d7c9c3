"""The lean machine steps every shipped flow exactly as stock ``transitions`` does, and refuses what it cannot.

Two engines per flow, identical but for ``Engine.machine_class``: the stock
``transitions.Machine`` (with its stock State/Event/Transition/Condition) and
:class:`~vpnfsm._engine.LeanMachine`. Every reachable configuration the
verifier finds, and random models and trigger sequences, go through both; the
models, the transitions fired and any error must come out the same.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transitions import Machine, MachineError
from transitions.core import State

from vpnfsm._engine import Engine, LeanMachine, LeanState
from vpnfsm.flows.behaviour import FlowModel
from vpnfsm.flows.knowledge import load_table
from vpnfsm.flows.registry import FLOWS, PREVIOUS_VERSIONS
from vpnfsm.flows.spec import TRIGGERS, FlowSpec
from vpnfsm.verify import reachable_configurations, representative_values

SPECS: tuple[FlowSpec, ...] = (
    *FLOWS.values(),
    *(spec for versions in PREVIOUS_VERSIONS.values() for spec in versions),
)
#: Every trigger a flow may use, and one no flow declares.
FIRED = (*TRIGGERS, "no_such_trigger")
#: What the last message said beyond facts: (dont_know, result).
SIGNALS: tuple[tuple[bool, str | None], ...] = ((False, None), (True, None), (False, "worked"), (False, "failed"))
#: One message of a random scenario: trigger, a fact (slot, value) it sets, dont_know, result.
_Step = tuple[str, str | None, str | None, bool, str | None]


class _StockEngine(Engine):
    machine_class = Machine


class _Pair:
    """A stock-class and a lean engine of one flow, each recording the transitions it fires."""

    def __init__(self, spec: FlowSpec) -> None:
        self.fired: tuple[list[int], list[int]] = ([], [])
        self.stock = _StockEngine(spec, observer=self.fired[0].append)
        self.lean = Engine(spec, observer=self.fired[1].append)
        assert type(self.stock.machine) is Machine
        assert type(self.lean.machine) is LeanMachine


PAIRS = {spec.version: _Pair(spec) for spec in SPECS}


def _snapshot(model: FlowModel) -> tuple[object, ...]:
    return tuple(
        sorted(value) if isinstance(value, set) else value
        for value in (getattr(model, name) for name in FlowModel.__slots__)
    )


def _clone(model: FlowModel) -> FlowModel:
    copy = FlowModel(
        model.spec,
        state=model.state,
        slots=dict(model.slots),
        skipped=set(model.skipped),
        reasks=model.reasks,
        attempts=model.attempts,
        resets=model.resets,
        given=list(model.given),
    )
    copy.dont_know, copy.result, copy.said = model.dont_know, model.result, list(model.said)
    copy.outcome, copy.reason = model.outcome, model.reason
    return copy


def _fire(engine: Engine, model: FlowModel, trigger: str) -> tuple[str, str] | None:
    try:
        engine.fire(model, trigger)
    except Exception as error:  # every kind of failure must match, whatever it is
        return type(error).__name__, str(error)
    return None


def _assert_same(pair: _Pair, stock: FlowModel, lean: FlowModel, trigger: str) -> tuple[str, str] | None:
    for fired in pair.fired:
        fired.clear()
    stock_error = _fire(pair.stock, stock, trigger)
    lean_error = _fire(pair.lean, lean, trigger)
    assert lean_error == stock_error
    assert _snapshot(lean) == _snapshot(stock)
    assert pair.fired[1] == pair.fired[0]
    return stock_error


def test_every_reachable_configuration_steps_alike() -> None:
    errors = accepted = 0
    for spec in SPECS:
        pair = PAIRS[spec.version]
        for configuration in reachable_configurations(spec):
            for trigger in FIRED:
                for dont_know, result in SIGNALS:
                    model = configuration.model(spec)
                    model.dont_know, model.result = dont_know, result
                    if _assert_same(pair, model, _clone(model), trigger) is None:
                        accepted += 1
                    else:
                        errors += 1
    # Both outcomes were compared, not only one of them.
    assert accepted > 1000
    assert errors > 1000


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[FlowSpec, FlowModel, list[_Step]]:
    spec = draw(st.sampled_from(SPECS))
    values = representative_values(spec)
    # Unknown values too: a guard must read them the same way in both machines.
    slot_values = {slot: st.sampled_from((*values[slot], "other")) for slot in spec.slots}
    articles = [article.id for article in load_table(spec.knowledge).articles]
    model = FlowModel(
        spec,
        # An undeclared state too: both machines must refuse it alike.
        state=draw(st.sampled_from((*spec.state_names, "NO_SUCH_STATE"))),
        slots={slot: draw(st.none() | slot_values[slot]) for slot in spec.slots},
        skipped=set(draw(st.sets(st.sampled_from(spec.slots)))),
        reasks=draw(st.integers(0, 3)),
        attempts=draw(st.integers(0, 3)),
        resets=draw(st.integers(0, 3)),
        given=draw(st.lists(st.sampled_from(articles), unique=True, max_size=4)),
    )
    steps: list[_Step] = []
    for _ in range(draw(st.integers(1, 8))):
        slot = draw(st.none() | st.sampled_from(spec.slots))
        value = None if slot is None else draw(slot_values[slot])
        dont_know, result = draw(st.sampled_from(SIGNALS))
        steps.append((draw(st.sampled_from(FIRED)), slot, value, dont_know, result))
    return spec, model, steps


@settings(max_examples=400, deadline=None)
@given(_scenarios())
def test_random_models_and_trigger_sequences_step_alike(
    scenario: tuple[FlowSpec, FlowModel, list[_Step]],
) -> None:
    spec, stock, steps = scenario
    lean = _clone(stock)
    for trigger, slot, value, dont_know, result in steps:
        # What a new user message would set before the turn fires its trigger.
        for model in (stock, lean):
            if slot is not None:
                model.slots[slot] = value
            model.dont_know, model.result = dont_know, result
        _assert_same(PAIRS[spec.version], stock, lean, trigger)


class _Plain:
    """A bare model: the machines only read and write ``state``."""

    def __init__(self, state: str) -> None:
        self.state = state


def _recording_machine(machine_class: type[Machine], log: list[str], *, fail_on: str = "") -> Machine:
    def hook(name: str, value: bool | None = None) -> Callable[[Any], bool | None]:
        def call(event: Any) -> bool | None:
            log.append(f"{name}:{event.state.name}:{event.event.name}")
            if name == fail_on:
                raise RuntimeError(name)
            return value

        return call

    return machine_class(
        model=None,
        states=[
            {"name": "A", "on_exit": [hook("exit A")]},
            {"name": "B", "on_enter": [hook("enter B"), hook("enter B again")], "on_exit": [hook("exit B")]},
        ],
        initial="A",
        transitions=[
            # Refused by its guard: its prepare runs, its before never does.
            {"trigger": "go", "source": "A", "dest": "B", "prepare": hook("prepare 1"),
             "conditions": [hook("guard 1", True)], "unless": [hook("unless 1", True)], "before": hook("before 1")},
            {"trigger": "go", "source": "A", "dest": "B", "prepare": hook("prepare 2"),
             "conditions": [hook("guard 2", True)], "before": hook("before 2"), "after": hook("after 2")},
            {"trigger": "stay", "source": "B", "dest": None,
             "before": hook("before stay"), "after": hook("after stay")},
            {"trigger": "go", "source": "B", "dest": "B", "after": hook("after B")},
        ],
        auto_transitions=False,
        send_event=True,
        prepare_event=[hook("prepare event")],
    )  # fmt: skip


@pytest.mark.parametrize("fail_on", ["", "guard 2", "exit A", "enter B", "after 2", "prepare event"])
def test_callbacks_run_in_the_same_order_and_fail_at_the_same_point(fail_on: str) -> None:
    outcomes = []
    for machine_class in (Machine, LeanMachine):
        log: list[str] = []
        machine = _recording_machine(machine_class, log, fail_on=fail_on)
        model = _Plain("A")
        results: list[object] = []
        for trigger in ("go", "stay", "go", "go"):
            try:
                results.append(machine.events[trigger].trigger(model))
            except RuntimeError as error:
                results.append(f"error {error}")
            except MachineError as error:
                results.append(f"machine error {error.value}")
        outcomes.append((log, results, model.state))
    assert outcomes[1] == outcomes[0]
    if not fail_on:
        # The scenario exercises what it claims to: a refused guard, an internal and a reflexive transition.
        assert outcomes[0][1] == [True, True, True, True]
        assert "before 1:A:go" not in outcomes[0][0]
        assert outcomes[0][0].count("enter B:B:go") == 3  # A->B once, B->B twice


def test_an_invalid_trigger_raises_the_same_machine_error() -> None:
    messages = []
    for machine_class in (Machine, LeanMachine):
        machine = machine_class(
            model=None, states=["A", "B"], initial="A", transitions=[{"trigger": "go", "source": "A", "dest": "B"}],
            auto_transitions=False, send_event=True, name="m",
        )  # fmt: skip
        with pytest.raises(MachineError) as caught:
            machine.events["go"].trigger(_Plain("B"))
        messages.append(caught.value.value)
    assert messages[0] == messages[1] == "m: Can't trigger event go from state B!"


def _base() -> dict[str, Any]:
    return {
        "model": None,
        "states": [{"name": "A", "on_enter": [_noop]}, "B"],
        "initial": "A",
        "transitions": [{"trigger": "go", "source": "A", "dest": "B"}],
        "auto_transitions": False,
        "send_event": True,
    }


def _noop(event: Any) -> None:
    """A callable callback: allowed."""


class _Letter(Enum):
    C = "C"


REFUSED: dict[str, Callable[[dict[str, Any]], None]] = {
    "send_event": lambda c: c.update(send_event=False),
    "send_event missing": lambda c: c.pop("send_event"),
    "queued": lambda c: c.update(queued=True),
    "model_attribute": lambda c: c.update(model_attribute="status"),
    "ignore_invalid_triggers": lambda c: c.update(ignore_invalid_triggers=True),
    "before_state_change": lambda c: c.update(before_state_change=[_noop]),
    "after_state_change": lambda c: c.update(after_state_change=_noop),
    "finalize_event": lambda c: c.update(finalize_event=[_noop]),
    "on_exception": lambda c: c.update(on_exception=[_noop]),
    "on_final": lambda c: c.update(on_final=[_noop]),
    "prepare_event": lambda c: c.update(prepare_event=["settle"]),
    "state callbacks": lambda c: c["states"].append({"name": "C", "on_exit": "leave"}),
    "state names": lambda c: c["states"].append(_Letter.C),
    "state ignore_invalid_triggers": lambda c: c["states"].append({"name": "C", "ignore_invalid_triggers": True}),
    "conditions": lambda c: c["transitions"].append({"trigger": "go", "source": "B", "dest": "A", "unless": "ok"}),
    "transition callbacks": lambda c: c["transitions"].append(
        {"trigger": "go", "source": "B", "dest": "A", "after": [_noop, "done"]}
    ),
    "foreign State": lambda c: c["states"].append(State("C")),
}


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED.keys())
def test_unsupported_configurations_are_refused_when_built(change: Callable[[dict[str, Any]], None]) -> None:
    config = _base()
    LeanMachine(**config)  # the base configuration itself is fine
    change(config)
    with pytest.raises(ValueError, match="LeanMachine"):
        LeanMachine(**config)


def test_string_callbacks_added_later_are_refused() -> None:
    machine = LeanMachine(**_base())
    machine.on_enter_B(_noop)
    machine.before_go(_noop)
    with pytest.raises(ValueError, match="LeanMachine"):
        machine.on_enter_B("entered")
    with pytest.raises(ValueError, match="LeanMachine"):
        machine.before_go("going")
    with pytest.raises(ValueError, match="LeanMachine"):
        machine.add_states(State("C"))
    machine.add_states(LeanState("C"))
    assert list(machine.states) == ["A", "B", "C"]


def test_a_model_with_convention_callbacks_is_refused() -> None:
    # Stock transitions would register on_enter_B as a string callback when the model is added.
    class Model:
        def on_enter_B(self) -> None:  # noqa: N802 - the name transitions looks for
            """A convention callback."""

    config = _base()
    config["model"] = Model()
    with pytest.raises(ValueError, match="LeanMachine"):
        LeanMachine(**config)
