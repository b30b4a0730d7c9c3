"""The stored state of one conversation, as a compact pydantic model.

A :class:`Session` holds everything a turn needs and nothing that grows with
the conversation: the full history lives beside it in the store (append-only,
capped), and only a short tail of user lines is kept here for the handoff
summary. ``version`` is the optimistic-concurrency counter: every saved turn
bumps it, and a store refuses a save whose expected version is stale.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from vpnfsm.nlp.model import ENTITY_FIELDS

__all__ = [
    "SCHEMA_VERSION",
    "AppliedMessage",
    "DialogueMemory",
    "EarlierCase",
    "ParkedCase",
    "HistoryEntry",
    "OutboxItem",
    "OutboxLease",
    "Session",
    "StepsGiven",
    "TailLine",
    "empty_slots",
]

#: Bumped whenever the stored shape changes; stores migrate older numbers on load.
SCHEMA_VERSION = 1

Outcome = Literal["resolved", "handoff"]
StepResult = Literal["worked", "failed", "unclear"]


def empty_slots() -> dict[str, str | None]:
    """The four entity slots, all unknown."""
    return dict.fromkeys(ENTITY_FIELDS)


class HistoryEntry(BaseModel):
    """One line of the full, append-only conversation history (kept by the store)."""

    model_config = ConfigDict(frozen=True)

    at: float
    role: Literal["user", "bot"]
    text: str
    state: str | None = None


class TailLine(BaseModel):
    """A recent user line kept on the session for the handoff transcript excerpt."""

    model_config = ConfigDict(frozen=True)

    at: float
    text: str
    state: str | None = None


class StepsGiven(BaseModel):
    """One set of troubleshooting steps the bot gave, and what the user said about it.

    ``round`` counts the user's restarts, so a retry after "start over" may
    give an article again.
    """

    article: str
    title: str
    attempt: int
    round: int = 0
    at: float
    result: StepResult | None = None


class OutboxItem(BaseModel):
    """A handoff waiting to be delivered to the ticket system.

    It is written in the same atomic save as the turn that entered the handoff
    state, so a handoff can never exist without its delivery job.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    session_id: str
    tenant: str
    created_at: float
    payload: str


class AppliedMessage(BaseModel):
    """A message id the session already applied, and what rebuilds its reply.

    ``digest`` fingerprints the message as stored (redacted), so an id sent
    again with other words is told apart from a retry without keeping the raw
    text. ``reply`` holds the reply's fields except ``session_id``,
    ``handoff_summary`` and ``ticket``, which are rebuilt from the session.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    digest: str
    reply: dict[str, Any]


class OutboxLease(OutboxItem):
    """An outbox item as a claim hands it to one worker: the item plus its fencing token.

    Every claim of an item draws a new, larger ``token``; renewing the lease and
    marking the item done succeed only with the token of the latest claim, so a
    worker whose lease ran out (and was claimed by another) can no longer act on it.
    """

    token: int

    @classmethod
    def of(cls, item: OutboxItem, token: int) -> OutboxLease:
        """``item`` as leased under ``token``."""
        return cls(**item.model_dump(exclude={"token"}), token=token)


class ParkedCase(BaseModel):
    """A case put aside for another problem: everything needed to resume it where it was."""

    flow: str
    flow_version: str | None = None
    state: str | None = None
    slots: dict[str, str | None] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)
    reasks: int = 0
    attempts: int = 0
    resets: int = 0
    steps: list[StepsGiven] = Field(default_factory=list)
    slot_text: dict[str, str] = Field(default_factory=dict)
    meta_turns: int = 0


class EarlierCase(BaseModel):
    """A case of this session that ended before the current one began (kept for follow-ups)."""

    flow: str | None = None
    outcome: Literal["resolved", "handoff"] | None = None
    reference: str | None = None
    ticket: str | None = None


class DialogueMemory(BaseModel):
    """What the dialogue policy remembers between turns (see :mod:`vpnfsm.dialogue`).

    Attributes:
        meta_turns: clarifications, asides, thanks and the like in the current
            case; bounded by the policy so every conversation still ends.
        switches: new problems and returns in this session, bounded likewise.
        topic_asked: a person was asked for with no topic; the next message hands off.
        language_offered: only-English was said and a person offered; a second
            non-English message (or a yes) hands off.

    """

    meta_turns: int = 0
    switches: int = 0
    topic_asked: bool = False
    language_offered: bool = False


class Session(BaseModel):
    """One conversation: the active flow's machine model plus bookkeeping.

    Attributes:
        schema_: stored format number (serialized as ``schema``).
        incarnation: random id given at creation and never changed; a session
            created again under the same id (after a delete, expiry or
            quarantine) has another one, so no copy of the old one can be
            saved over it. ``""`` in values stored before incarnations existed.
        version: optimistic-concurrency counter, bumped on every saved turn.
        flow, flow_version, state: the running flow, the declaration version it
            started on, and its machine state; all ``None`` before any flow ran.
        slots: the four taxonomy entities; ``skipped`` lists slots the user
            could not answer (asked twice, or "I don't know").
        reasks, attempts, resets: the counters the flow's guards read.
        steps: every set of steps given, with its result.
        tail: the last user lines, for the transcript excerpt of a handoff.
        ticket: the ticket-system key once the handoff was delivered.
        slot_text: per slot, the (redacted) words the user typed that the
            extractor read the value from, for the handoff summary.
        parked: the case put aside for the current one (at most one).
        earlier: the last cases of this session that ended, newest last (bounded).
        dialogue: the dialogue policy's counters and flags.
        secret_cue_open: the user's last line ended in a password cue ("my new
            password is"): the next line's first word is taken as the password.
        secret_notice_given: the user was told that what looked like a secret
            was not stored (said once per session).
        applied: the last message ids applied (oldest first, bounded), so a
            retried message is answered again instead of applied twice.

    """

    model_config = ConfigDict(populate_by_name=True, validate_assignment=False)

    # Required (no default) so that compact dumps, which leave defaults out, always carry it.
    schema_: int = Field(alias="schema")
    id: str
    tenant: str = "default"
    incarnation: str = ""
    version: int = 0
    created_at: float
    updated_at: float
    turns: int = 0
    flow: str | None = None
    flow_version: str | None = None
    state: str | None = None
    slots: dict[str, str | None] = Field(default_factory=empty_slots)
    skipped: list[str] = Field(default_factory=list)
    reasks: int = 0
    attempts: int = 0
    resets: int = 0
    steps: list[StepsGiven] = Field(default_factory=list)
    last_intent: str | None = None
    # Redaction bookkeeping: booleans only, never the text (see vpnfsm/redact).
    secret_cue_open: bool = False
    secret_notice_given: bool = False
    outcome: Outcome | None = None
    handoff_reason: str | None = None
    handoff_at: float | None = None
    reference: str | None = None
    ticket: str | None = None
    tail: list[TailLine] = Field(default_factory=list)
    slot_text: dict[str, str] = Field(default_factory=dict)
    applied: list[AppliedMessage] = Field(default_factory=list)
    parked: ParkedCase | None = None
    earlier: list[EarlierCase] = Field(default_factory=list)
    dialogue: DialogueMemory = Field(default_factory=DialogueMemory)

    # The stored bytes this object was decoded from and their version (set by
    # the store codec, never serialized): the save compares them with what is
    # stored now, so a copy is never trusted over a differing stored value.
    _origin: tuple[int, bytes | str] | None = PrivateAttr(default=None)

    @classmethod
    def start(cls, session_id: str, *, tenant: str, now: float) -> Session:
        """A fresh session at the current schema, with a new incarnation and no flow running."""
        return cls(
            schema=SCHEMA_VERSION,
            id=session_id,
            tenant=tenant,
            incarnation=secrets.token_urlsafe(12),
            created_at=now,
            updated_at=now,
        )

    def assign(self, **values: Any) -> None:
        """Set several fields at once, without per-field ``__setattr__`` (values already valid).

        For the turn's own bookkeeping (state, counters, timestamps), whose
        values come from code, not from outside: assignment is never validated
        on this model anyway, and one update costs what one attribute does.
        """
        unknown = values.keys() - _SESSION_FIELDS
        if unknown:
            raise AttributeError(f"Session has no field(s) {sorted(unknown)}")
        self.__dict__.update(values)
        self.__pydantic_fields_set__.update(values)

    def dump_json(self) -> bytes:
        """Serialize compactly (defaults left out) for a store."""
        # The serializer writes bytes itself: no str to encode again (a session is ~1-2 KB).
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_defaults=True)

    @classmethod
    def load_json(cls, raw: bytes | str) -> Session:
        """Parse what :meth:`dump_json` wrote (raises ``pydantic.ValidationError``)."""
        return cls.model_validate_json(raw)


#: Field names :meth:`Session.assign` accepts.
_SESSION_FIELDS: frozenset[str] = frozenset(Session.model_fields)
