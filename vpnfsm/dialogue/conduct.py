"""Carrying out the policy's decision for one turn: meta replies, park/resume, new cases, steps.

The turn code (:mod:`vpnfsm._turn`) hands each message here; the kind comes
from the declared policy (:mod:`vpnfsm.dialogue.policy`, read by
:mod:`vpnfsm.dialogue.classify`), and this module does what
:data:`~vpnfsm.dialogue.policy.ACTIONS` says that kind does. Stepping a flow
stays with the turn code, reached through :class:`FlowSteps`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from vpnfsm.dialogue import cases, replies
from vpnfsm.dialogue.classify import Reading, read_message
from vpnfsm.dialogue.policy import ACTIONS
from vpnfsm.flows.knowledge import load_table
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff.summary import make_reference
from vpnfsm.nlp.model import Extraction
from vpnfsm.session import Session, StepsGiven
from vpnfsm.types import Extractor

__all__ = ["FlowSteps", "converse"]


class FlowSteps(Protocol):
    """What the policy needs from the turn code: the flows, the extractor and a way to step them."""

    @property
    def flows(self) -> Mapping[str, FlowSpec]:
        """The flows by name."""

    @property
    def extractor(self) -> Extractor:
        """The extractor that reads each message."""

    def start_flow(self, session: Session, spec: FlowSpec, extraction: Extraction, message: str, now: float) -> str:
        """Begin ``spec`` for this message; the reply text."""

    def step_flow(self, session: Session, extraction: Extraction, message: str, now: float) -> str:
        """Step the running flow with this message; the reply text."""

    def route(self, session: Session, extraction: Extraction, message: str, now: float) -> str:
        """No case open: start the flow the message is about, or answer it."""


def converse(steps: FlowSteps, session: Session, extraction: Extraction, message: str, now: float) -> tuple[str, str]:
    """Handle one message as the policy says; returns the reply text and the intent to report."""
    spec = steps.flows.get(session.flow) if session.flow is not None else None
    reading = read_message(
        message, extraction=extraction, session=session, spec=spec, extractor=steps.extractor, flows=steps.flows
    )
    memory = session.dialogue
    kind = reading.kind
    if kind != "language" and memory.language_offered:
        # Only when it changes: a pydantic attribute set costs a microsecond every turn.
        memory.language_offered = False
    if ACTIONS[kind].meta and reading.context in ("question", "result"):
        memory.meta_turns += 1
    if ACTIONS[kind].switches:
        memory.switches += 1
    intent: str = extraction.intent
    if kind == "human":
        text, intent = _human(steps, session, extraction, reading, message, now)
    elif kind == "language":
        memory.language_offered = True
        text = _with_prompt(replies.only_english(reading.language), session, spec, reading)
    elif kind == "new_problem":
        text, intent = _new_problem(steps, session, reading, message, now)
    elif kind == "return":
        text = _return(session, steps.flows)
    elif kind == "follow_up" or (kind == "answer" and reading.context == "handoff"):
        text = _fill(replies.TEXTS["follow_up"], session)
    elif kind == "answer":
        text = _answer(steps, session, extraction, reading, message, now)
    elif kind == "correction":
        text = _correction(session, spec, reading)
    else:
        text = _meta(session, spec, reading, message)
    return text, intent


# -- kinds ----------------------------------------------------------------------


def _human(
    steps: FlowSteps, session: Session, extraction: Extraction, reading: Reading, message: str, now: float
) -> tuple[str, str]:
    memory = session.dialogue
    wants = extraction.model_copy(update={"human": True})
    if reading.context in ("question", "result"):
        memory.topic_asked = False
        return _after_end(session, steps.flows, steps.step_flow(session, wants, message, now)), extraction.intent
    if reading.context == "handoff":
        memory.topic_asked = False
        return _fill(replies.TEXTS["follow_up"], session), extraction.intent
    topic = steps.flows.get(reading.target) if reading.target is not None else None
    if topic is not None:
        memory.topic_asked = False
        cases.archive(session)
        started = steps.start_flow(session, topic, reading.topic.model_copy(update={"human": True}), message, now)
        return started, topic.intent
    if memory.topic_asked or "language_offered" in reading.features:
        # Asked once already (or a person was offered in another language): hand off whatever the answer.
        memory.topic_asked = False
        cases.archive(session)
        session.outcome = "handoff"
        session.handoff_reason = "user_request"
        session.handoff_at = now
        session.reference = make_reference(session)
        return _fill(replies.TEXTS["general_handoff"], session), extraction.intent
    memory.topic_asked = True
    return replies.TEXTS["ask_topic"], extraction.intent


def _new_problem(steps: FlowSteps, session: Session, reading: Reading, message: str, now: float) -> tuple[str, str]:
    assert reading.target is not None  # the policy's other_topic feature says so
    target = steps.flows[reading.target]
    current = steps.flows.get(session.flow) if session.flow is not None else None
    if session.parked is not None and session.parked.flow == target.name:
        # The problem named is the case that waits: go back to it, never open a second one
        # of the same topic beside it (the waiting case would be swapped out and changed).
        return _return(session, steps.flows), target.intent
    if reading.context == "handoff":
        lead = replies.TEXTS["new_case"]
        cases.archive(session)
    elif session.parked is not None:
        # One case waits at most: this one is finished first (nothing is dropped).
        parked = steps.flows.get(session.parked.flow)
        text = replies.TEXTS["one_parked"].format(current=_title(current), parked=_title(parked))
        return _with_prompt(text, session, current, reading), session.last_intent or target.intent
    else:
        lead = replies.TEXTS["parked"].format(parked=_title(current), short=_short(current))
        cases.park(session)
    return lead + "\n\n" + steps.start_flow(session, target, reading.topic, message, now), target.intent


def _return(session: Session, flows: Mapping[str, FlowSpec]) -> str:
    assert session.parked is not None
    open_case = session.flow is not None and session.outcome is None
    leaving = cases.snapshot(session) if open_case else None
    if not open_case:
        cases.archive(session)
    parked = cases.resume(session)
    spec = flows.get(parked.flow)
    text = replies.TEXTS["resumed"].format(title=_title(spec))
    if leaving is not None:
        session.parked = leaving  # the case left behind waits in turn
        left = flows.get(leaving.flow)
        text += " " + replies.TEXTS["parked"].format(parked=_title(left), short=_short(left))
    return text + "\n\n" + _prompt(session, spec)


def _answer(
    steps: FlowSteps, session: Session, extraction: Extraction, reading: Reading, message: str, now: float
) -> str:
    lead: list[str] = []
    if extraction.human:  # the policy read it as no request for a person ("call me if easier")
        extraction = extraction.model_copy(update={"human": False})
    if "frustration_cue" in reading.features:
        lead.append(replies.TEXTS["frustration"])
    if reading.context == "fresh":
        if session.flow is not None:
            cases.archive(session)
        return "\n\n".join([*lead, steps.route(session, extraction, message, now)])
    if reading.corrections:
        lead.append(_corrected(reading))
    if reading.context == "result" and extraction.result is None and reading.result in ("worked", "failed"):
        # "useless", "👎", "nein": the feedback table's reading ("🤷" stays unclear: asked again).
        extraction = extraction.model_copy(update={"result": reading.result})
    text = _after_end(session, steps.flows, steps.step_flow(session, extraction, message, now))
    return "\n\n".join([*lead, text]) if lead else text


def _after_end(session: Session, flows: Mapping[str, FlowSpec], text: str) -> str:
    """A case that just ended with one waiting: resumed when resolved, offered when handed off."""
    if session.parked is None or session.outcome is None:
        return text
    spec = flows.get(session.parked.flow)
    if session.outcome == "resolved":
        cases.archive(session)
        cases.resume(session)
        resumed = replies.TEXTS["resumed_after"].format(title=_title(spec))
        return f"{text}\n\n{resumed}\n\n{_prompt(session, spec)}"
    return text + "\n\n" + replies.TEXTS["offer_return"].format(title=_title(spec), short=_short(spec))


def _correction(session: Session, spec: FlowSpec | None, reading: Reading) -> str:
    assert spec is not None
    session.slots = {**session.slots, **reading.corrections}
    text = _corrected(reading)
    if reading.context == "result":
        retargeted = _retarget(session, spec)
        if retargeted is not None:
            return text + " " + retargeted
    return text + "\n\n" + _prompt(session, spec)


def _meta(session: Session, spec: FlowSpec | None, reading: Reading, message: str) -> str:
    kind = reading.kind
    where = reading.context
    if kind == "clarify":
        asks = _asks(session, spec)
        text = replies.CLARIFY.get(asks or "", replies.TEXTS["aside"])
    elif kind == "safety":
        text = replies.safety_answer(message)
    elif kind == "frustration":
        text = replies.TEXTS["frustration"]
    elif kind == "aside":
        text = replies.TEXTS["aside"]
    elif kind in ("thanks", "bye"):
        suffix = {"question": "open", "result": "open", "fresh": "done", "handoff": "handoff"}[where]
        text = _fill(replies.TEXTS[f"{kind}_{suffix}"], session)
        if kind == "bye" or where not in ("question", "result"):
            return text
    else:  # pragma: no cover - every meta kind is listed above (a verifier check pins the kinds)
        raise AssertionError(kind)
    return _with_prompt(text, session, spec, reading)


# -- helpers ----------------------------------------------------------------------


def _with_prompt(text: str, session: Session, spec: FlowSpec | None, reading: Reading) -> str:
    if reading.context in ("question", "result") and spec is not None:
        return text + "\n\n" + _prompt(session, spec)
    if reading.context == "handoff":
        return text + "\n\n" + _fill(replies.TEXTS["follow_up"], session)
    return text


def _prompt(session: Session, spec: FlowSpec | None) -> str:
    """The pending question again, as the flow words it."""
    if spec is None or session.state is None or session.state not in spec.state_names:
        return ""
    key = spec.state(session.state).prompt
    return spec.messages.get(key, "") if key is not None else ""


def _asks(session: Session, spec: FlowSpec | None) -> str | None:
    if spec is None or session.state is None or session.state not in spec.state_names:
        return None
    state = spec.state(session.state)
    return "result" if state.checks_result else state.asks


def _corrected(reading: Reading) -> str:
    values = ", ".join(replies.label_name(value) for value in reading.corrections.values())
    return replies.TEXTS["corrected"].format(values=values)


def _retarget(session: Session, spec: FlowSpec) -> str | None:
    """After a correction, replace the last steps when others fit the corrected facts better."""
    if not session.steps:
        return None
    table = load_table(spec.knowledge)
    last = session.steps[-1]
    earlier = [step.article for step in session.steps[:-1] if step.round == last.round]
    best = table.best(session.slots, exclude=earlier)
    if best is None or best.id == last.article:
        return None
    session.steps[-1] = StepsGiven(
        article=best.id, title=best.title, attempt=last.attempt, round=last.round, at=last.at
    )
    lines = [replies.TEXTS["retargeted"], f"({best.title})"]
    shown = best.steps_for(session.slots, table.platforms)
    lines += [f"{number}. {step}" for number, step in enumerate(shown, start=1)]
    return "\n".join(lines) + "\n\n" + _prompt(session, spec)


def _fill(text: str, session: Session) -> str:
    reference = session.reference
    ticket = session.ticket
    if reference is None and session.earlier:
        reference, ticket = session.earlier[-1].reference, session.earlier[-1].ticket
    return text.format(reference=reference or "not assigned", ticket=f", ticket {ticket}" if ticket else "")


def _title(spec: FlowSpec | None) -> str:
    return replies.CASE_NAMES.get(spec.name, spec.name) if spec is not None else "earlier"


def _short(spec: FlowSpec | None) -> str:
    return _title(spec)

