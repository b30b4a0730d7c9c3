"""What ``vpnfsm verify`` proves about the dialogue policy, on the declared table and the real turn code.

* The rule table: it ends in a catch-all (every message gets a kind), no rule
  is dead (each decides some combination of features no earlier rule takes),
  every kind has an action, asides never switch, and every kind that can
  happen while a case is open uses up a budget (meta, switches) or steps the
  flow, so the flow's bound K still bounds the case: K + meta + switches.
* Park and resume: from *every* configuration the flow verifier reaches, a
  second problem parks the case, the other flow runs, "back to ..." resumes
  it, and the resumed case equals the parked one field for field (facts,
  steps given, counters, state), through :class:`vpnfsm._turn.TurnLogic`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from vpnfsm.dialogue.policy import ACTIONS, CONTEXTS, FEATURES, KINDS, LIMITS, RULES, Rule
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.nlp.model import Extraction
from vpnfsm.session import Session, StepsGiven
from vpnfsm.verify import Configuration, reachable_configurations

__all__ = ["PolicyReport", "check_park_resume", "check_rules", "policy_bound", "verify_policy"]


@dataclass(frozen=True)
class PolicyReport:
    """The outcome of :func:`verify_policy`.

    Attributes:
        rules: rows in the policy table; ``live``: how many decide some combination.
        bounds: per flow, (K of the flow, K with the policy in place).
        parked_checked: per flow, configurations parked and resumed.
        problems: everything that failed, each with a counterexample.

    """

    rules: int
    live: int
    bounds: Mapping[str, tuple[int, int]]
    parked_checked: Mapping[str, int]
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def _witness(rule: Rule, index: int) -> tuple[frozenset[str], str] | None:
    """Features and a context where ``rule`` is the first to fire, or ``None`` (a dead rule)."""
    # Adding a feature only turns earlier rules on (needs) or off (unless), so it is
    # enough to try the rule's needs plus any set of the features earlier rules are
    # blocked by.
    blockers = sorted({f for earlier in RULES[:index] for f in earlier.unless} - rule.unless - rule.needs)
    for context in sorted(rule.contexts):
        for size in range(len(blockers) + 1):
            for extra in itertools.combinations(blockers, size):
                features = rule.needs | frozenset(extra)
                if rule.fires(features, context) and not any(
                    earlier.fires(features, context) for earlier in RULES[:index]
                ):
                    return features, context
    return None


def check_rules() -> tuple[int, list[str]]:
    """Check the table's shape; returns (live rules, problems)."""
    problems: list[str] = []
    named = {f for rule in RULES for f in rule.needs | rule.unless}
    for unknown in sorted(named - set(FEATURES)):
        problems.append(f"policy: feature {unknown!r} is used by a rule but not declared")
    last = RULES[-1]
    if last.needs or last.unless or set(last.contexts) != set(CONTEXTS):
        problems.append("policy: the last rule must be a catch-all (no needs, no unless, every context)")
    live = 0
    for index, rule in enumerate(RULES):
        if _witness(rule, index) is None:
            problems.append(f"policy: rule {index + 1} ({rule.kind}: {rule.why}) never decides anything")
        else:
            live += 1
    for kind in KINDS:
        if kind not in ACTIONS:
            problems.append(f"policy: kind {kind!r} has no action")
    if ACTIONS["aside"].switches or ACTIONS["aside"].steps_flow:
        problems.append("policy: an aside must neither switch cases nor step the flow")
    for index, rule in enumerate(RULES):
        action = ACTIONS[rule.kind]
        open_contexts = rule.contexts & {"question", "result"}
        if open_contexts and not (action.meta or action.switches or action.steps_flow):
            problems.append(
                f"policy: rule {index + 1} ({rule.kind}) can happen in an open case ({sorted(open_contexts)}) "
                "without stepping the flow or using a budget: the case would be unbounded"
            )
    if not ACTIONS["answer"].steps_flow:
        problems.append("policy: a meta turn past its budget becomes an answer, which must step the flow")
    return live, problems


def policy_bound(k: int) -> int:
    """The bound on user turns of one case with the policy in place, from the flow's own K."""
    return k + LIMITS.max_meta_turns + LIMITS.max_switches


class _Scripted:
    """Returns queued extractions in order (the check decides what each message means)."""

    def __init__(self) -> None:
        self.queue: list[Extraction] = []

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        return self.queue.pop(0)


def _session_at(spec: FlowSpec, config: Configuration, *, meta_turns: int) -> Session:
    session = Session.start("park-check", tenant="default", now=0.0)
    session.flow = spec.name
    session.flow_version = spec.version
    session.state = config.state
    session.slots = dict(zip(spec.slots, config.slots, strict=True))
    session.skipped = list(config.skipped)
    session.reasks, session.attempts, session.resets = config.reasks, config.attempts, config.resets
    session.steps = [
        StepsGiven(article=article, title=article, attempt=number, round=config.resets, at=0.0)
        for number, article in enumerate(config.given, start=1)
    ]
    session.dialogue.meta_turns = meta_turns
    return session


def _case_fields(session: Session) -> tuple[object, ...]:
    return (
        session.flow,
        session.flow_version,
        session.state,
        dict(session.slots),
        list(session.skipped),
        session.reasks,
        session.attempts,
        session.resets,
        [step.model_dump() for step in session.steps],
        session.dialogue.meta_turns,
    )


def _waiting(spec: FlowSpec, configs: tuple[Configuration, ...]) -> Iterator[Configuration]:
    for config in configs:
        state = spec.state(config.state)
        if state.outcome is None and not state.transient:
            yield config


def check_park_resume(spec: FlowSpec, other: FlowSpec, flows: Mapping[str, FlowSpec]) -> tuple[int, list[str]]:
    """Park every waiting configuration of ``spec`` for ``other``, resume it, compare; (checked, problems)."""
    from vpnfsm._turn import TurnLogic  # the real turn code; imported here, it imports this package

    extractor = _Scripted()
    logic = TurnLogic(extractor=extractor, flows=flows, max_message_chars=16_000, clock=lambda: 0.0)
    problems: list[str] = []
    checked = 0
    for config in _waiting(spec, reachable_configurations(spec)):
        session = _session_at(spec, config, meta_turns=checked % (LIMITS.max_meta_turns + 1))
        before = _case_fields(session)
        script = (
            ("another thing, a separate problem please", Extraction(intent=other.intent)),  # type: ignore[arg-type]
            ("agent please", Extraction(intent=other.intent, human=True)),  # type: ignore[arg-type]
            (f"ok, back to the {spec.name} case now", Extraction(intent=spec.intent)),  # type: ignore[arg-type]
        )
        for number, (text, extraction) in enumerate(script):
            extractor.queue.append(extraction)
            plan = logic.plan(text, session_id=session.id, tenant=session.tenant, loaded=session, notice=None)
            session = plan.session
            if number == 0 and (session.parked is None or session.flow != other.name):
                problems.append(f"park/resume: a second problem in {config} did not park the {spec.name} case")
                break
        checked += 1
        after = _case_fields(session)
        if after != before or session.parked is not None:
            problems.append(
                f"park/resume: {spec.name} parked for {other.name} in {config} came back as {after[2]} "
                f"with {after[3:]} instead of {before[3:]}"
            )
            if len(problems) >= 5:
                break
    return checked, problems


def verify_policy(
    flows: Mapping[str, FlowSpec], ks: Mapping[str, int], *, partners: Mapping[str, FlowSpec] | None = None
) -> PolicyReport:
    """Check the policy table, the bounds and park/resume for every flow in ``flows``.

    ``ks`` is each flow's K; ``partners`` the flows a case can be parked for
    (default ``flows``). A flow with no partner has nothing to be parked for.
    """
    live, problems = check_rules()
    bounds = {name: (k, policy_bound(k)) for name, k in ks.items()}
    parked: dict[str, int] = {}
    pool = dict(partners if partners is not None else flows)
    for name, spec in flows.items():
        other = next((o for o in pool.values() if o.name != name), None)
        if other is None:
            continue
        checked, found = check_park_resume(spec, other, {**pool, name: spec})
        parked[name] = checked
        problems += found
    return PolicyReport(rules=len(RULES), live=live, bounds=bounds, parked_checked=parked, problems=tuple(problems))
