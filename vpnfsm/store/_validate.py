"""Load-time checks that a decoded session makes sense where it is stored; no I/O.

A value can parse and still be unusable: a state its flow version does not
have (a hand edit, a bad deploy), a handoff without its reference, or the id
or tenant of another session (a copied key). Every store runs
:func:`problem` on load and quarantines a value it names a problem for, so a
conversation never jams on it (a 500 or a conflict loop on every turn).
"""

from __future__ import annotations

from collections.abc import Mapping

from vpnfsm.flows.registry import FLOWS, PREVIOUS_VERSIONS
from vpnfsm.session import Session

__all__ = ["problem"]


def _known_states() -> Mapping[tuple[str, str | None], frozenset[str]]:
    # Every declaration a stored session may run on: the shipped flows (also
    # under version None, which the turn treats as the current one) and the
    # earlier versions still registered. Others are not judged here: the turn
    # restarts a flow whose declaration it does not know.
    known: dict[tuple[str, str | None], frozenset[str]] = {}
    for name, previous in PREVIOUS_VERSIONS.items():
        for spec in previous:
            known[(name, spec.version)] = frozenset(spec.state_names)
    for name, spec in FLOWS.items():
        states = frozenset(spec.state_names)
        known[(name, spec.version)] = states
        known[(name, None)] = states
    return known


_KNOWN = _known_states()


def problem(session: Session, *, tenant: str, session_id: str) -> str | None:
    """Why ``session``, stored under ``tenant`` / ``session_id``, cannot be continued; ``None`` when it can."""
    if session.id != session_id:
        return "the value belongs to another session id"
    if session.tenant != tenant:
        return "the value belongs to another tenant"
    if (session.outcome == "handoff") != (session.reference is not None):
        return "outcome and case reference disagree"
    if session.ticket is not None and session.reference is None:
        return "a ticket without a case reference"
    if session.flow is None:
        return "a state without a flow" if session.state is not None else None
    states = _KNOWN.get((session.flow, session.flow_version))
    if states is not None and session.state is not None and session.state not in states:
        return f"state {session.state!r} is not in flow {session.flow!r} version {session.flow_version!r}"
    return None
