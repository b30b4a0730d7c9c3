"""The handoff summary: the facts of a case, as a versioned pydantic model.

It is built only from the session, which holds redacted text only (the turn
logic redacts every message before storing it), so nothing a user typed as a
secret can reach it. :func:`build_summary` redacts the free text once more,
so a summary stays clean even for sessions written by an older version.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from vpnfsm.redact import redact
from vpnfsm.session import Session, StepsGiven, TailLine

__all__ = [
    "SUMMARY_VERSION",
    "TRANSCRIPT_LINES",
    "HandoffReason",
    "HandoffSummary",
    "build_summary",
    "make_reference",
]

#: Bumped when the summary's shape changes; consumers can branch on it.
#: 2: tenant-facing intent, raw slot text, resets/turns, state, timestamps of the transcript.
SUMMARY_VERSION = 2

#: User lines kept in the summary's transcript excerpt (the newest ones).
TRANSCRIPT_LINES = 12

HandoffReason = Literal["user_request", "steps_failed", "no_progress", "identity_check"]


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def make_reference(session: Session) -> str:
    """A short, stable case reference, e.g. ``VPN-3F9A0C12``."""
    seed = f"{session.tenant}:{session.id}:{session.created_at!r}:{session.turns}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:8].upper()
    return f"{(session.flow or 'case').upper()}-{digest}"


class HandoffSummary(BaseModel):
    """Everything a person needs to take over a case.

    Attributes:
        summary_version: the shape of this model (:data:`SUMMARY_VERSION`).
        reference: the case reference the user was given.
        session_id, tenant: whose conversation it was.
        flow, flow_version, intent: the flow that ran, the declaration version
            it ran on, and the taxonomy intent that started it.
        state: the handoff state the flow ended in.
        reason: why the bot handed off (the user asked, the steps failed,
            the conversation made no progress, or the user's identity must be
            checked by a person: password flow without a recovery method).
        slots: the normalized facts (taxonomy labels); ``None`` when unknown.
        slot_text: per known slot, the words the user typed (redacted).
        skipped: facts the user could not give.
        steps: each set of steps given, with what the user said about it.
        attempts: how many sets of steps were given in all.
        resets: how often the user started over.
        turns: how many messages the conversation had.
        started_at, handed_off_at: when the conversation began and ended (UTC).
        transcript: the last user lines, redacted, oldest first.

    """

    model_config = ConfigDict(frozen=True)

    summary_version: int = SUMMARY_VERSION
    reference: str
    session_id: str
    tenant: str
    flow: str
    flow_version: str
    # Defaulted so version-1 payloads still waiting in an outbox stay deliverable.
    intent: str = "unknown"
    state: str | None = None
    reason: HandoffReason
    slots: dict[str, str | None]
    slot_text: dict[str, str] = {}
    skipped: list[str]
    steps: list[StepsGiven]
    attempts: int
    resets: int = 0
    turns: int = 0
    started_at: datetime
    handed_off_at: datetime
    transcript: list[TailLine]


def _intent_of(flow: str) -> str:
    # Imported here: the flow registry imports behaviour code the summary does not need.
    from vpnfsm.flows.registry import FLOWS

    spec = FLOWS.get(flow)
    return spec.intent if spec is not None else (flow or "unknown")


#: Summaries kept for reuse (one per recently handed-off conversation).
REUSE_SIZE = 1024

#: Stored lines whose insurance redaction is remembered. Every turn after a
#: handoff adds one line to the transcript of the summary it answers with: the
#: other lines were redacted for the previous turn's summary and are read from here.
#: Lines are at most 1 KB (``store._bounds``), so this holds a few MB at most.
REDACTED_LINES = 4096


@functools.lru_cache(maxsize=REDACTED_LINES)
def _redacted(text: str) -> str:
    # Exact text in, its redaction out: a pure function, so a remembered answer is always right.
    return redact(text)

_reuse_lock = threading.Lock()
_reused: OrderedDict[tuple[object, ...], HandoffSummary] = OrderedDict()


def _facts(session: Session) -> tuple[object, ...]:
    # Everything the summary reads except ``turns`` and the transcript, which
    # grow on every turn after the handoff and are set on the reused copy.
    # Built in a microsecond or two: far cheaper than the summary.
    last_step = session.steps[-1] if session.steps else None
    return (
        session.tenant,
        session.id,
        session.incarnation,
        session.reference,
        session.handoff_at,
        session.handoff_reason,
        session.flow,
        session.flow_version,
        session.state,
        session.created_at,
        session.resets,
        tuple(session.slots.items()),
        tuple(session.slot_text.items()),
        tuple(session.skipped),
        len(session.steps),
        None if last_step is None else (last_step.article, last_step.result, last_step.at),
    )


def build_summary(session: Session) -> HandoffSummary:
    """The summary of a session that has entered a handoff state.

    Every turn after a handoff answers with the summary again, while the facts
    stay as they were at the handoff: the summary built for the same facts is
    reused from a bounded cache keyed by every fact it reads, with ``turns``
    and the transcript (which a follow-up joins) brought up to date. Summaries
    are frozen; treat their lists as read-only.

    Raises:
        ValueError: the session has not been handed off.

    """
    if session.outcome != "handoff" or session.handoff_at is None or session.reference is None:
        raise ValueError(f"session {session.id!r} has not been handed off")
    key = _facts(session)
    transcript = _transcript(session)
    with _reuse_lock:
        found = _reused.get(key)
        if found is not None:
            _reused.move_to_end(key)
    if found is not None and found.turns == session.turns and _same_lines(found.transcript, transcript):
        return found
    # A follow-up after the handoff adds a transcript line: the facts stay, so
    # only the transcript and the turn count of the reused summary change.
    summary = (
        _build(session, transcript)
        if found is None
        else found.model_copy(update={"turns": session.turns, "transcript": transcript})
    )
    with _reuse_lock:
        _reused[key] = summary
        while len(_reused) > REUSE_SIZE:
            _reused.popitem(last=False)
    return summary


def _transcript(session: Session) -> list[TailLine]:
    # The tail is stored redacted already; redacting again is insurance for
    # sessions an older version wrote (idempotent, and remembered per line). A
    # line it leaves as it is is shared with the session (lines are frozen).
    lines: list[TailLine] = []
    for line in session.tail[-TRANSCRIPT_LINES:]:
        text = _redacted(line.text)
        lines.append(line if text == line.text else TailLine(at=line.at, text=text, state=line.state))
    return lines


def _same_lines(kept: list[TailLine], current: list[TailLine]) -> bool:
    # By identity: the transcript shares the session's own (frozen) lines, so an
    # unchanged one is the same object; pydantic's __eq__ on a dozen lines would
    # cost more than the copy it could save. A miss only means an equal copy.
    return len(kept) == len(current) and all(a is b for a, b in zip(kept, current, strict=True))


def _build(session: Session, transcript: list[TailLine]) -> HandoffSummary:
    # Checked by build_summary; restated for the type checker.
    assert session.handoff_at is not None
    assert session.reference is not None
    reason: HandoffReason = "no_progress"
    if session.handoff_reason == "user_request":
        reason = "user_request"
    elif session.handoff_reason == "steps_failed":
        reason = "steps_failed"
    elif session.handoff_reason == "identity_check":
        reason = "identity_check"
    flow = session.flow or ""
    return HandoffSummary(
        reference=session.reference,
        session_id=session.id,
        tenant=session.tenant,
        flow=flow,
        flow_version=session.flow_version or "",
        intent=_intent_of(flow),
        state=session.state,
        reason=reason,
        slots=dict(session.slots),
        slot_text={slot: _redacted(text) for slot, text in session.slot_text.items() if session.slots.get(slot)},
        skipped=list(session.skipped),
        # Copies: a later turn of the session may note a result on its own step objects.
        steps=[step.model_copy() for step in session.steps],
        attempts=len(session.steps),
        resets=session.resets,
        turns=session.turns,
        started_at=_utc(session.created_at),
        handed_off_at=_utc(session.handoff_at),
        transcript=transcript,
    )
