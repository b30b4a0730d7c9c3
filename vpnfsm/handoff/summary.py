"""The handoff summary: the facts of a case, as a versioned pydantic model.

It is built only from the session (which holds redacted text), so nothing a
user typed as a secret can reach it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from vpnfsm.session import Session, StepsGiven, TailLine

__all__ = ["SUMMARY_VERSION", "HandoffReason", "HandoffSummary", "build_summary", "make_reference"]

#: Bumped when the summary's shape changes; consumers can branch on it.
SUMMARY_VERSION = 1

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
        reference: the case reference the user was given.
        reason: why the bot handed off (the user asked, the steps failed,
            the conversation made no progress, or the user's identity must be
            checked by a person: password flow without a recovery method).
        slots: the known facts; ``skipped`` lists facts the user could not give.
        steps: each set of steps given, with what the user said about it.
        transcript: the last user lines, redacted, oldest first.

    """

    model_config = ConfigDict(frozen=True)

    summary_version: int = SUMMARY_VERSION
    reference: str
    session_id: str
    tenant: str
    flow: str
    flow_version: str
    reason: HandoffReason
    slots: dict[str, str | None]
    skipped: list[str]
    steps: list[StepsGiven]
    attempts: int
    started_at: datetime
    handed_off_at: datetime
    transcript: list[TailLine]


def build_summary(session: Session) -> HandoffSummary:
    """The summary of a session that has entered a handoff state.

    Raises:
        ValueError: the session has not been handed off.

    """
    if session.outcome != "handoff" or session.handoff_at is None or session.reference is None:
        raise ValueError(f"session {session.id!r} has not been handed off")
    reason: HandoffReason = "no_progress"
    if session.handoff_reason == "user_request":
        reason = "user_request"
    elif session.handoff_reason == "steps_failed":
        reason = "steps_failed"
    elif session.handoff_reason == "identity_check":
        reason = "identity_check"
    return HandoffSummary(
        reference=session.reference,
        session_id=session.id,
        tenant=session.tenant,
        flow=session.flow or "",
        flow_version=session.flow_version or "",
        reason=reason,
        slots=dict(session.slots),
        skipped=list(session.skipped),
        steps=list(session.steps),
        attempts=len(session.steps),
        started_at=_utc(session.created_at),
        handed_off_at=_utc(session.handoff_at),
        transcript=list(session.tail),
    )
