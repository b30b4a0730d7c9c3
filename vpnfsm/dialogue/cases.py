"""Park, resume and close cases on a session, keeping every fact, step and counter.

Pure functions on :class:`vpnfsm.session.Session`; the turn code calls them
when the policy says a message is a new problem or a return.
"""

from __future__ import annotations

from vpnfsm.dialogue.policy import LIMITS
from vpnfsm.session import EarlierCase, ParkedCase, Session, empty_slots

__all__ = ["archive", "clear_case", "park", "resume", "snapshot"]


def snapshot(session: Session) -> ParkedCase:
    """The current case as a parked case (copies: later turns cannot change it)."""
    assert session.flow is not None
    return ParkedCase(
        flow=session.flow,
        flow_version=session.flow_version,
        state=session.state,
        slots=dict(session.slots),
        skipped=list(session.skipped),
        reasks=session.reasks,
        attempts=session.attempts,
        resets=session.resets,
        steps=[step.model_copy() for step in session.steps],
        slot_text=dict(session.slot_text),
        meta_turns=session.dialogue.meta_turns,
    )


def clear_case(session: Session) -> None:
    """Forget the current case (the transcript tail stays: it is the conversation's)."""
    session.flow = None
    session.flow_version = None
    session.state = None
    session.slots = empty_slots()
    session.skipped = []
    session.reasks = session.attempts = session.resets = 0
    session.steps = []
    session.outcome = None
    session.handoff_reason = None
    session.handoff_at = None
    session.reference = None
    session.ticket = None
    session.slot_text = {}
    session.dialogue.meta_turns = 0


def park(session: Session) -> None:
    """Put the open current case aside (at most :attr:`PolicyLimits.max_parked`, i.e. one)."""
    assert session.parked is None, "one parked case at most"
    session.parked = snapshot(session)
    clear_case(session)


def archive(session: Session) -> None:
    """Close the ended current case, keeping its reference and ticket for follow-ups."""
    if session.flow is None and session.reference is None:
        return
    session.earlier.append(
        EarlierCase(flow=session.flow, outcome=session.outcome, reference=session.reference, ticket=session.ticket)
    )
    del session.earlier[: -LIMITS.max_earlier]
    clear_case(session)
    session.tail = session.tail[-1:]  # the next case's transcript starts with this message


def resume(session: Session) -> ParkedCase:
    """Make the parked case current again, exactly as it was parked; returns it."""
    parked = session.parked
    assert parked is not None
    session.parked = None
    session.flow = parked.flow
    session.flow_version = parked.flow_version
    session.state = parked.state
    session.slots = dict(parked.slots)
    session.skipped = list(parked.skipped)
    session.reasks = parked.reasks
    session.attempts = parked.attempts
    session.resets = parked.resets
    session.steps = list(parked.steps)
    session.slot_text = dict(parked.slot_text)
    session.outcome = None
    session.handoff_reason = None
    session.handoff_at = None
    session.reference = None
    session.ticket = None
    session.dialogue.meta_turns = parked.meta_turns
    return parked
