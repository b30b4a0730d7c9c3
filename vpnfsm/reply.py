"""What :meth:`vpnfsm.Assistant.handle` returns for every message."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from vpnfsm.handoff.summary import HandoffSummary

__all__ = ["Reply"]


class Reply(BaseModel):
    """The bot's answer to one message and the conversation's state after it.

    Attributes:
        session_id: pass it back with the next message to continue.
        reply: the text to show the user.
        intent: the intent read from this message.
        flow: the running (or last finished) flow, ``None`` when no flow ran.
        state: the flow's machine state after the turn; ``None`` when no flow ran.
        slots: the running flow's slots: the four taxonomy entities for the
            VPN flow (and when no flow ran), the flow's own slots otherwise
            (password: ``problem``, ``recovery``; e-mail: ``problem``, ``mail_app``).
        handoff: the case is with a person (true on every reply after a handoff).
        outcome: ``"resolved"`` or ``"handoff"`` once the flow ended, else ``None``.
        handoff_summary: the case summary, present once handed off.
        ticket: the ticket key once the handoff was delivered.
        new_session: this message started a new session.
        notice: why a new session was started when the caller asked for an
            old one (``"unknown_session"``, ``"corrupt_session"``), else ``None``.
        ended_now: the flow reached its outcome on this very turn (hosts count
            handoffs and resolutions once with it).

    """

    model_config = ConfigDict(frozen=True)

    session_id: str
    reply: str
    intent: str
    flow: str | None = None
    state: str | None = None
    slots: dict[str, str | None]
    handoff: bool = False
    outcome: Literal["resolved", "handoff"] | None = None
    handoff_summary: HandoffSummary | None = None
    ticket: str | None = None
    new_session: bool = False
    notice: Literal["unknown_session", "corrupt_session"] | None = None
    ended_now: bool = False
