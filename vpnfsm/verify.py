"""Exhaustive verification of a flow declaration, on the engine that runs it.

:func:`verify_flow` explores every configuration a conversation can reach:
machine state x which facts are known or skipped x re-ask, attempt and
restart counters x which articles were given. From each waiting
configuration it feeds every *kind* of answer the extractor can produce
(:data:`INPUT_KINDS`) to the real :class:`vpnfsm._engine.Engine` on a real
:class:`~vpnfsm.flows.behaviour.FlowModel`, so the guards proved are the
guards that run, not a re-implementation of them.

It proves, or refutes with a counterexample path:

* every declared state is reachable;
* no configuration is a dead end (every input kind is accepted);
* no cycle of user turns avoids both terminal states, so every conversation
  ends in ``resolved`` or ``handoff`` within ``K`` user turns (``K`` and one
  longest path are reported);
* every declared transition fires on at least one path;
* every declared version migration covers the states of the old version.

The exploration also yields, per declared transition, the shortest
conversation that fires it (:attr:`VerificationReport.conversations`), which
the test-suite replays through :class:`vpnfsm.Assistant`.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from vpnfsm._engine import Engine
from vpnfsm.errors import FlowError
from vpnfsm.flows.behaviour import FlowModel
from vpnfsm.flows.knowledge import load_table
from vpnfsm.flows.spec import FlowSpec

__all__ = [
    "INPUT_KINDS",
    "AbstractInput",
    "Configuration",
    "Conversation",
    "Problem",
    "Step",
    "VerificationReport",
    "reachable_configurations",
    "representative_values",
    "verify_flow",
]

InputKind = Literal[
    "open", "migrate", "value", "later", "unknown", "none", "human", "reset", "success", "failure"
]

#: Every kind of user message the verifier feeds a waiting state, mirroring
#: what :mod:`vpnfsm._turn` does with an extraction: ``value`` a fact for the
#: pending question; ``later`` a fact for another, still unknown slot (so
#: skipping ahead is explored); ``unknown`` "I don't know"; ``none`` a
#: non-answer; ``human`` asks for a person; ``reset`` starts over;
#: ``success`` / ``failure`` say whether the steps worked. Signals are also
#: combined with facts in one message (see ``_inputs``).
INPUT_KINDS: tuple[InputKind, ...] = (
    "value",
    "later",
    "unknown",
    "none",
    "human",
    "reset",
    "success",
    "failure",
)


@dataclass(frozen=True)
class AbstractInput:
    """One abstract user message: its kind and the facts it carries.

    ``open`` is the first message of a conversation (it starts the flow with
    ``facts`` already known, and asks for a person when ``human`` is set).
    ``migrate`` is not a message: a session resting in an old version's state
    (``facts`` = ``(("from", state),)``) moved by a deploy's mapping.
    """

    kind: InputKind
    facts: tuple[tuple[str, str], ...] = ()
    human: bool = False

    @property
    def label(self) -> str:
        """A short readable name, e.g. ``value(os=windows)``."""
        name = "open+human" if self.kind == "open" and self.human else self.kind
        if not self.facts:
            return name
        return f"{name}({', '.join(f'{k}={v}' for k, v in self.facts)})"


@dataclass(frozen=True)
class Configuration:
    """Everything the guards can read about a resting conversation (hashable)."""

    state: str
    slots: tuple[str | None, ...]
    skipped: tuple[str, ...]
    reasks: int
    attempts: int
    resets: int
    given: tuple[str, ...]

    @classmethod
    def of(cls, model: FlowModel) -> Configuration:
        """Snapshot a model after a turn."""
        return cls(
            state=model.state,
            slots=tuple(model.slots.get(slot) for slot in model.spec.slots),
            skipped=tuple(sorted(model.skipped)),
            reasks=model.reasks,
            attempts=model.attempts,
            resets=model.resets,
            given=tuple(model.given),
        )

    def model(self, spec: FlowSpec) -> FlowModel:
        """A fresh model in this configuration."""
        return FlowModel(
            spec,
            state=self.state,
            slots=dict(zip(spec.slots, self.slots, strict=True)),
            skipped=set(self.skipped),
            reasks=self.reasks,
            attempts=self.attempts,
            resets=self.resets,
            given=list(self.given),
        )


@dataclass(frozen=True)
class Step:
    """One user turn on a path: what the user said and the state after the reply."""

    input: AbstractInput
    state: str

    def __str__(self) -> str:
        return f"{self.input.label} -> {self.state}"


@dataclass(frozen=True)
class Problem:
    """A refuted property, with the path that shows it (empty when none applies)."""

    kind: Literal["unreachable", "dead_end", "unbounded", "uncovered", "migration"]
    message: str
    path: tuple[Step, ...] = ()

    def format(self) -> str:
        """The problem and its counterexample, one step a line."""
        lines = [f"{self.kind}: {self.message}"]
        lines += [f"  {number}. {step}" for number, step in enumerate(self.path, start=1)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Conversation:
    """A generated conversation: the shortest one that fires ``transition``."""

    transition: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class VerificationReport:
    """What :func:`verify_flow` proved about one flow.

    Attributes:
        flow, version: the declaration checked.
        states: every declared state.
        configurations: resting configurations explored.
        k: the most user turns any conversation takes to end (``None`` when
            some conversation can go on forever).
        longest_path: one conversation of ``k`` turns.
        transitions_total: declared transitions.
        transitions_covered: indices (into ``spec.transitions``) that fired.
        migrations_checked: old versions whose state mapping was checked.
        conversations: per covered transition, the shortest conversation firing it.
        problems: every refuted property; empty when the flow is proved.

    """

    flow: str
    version: str
    states: tuple[str, ...]
    configurations: int
    k: int | None
    longest_path: tuple[Step, ...]
    transitions_total: int
    transitions_covered: frozenset[int]
    migrations_checked: tuple[str, ...]
    conversations: tuple[Conversation, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Every property holds."""
        return not self.problems

    @property
    def coverage(self) -> float:
        """Share of declared transitions fired by some conversation (0..1)."""
        if self.transitions_total == 0:
            return 1.0
        return len(self.transitions_covered) / self.transitions_total


def representative_values(spec: FlowSpec) -> dict[str, tuple[str, ...]]:
    """The slot values the exploration tries.

    A slot with a declared vocabulary tries every value (those flows are
    small and their steps depend on each value). A taxonomy slot tries the
    value its knowledge table keys most articles on, so specific articles are
    chosen and compete with the catch-all ones.
    """
    table = load_table(spec.knowledge)
    values: dict[str, tuple[str, ...]] = {}
    for slot in spec.slots:
        vocabulary = spec.vocabulary.get(slot)
        if vocabulary:
            values[slot] = tuple(vocabulary)
            continue
        counts: Counter[str] = Counter()
        for article in table.articles:
            for value in sorted(article.when.get(slot, ())):
                counts[value] += 1
        values[slot] = (counts.most_common(1)[0][0],) if counts else ("other",)
    return values


def _openings(spec: FlowSpec, values: Mapping[str, tuple[str, ...]]) -> list[AbstractInput]:
    """First messages: every combination of facts already known, and asking for a person."""
    options = [[(slot, None), *((slot, value) for value in values[slot])] for slot in spec.slots]
    openings = [
        AbstractInput("open", tuple((slot, value) for slot, value in combo if value is not None))
        for combo in itertools.product(*options)
    ]
    openings.append(AbstractInput("open", human=True))
    return openings


def _inputs(
    spec: FlowSpec, config: Configuration, values: Mapping[str, tuple[str, ...]]
) -> list[AbstractInput]:
    """Every abstract message for a waiting configuration.

    A message may carry facts *and* a signal at once ("Windows, no idea
    about the app", "no, and it's GlobalProtect"), so every signal of an
    answer (none, unknown, success, failure) is combined with: no fact, each
    value for the pending question, a fact for the first later unknown slot,
    and both. Asking for a person or to start over wins over everything else
    in :mod:`vpnfsm._turn`, so those carry no facts.
    """
    pending = spec.state(config.state).asks
    known = dict(zip(spec.slots, config.slots, strict=True))
    later = next((s for s in spec.slots if s != pending and known[s] is None), None)
    answers: list[tuple[str, str] | None] = [None]
    if pending is not None:
        answers += [(pending, value) for value in values[pending]]
    extras: list[tuple[str, str] | None] = [None]
    if later is not None:
        extras.append((later, values[later][0]))
    inputs: list[AbstractInput] = []
    for signal in ("none", "unknown", "success", "failure"):
        for answer in answers:
            for extra in extras:
                facts = tuple(fact for fact in (answer, extra) if fact is not None)
                kind: InputKind = signal
                if signal == "none" and facts:
                    kind = "value" if answer is not None else "later"
                inputs.append(AbstractInput(kind, facts))
    inputs += [AbstractInput("human"), AbstractInput("reset")]
    return inputs


class _Explorer:
    """Breadth-first exploration of one flow's configuration graph."""

    def __init__(self, spec: FlowSpec) -> None:
        self.spec = spec
        self.fired: list[int] = []
        self.engine = Engine(spec, observer=self.fired.append)
        self.values = representative_values(spec)
        self.ids: dict[Configuration, int] = {}
        self.configs: list[Configuration] = []
        self.parent: list[tuple[int | None, AbstractInput]] = []
        self.edges: list[list[tuple[AbstractInput, int]]] = []
        self.first_fire: dict[int, tuple[int | None, AbstractInput, int]] = {}
        self.entered: set[str] = set()
        self.dead_ends: list[tuple[int, AbstractInput, str]] = []

    def _apply(self, config: Configuration | None, message: AbstractInput) -> Configuration:
        spec = self.spec
        self.fired.clear()
        if config is None:
            model = FlowModel(spec, state=spec.initial, slots=dict.fromkeys(spec.slots))
            model.slots.update(dict(message.facts))
            self.engine.begin(model)
            if message.human:
                self.engine.fire(model, "human")
            return Configuration.of(model)
        model = config.model(spec)
        model.slots.update(dict(message.facts))
        trigger = "answer"
        if message.kind == "human":
            trigger = "human"
        elif message.kind == "reset":
            trigger = "reset"
        elif message.kind == "unknown":
            model.dont_know = True
        elif message.kind == "success":
            model.result = "worked"
        elif message.kind == "failure":
            model.result = "failed"
        self.engine.fire(model, trigger)
        return Configuration.of(model)

    def _add(
        self, config: Configuration, parent: int | None, message: AbstractInput, queue: deque[int]
    ) -> int:
        known = self.ids.get(config)
        if known is not None:
            return known
        index = len(self.configs)
        self.ids[config] = index
        self.configs.append(config)
        self.parent.append((parent, message))
        self.edges.append([])
        queue.append(index)
        return index

    def _record(self, source: int | None, message: AbstractInput, target: int) -> None:
        for transition in self.fired:
            self.first_fire.setdefault(transition, (source, message, target))
            dest = self.spec.transitions[transition].get("dest")
            if dest is not None:
                self.entered.add(str(dest))

    def run(self, roots: Sequence[tuple[Configuration, AbstractInput]] = ()) -> None:
        """Explore from every opening message, or from ``roots`` when given."""
        queue: deque[int] = deque()
        if roots:
            for config, how in roots:
                self._add(config, None, how, queue)
        else:
            self.entered.add(self.spec.initial)
            for opening in _openings(self.spec, self.values):
                target = self._add(self._apply(None, opening), None, opening, queue)
                self._record(None, opening, target)
        terminal = set(self.spec.terminal_states)
        while queue:
            index = queue.popleft()
            config = self.configs[index]
            if config.state in terminal:
                continue
            for message in _inputs(self.spec, config, self.values):
                try:
                    after = self._apply(config, message)
                except FlowError as exc:
                    self.dead_ends.append((index, message, "; ".join(exc.problems)))
                    continue
                target = self._add(after, index, message, queue)
                self.edges[index].append((message, target))
                self._record(index, message, target)

    def path_to(self, index: int) -> list[Step]:
        steps: list[Step] = []
        current: int | None = index
        while current is not None:
            parent, message = self.parent[current]
            steps.append(Step(message, self.configs[current].state))
            current = parent
        steps.reverse()
        return steps

    def find_cycle(self) -> list[int] | None:
        """A cycle of configurations (first == last), or ``None`` when the graph is acyclic."""
        white, grey, black = 0, 1, 2
        colour = [white] * len(self.configs)
        for root in range(len(self.configs)):
            if colour[root] != white:
                continue
            stack: list[tuple[int, int]] = [(root, 0)]
            colour[root] = grey
            while stack:
                node, edge = stack[-1]
                if edge == len(self.edges[node]):
                    colour[node] = black
                    stack.pop()
                    continue
                stack[-1] = (node, edge + 1)
                target = self.edges[node][edge][1]
                if colour[target] == grey:
                    on_stack = [n for n, _ in stack]
                    return [*on_stack[on_stack.index(target) :], target]
                if colour[target] == white:
                    colour[target] = grey
                    stack.append((target, 0))
        return None

    def longest(self) -> tuple[int, list[Step]]:
        """Most user turns to a terminal state (graph must be acyclic), and one such path."""
        depth: dict[int, int] = {}
        best_edge: dict[int, tuple[AbstractInput, int]] = {}
        # Reverse breadth-first order is not topological in general: do a
        # post-order walk instead.
        for root in range(len(self.configs)):
            if root in depth:
                continue
            stack: list[tuple[int, int]] = [(root, 0)]
            while stack:
                node, edge = stack[-1]
                edges = self.edges[node]
                if edge < len(edges):
                    stack[-1] = (node, edge + 1)
                    target = edges[edge][1]
                    if target not in depth:
                        stack.append((target, 0))
                    continue
                stack.pop()
                depth[node] = 0
                for message, target in edges:
                    if depth[target] + 1 > depth[node]:
                        depth[node] = depth[target] + 1
                        best_edge[node] = (message, target)
        starts = [i for i, (parent, _) in enumerate(self.parent) if parent is None]
        start = max(starts, key=lambda i: (depth[i], -i))
        path = [Step(self.parent[start][1], self.configs[start].state)]
        node = start
        while node in best_edge:
            message, node = best_edge[node]
            path.append(Step(message, self.configs[node].state))
        return depth[start] + 1, path


def _ending_problems(explorer: _Explorer, *, migrated_from: str | None = None) -> list[Problem]:
    """Dead ends and (the first found) endless cycle of an explored graph, with their paths.

    ``migrated_from`` names the old version when the graph was explored from
    migrated sessions; the problems are then of kind ``migration``.
    """
    prefix = f"version {migrated_from}: a migrated session is stuck: " if migrated_from else ""
    problems = [
        Problem(
            "migration" if migrated_from else "dead_end",
            f"{prefix}{message.label} is not accepted in {explorer.configs[at].state}: {error}",
            (*explorer.path_to(at), Step(message, "<no transition>")),
        )
        for at, message, error in explorer.dead_ends
    ]
    cycle = explorer.find_cycle()
    if cycle is not None:
        path = explorer.path_to(cycle[0])
        for before, after in itertools.pairwise(cycle):
            message = next(m for m, t in explorer.edges[before] if t == after)
            path.append(Step(message, explorer.configs[after].state))
        prefix = f"version {migrated_from}: a migrated session loops: " if migrated_from else ""
        problems.append(
            Problem(
                "migration" if migrated_from else "unbounded",
                f"{prefix}a cycle of user turns through {explorer.configs[cycle[0]].state} never "
                f"reaches resolved or handoff: turns {len(path) - len(cycle) + 2}-{len(path)} return "
                f"to the configuration after turn {len(path) - len(cycle) + 1} and repeat forever",
                tuple(path),
            )
        )
    return problems


def _migrated_roots(
    spec: FlowSpec, old: FlowSpec, mapping: Mapping[str, str]
) -> list[tuple[Configuration, AbstractInput]]:
    """Every resting configuration of ``old``, moved into ``spec`` by ``mapping``."""
    explorer = _Explorer(old)
    explorer.run()
    new_states = set(spec.state_names)
    roots: dict[Configuration, AbstractInput] = {}
    for config in explorer.configs:
        target = mapping.get(config.state, config.state)
        if target not in new_states or spec.state(target).terminal:
            continue
        slots = dict(zip(old.slots, config.slots, strict=True))
        moved = Configuration(
            state=target,
            slots=tuple(slots.get(slot) for slot in spec.slots),
            skipped=tuple(slot for slot in config.skipped if slot in spec.slots),
            reasks=config.reasks,
            attempts=config.attempts,
            resets=config.resets,
            given=config.given,
        )
        roots.setdefault(moved, AbstractInput("migrate", (("from", config.state),)))
    return list(roots.items())


def _check_migrated_sessions(
    spec: FlowSpec, version: str, roots: Sequence[tuple[Configuration, AbstractInput]]
) -> list[Problem]:
    """Sessions moved by a mapping must still end: no dead end, no endless cycle."""
    if not roots:
        return []
    explorer = _Explorer(spec)
    explorer.run(roots)
    return _ending_problems(explorer, migrated_from=version)


def _check_migrations(spec: FlowSpec, previous: Iterable[FlowSpec]) -> tuple[list[Problem], list[str]]:
    problems: list[Problem] = []
    checked: list[str] = []
    old_specs = {old.version: old for old in previous if old.name == spec.name}
    new_states = set(spec.state_names)
    for version, mapping in spec.migrations.items():
        old = old_specs.get(version)
        if old is None:
            problems.append(
                Problem(
                    "migration",
                    f"mapping from version {version} cannot be checked: that declaration is not "
                    "registered as a previous version",
                )
            )
            continue
        checked.append(version)
        for old_state in old.states:
            if old_state.transient:
                continue  # sessions never rest in a transient state
            target_name = mapping.get(
                old_state.name, old_state.name if old_state.name in new_states else None
            )
            where = f"version {version}: state {old_state.name}"
            if target_name is None:
                problems.append(Problem("migration", f"{where} is gone and has no mapping"))
                continue
            if target_name not in new_states:
                problems.append(Problem("migration", f"{where} maps to undeclared state {target_name!r}"))
                continue
            target = spec.state(target_name)
            if target.transient:
                problems.append(Problem("migration", f"{where} maps to transient state {target_name}"))
            elif target.outcome != old_state.outcome:
                problems.append(
                    Problem(
                        "migration",
                        f"{where} (outcome {old_state.outcome}) maps to {target_name} "
                        f"(outcome {target.outcome})",
                    )
                )
        problems += _check_migrated_sessions(spec, version, _migrated_roots(spec, old, mapping))
        for source in mapping:
            if source not in old.state_names:
                problems.append(
                    Problem("migration", f"version {version}: {source!r} is not one of its states")
                )
    return problems, checked


def reachable_configurations(spec: FlowSpec) -> tuple[Configuration, ...]:
    """Every configuration a conversation of ``spec`` can rest in (the exploration :func:`verify_flow` proves)."""
    explorer = _Explorer(spec)
    explorer.run()
    return tuple(explorer.configs)


def verify_flow(spec: FlowSpec, *, previous: Sequence[FlowSpec] = ()) -> VerificationReport:
    """Explore every reachable configuration of ``spec`` and prove its properties.

    Args:
        spec: the declaration to verify.
        previous: earlier declarations of the same flow, to check
            ``spec.migrations`` against.

    Raises:
        FlowError: the declaration is structurally invalid (see
            :func:`vpnfsm._engine.validate`); behavioural failures are
            reported in :attr:`VerificationReport.problems` instead.

    """
    explorer = _Explorer(spec)
    explorer.run()
    problems: list[Problem] = []

    for state in spec.state_names:
        if state not in explorer.entered:
            problems.append(Problem("unreachable", f"state {state} is never entered by any conversation"))

    behaviour = _ending_problems(explorer)
    problems += behaviour
    k: int | None = None
    longest: tuple[Step, ...] = ()
    if not any(problem.kind == "unbounded" for problem in behaviour):
        k, longest_list = explorer.longest()
        longest = tuple(longest_list)

    conversations: list[Conversation] = []
    for index, transition in enumerate(spec.transitions):
        fired = explorer.first_fire.get(index)
        if fired is None:
            problems.append(
                Problem(
                    "uncovered",
                    f"transition {index + 1} ({transition.get('trigger')}: {transition.get('source')} -> "
                    f"{transition.get('dest')}) never fires",
                )
            )
            continue
        origin, message, reached = fired
        steps = explorer.path_to(origin) if origin is not None else []
        steps.append(Step(message, explorer.configs[reached].state))
        conversations.append(Conversation(index, tuple(steps)))

    migration_problems, checked = _check_migrations(spec, previous)
    problems += migration_problems
    return VerificationReport(
        flow=spec.name,
        version=spec.version,
        states=spec.state_names,
        configurations=len(explorer.configs),
        k=k,
        longest_path=longest,
        transitions_total=len(spec.transitions),
        transitions_covered=frozenset(explorer.first_fire),
        migrations_checked=tuple(checked),
        conversations=tuple(conversations),
        problems=tuple(problems),
    )
