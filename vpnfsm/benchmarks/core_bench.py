"""Per-turn and per-extraction cost, side by side with a machine-per-turn design.

Both designs run the same conversations through the same facade, store and
extractor in one process and one run; only the engine differs. The naive
engine builds a ``transitions.Machine`` with the model attached on every
turn, as a chat script that "just uses transitions" would.

The yardstick ``machine_build_8_states`` is one ``Machine()`` with its
defaults (model attached, auto transitions) for an eight-state flow, timed in
the same rounds. The turns are those of :mod:`vpnfsm.benchmarks.workload`:
every conversation is another employee's, so the extraction memo answers only
the short answers people type alike; ``memo_hit_rate`` says how often, and
``turn_in_memory_no_memo`` is the same turn with every message read afresh.

``engine_fire`` times :meth:`Engine.fire <vpnfsm._engine.Engine.fire>` alone
on the (model, trigger) pairs those turns fire, through the request path's
:class:`~vpnfsm._engine.LeanMachine` and through the same engine on stock
``transitions`` classes, alternately.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Iterator
from typing import Any

from transitions import Machine

from vpnfsm._engine import Engine, _machine_config
from vpnfsm.assistant import Assistant
from vpnfsm.benchmarks._timing import summarize, time_calls
from vpnfsm.benchmarks.redact_bench import run_redact_bench
from vpnfsm.benchmarks.workload import conversations as workload
from vpnfsm.flows.behaviour import FlowModel
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.nlp import RuleExtractor
from vpnfsm.nlp._memo import MemoExtractor
from vpnfsm.nlp.bench import time_extraction

__all__ = ["CONVERSATIONS", "StockMachineEngine", "run_core_bench"]

#: Conversations the turn benchmark replays, each ending in an outcome.
CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("VPN is not working", "Windows", "GlobalProtect", "it just won't connect", "error 809", "no", "no"),
    ("AnyConnect on my Mac says login failed", "no code", "yes that fixed it"),
    ("my vpn keeps dropping", "ubuntu 22.04", "wireguard", "I don't know", "still broken", "works now"),
    ("FortiClient on Win11 fails with -7200", "no", "agent please"),
    ("vpn connected but no intranet", "banana", "macOS", "banana", "banana", "no code", "no", "no"),
)


class _OpenModel(FlowModel):
    # No __slots__: a registered model gets trigger methods injected by transitions.
    pass


class MachinePerTurnEngine(Engine):
    """The naive design: a fresh ``Machine`` with the model attached, every turn."""

    def __init__(self, spec: FlowSpec, *, auto_transitions: bool = True) -> None:
        super().__init__(spec)
        self._auto = auto_transitions

    def fire(self, model: FlowModel, trigger: str) -> None:
        """Build a machine around ``model`` and fire through it."""
        opened = _OpenModel(
            model.spec,
            state=model.state,
            slots=model.slots,
            skipped=model.skipped,
            reasks=model.reasks,
            attempts=model.attempts,
            resets=model.resets,
            given=model.given,
        )
        opened.dont_know, opened.result, opened.said = model.dont_know, model.result, model.said
        states, transitions = _machine_config(self.spec)
        machine = Machine(
            model=opened,
            states=states,
            transitions=transitions,
            initial=model.state,
            auto_transitions=self._auto,
            send_event=True,
            prepare_event=self.machine.prepare_event,
        )
        accepted = machine.events[trigger].trigger(opened)
        while accepted and opened.state in self._transient:
            accepted = machine.events["advance"].trigger(opened)
        for name in FlowModel.__slots__:
            setattr(model, name, getattr(opened, name))


class StockMachineEngine(Engine):
    """The request-path engine on the stock ``transitions`` classes, to measure the lean machine against."""

    machine_class = Machine


class _RecordingEngine(Engine):
    """An engine that keeps a copy of every (model, trigger) it is asked to fire."""

    def __init__(self, spec: FlowSpec, fired: list[tuple[FlowModel, str]]) -> None:
        super().__init__(spec)
        self._fired = fired

    def fire(self, model: FlowModel, trigger: str) -> None:
        """Record the model as it is before the trigger, then fire."""
        self._fired.append((_copy(model), trigger))
        super().fire(model, trigger)


def _copy(model: FlowModel) -> FlowModel:
    copy = FlowModel.__new__(FlowModel)
    for name in FlowModel.__slots__:
        value = getattr(model, name)
        # The containers are the ones a trigger mutates; the spec is shared and frozen.
        setattr(copy, name, value.copy() if isinstance(value, dict | set | list) else value)
    return copy


def _fired_pairs(conversations: int) -> list[tuple[FlowModel, str]]:
    """What ``conversations`` of the workload fire, each model copied just before its trigger."""
    fired: list[tuple[FlowModel, str]] = []
    bot = Assistant()
    bot.logic.engines = {name: _RecordingEngine(spec, fired) for name, spec in bot.logic.flows.items()}
    stream = workload()
    for _ in range(conversations):
        session_id: str | None = None
        for message in next(stream):
            session_id = bot.handle(message, session_id=session_id).session_id
    return fired


def _fire_samples(engines: dict[str, Engine], pairs: list[tuple[FlowModel, str]]) -> list[int]:
    samples: list[int] = []
    clock = time.perf_counter_ns
    for model, trigger in pairs:
        engine = engines[model.spec.name]
        copy = _copy(model)  # outside the timing: each fire starts from the recorded model
        start = clock()
        engine.fire(copy, trigger)
        samples.append(clock() - start)
    return samples


def _turn_samples(bot: Assistant, turns: int, conversations: Iterator[tuple[str, ...]]) -> list[int]:
    samples: list[int] = []
    while len(samples) < turns:
        session_id: str | None = None
        for message in next(conversations):

            def one(message: str = message) -> None:
                nonlocal session_id
                session_id = bot.handle(message, session_id=session_id).session_id

            samples += time_calls(one, count=1)
    return samples[:turns]


_EIGHT_STATES = [f"S{index}" for index in range(8)]
_EIGHT_TRANSITIONS = [
    {"trigger": "answer", "source": state, "dest": _EIGHT_STATES[(index + 1) % 8]}
    for index, state in enumerate(_EIGHT_STATES)
]


class _PlainModel:
    pass


def _machine_build_samples(count: int) -> list[int]:
    """One default ``Machine()`` around a fresh model, ``count`` times."""

    def build() -> None:
        Machine(model=_PlainModel(), states=_EIGHT_STATES, transitions=_EIGHT_TRANSITIONS, initial="S0")

    return time_calls(build, count=count)


def run_core_bench(*, turns: int = 3000, extractions: int = 3000) -> dict[str, Any]:
    """Measure in-memory turns (both designs, interleaved) and extractions."""
    fast = Assistant()
    unmemoized = Assistant(extractor=RuleExtractor())
    naive = Assistant()
    naive.logic.engines = {name: MachinePerTurnEngine(spec) for name, spec in naive.logic.flows.items()}
    # Each design reads the same endless stream of different employees' conversations.
    streams = {id(bot): workload() for bot in (fast, unmemoized, naive)}
    for bot in (fast, naive, unmemoized):  # warm imports and caches before measuring
        _turn_samples(bot, 200, streams[id(bot)])
    _machine_build_samples(200)
    # Engine.fire alone, before the memo counters are reset: recording the
    # pairs plays turns of its own.
    pairs = _fired_pairs(100)
    lean = dict(fast.logic.engines)
    stock: dict[str, Engine] = {name: StockMachineEngine(spec) for name, spec in fast.logic.flows.items()}
    lean_ns: list[int] = []
    stock_ns: list[int] = []
    _fire_samples(lean, pairs)  # warm both before measuring
    _fire_samples(stock, pairs)
    rounds = 10
    for _ in range(rounds):
        stock_ns += _fire_samples(stock, pairs)
        lean_ns += _fire_samples(lean, pairs)
    memo = fast.logic.extractor
    assert isinstance(memo, MemoExtractor)
    memo.hits = memo.misses = 0
    fast_ns: list[int] = []
    naive_ns: list[int] = []
    unmemoized_ns: list[int] = []
    build_ns: list[int] = []
    gc.collect()
    # Interleave in rounds so machine noise hits both designs alike.
    for _ in range(rounds):
        fast_ns += _turn_samples(fast, turns // rounds, streams[id(fast)])
        naive_ns += _turn_samples(naive, turns // rounds, streams[id(naive)])
        unmemoized_ns += _turn_samples(unmemoized, turns // rounds, streams[id(unmemoized)])
        build_ns += _machine_build_samples(turns // rounds)
    # Each message read in the state the bot was in when a user would send it.
    texts: list[tuple[str, str | None]] = []
    for conversation in CONVERSATIONS:
        session_id: str | None = None
        context: str | None = None
        for message in conversation:
            texts.append((message, context))
            reply = fast.handle(message, session_id=session_id)
            session_id, context = reply.session_id, reply.state
    extraction = time_extraction(texts, repeat=max(1, extractions // len(texts)))
    fast_summary = summarize(fast_ns)
    naive_summary = summarize(naive_ns)
    unmemoized_summary = summarize(unmemoized_ns)
    build_summary = summarize(build_ns)
    return {
        "turn_in_memory": fast_summary,
        "turn_in_memory_no_memo": unmemoized_summary,
        "turn_machine_per_turn": naive_summary,
        "machine_build_8_states": build_summary,
        "turn_over_machine_build": round(fast_summary["median_us"] / build_summary["median_us"], 2),
        "turn_no_memo_over_machine_build": round(unmemoized_summary["median_us"] / build_summary["median_us"], 2),
        "memo_hit_rate_short_texts": round(memo.hit_rate, 3),
        "memo_hits_per_turn": round(memo.hits / len(fast_ns), 3),
        "speedup_median": round(naive_summary["median_us"] / fast_summary["median_us"], 2),
        "engine_fire": {
            "lean_machine": summarize(lean_ns),
            "stock_classes": summarize(stock_ns),
            "speedup_median": round(statistics.median(stock_ns) / statistics.median(lean_ns), 2),
        },
        "extraction": {key: round(value, 2) for key, value in extraction.items()},
        "redaction": run_redact_bench(),
    }
