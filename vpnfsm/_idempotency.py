"""Message ids: a message sent again (a host's retry after a lost reply) is applied once.

The session record keeps the last :data:`APPLIED_CAP` message ids with the
reply each one got; a turn whose id is among them is answered with that reply
and writes nothing. Because the ids live in the record the compare-and-set
save writes, "applied" and "remembered as applied" can never disagree: a
retry that races its own first attempt loses the compare-and-set, reloads,
and finds the id. No I/O here; both facades call it.
"""

from __future__ import annotations

import base64
import hashlib

from pydantic import ValidationError

from vpnfsm.errors import InputError
from vpnfsm.handoff.summary import build_summary
from vpnfsm.reply import Reply
from vpnfsm.session import AppliedMessage, Session

__all__ = [
    "APPLIED_CAP",
    "MAX_MESSAGE_ID_CHARS",
    "check_message_id",
    "digest",
    "find_applied",
    "remember",
    "replay",
    "session_id_for",
]

#: Message ids remembered per session; a retry older than this many turns is applied again.
APPLIED_CAP = 16

#: Longest accepted message id (an ``Idempotency-Key`` header value).
MAX_MESSAGE_ID_CHARS = 128

# Fields a replay takes from the session as it is now, not from the record.
_REBUILT = {"session_id", "handoff_summary", "ticket"}


def check_message_id(value: object) -> str:
    """Return ``value`` if it is a valid message id: 1-128 visible ASCII characters.

    UUIDs, Slack event ids and Teams activity ids all fit; spaces and control
    characters do not (they cannot travel in an HTTP header intact).

    Raises:
        InputError: ``field="message_id"``, the id is empty, too long or has
            characters outside ``!``..``~``.

    """
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_MESSAGE_ID_CHARS
        or not value.isascii()
        or not value.isprintable()
        or " " in value
    ):
        raise InputError(
            f"message_id must be 1-{MAX_MESSAGE_ID_CHARS} visible ASCII characters (no spaces)",
            field="message_id",
            reason="invalid",
        )
    return value


def session_id_for(tenant: str, message_id: str) -> str:
    """The session id a first message with ``message_id`` and no session id starts.

    Derived, not random, so that a retry of the very first message (whose
    reply, with the new session id, was lost) reaches the same session instead
    of opening a second one. Same shape as a random id: 22 URL-safe characters.
    """
    digest = hashlib.sha256(f"{tenant}\0{message_id}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def digest(stored_text: str) -> str:
    """A fingerprint of the message as stored (already redacted)."""
    return hashlib.sha256(stored_text.encode()).hexdigest()[:32]


def find_applied(session: Session, message_id: str, fingerprint: str) -> AppliedMessage | None:
    """The record of ``message_id`` if this session applied it, else ``None``.

    ``fingerprint`` is :func:`digest` of this message as stored.

    Raises:
        InputError: ``reason="reused"``: the id was applied to a different message.

    """
    for applied in session.applied:
        if applied.id == message_id:
            if applied.digest != fingerprint:
                raise InputError(
                    "message_id was already used for a different message in this session",
                    field="message_id",
                    reason="reused",
                )
            return applied
    return None


def remember(session: Session, message_id: str, fingerprint: str, reply: Reply) -> None:
    """Record that ``message_id`` was applied with ``reply`` (keeping the last :data:`APPLIED_CAP`)."""
    fields = reply.model_dump(mode="json", exclude=_REBUILT, exclude_defaults=True)
    if reply.outcome == "handoff":
        fields["reference"] = session.reference  # which case the summary belongs to
    session.applied.append(AppliedMessage(id=message_id, digest=fingerprint, reply=fields))
    del session.applied[:-APPLIED_CAP]


def replay(session: Session, applied: AppliedMessage) -> Reply:
    """The reply ``applied`` got, with its case's summary and ticket as they are now.

    A record from a release whose :class:`Reply` had other fields is answered
    with its text over the session as it is now: a retry must never be applied
    again just because the reply's shape changed in between.
    """
    fields = dict(applied.reply)
    reference = fields.pop("reference", None)
    same_case = reference is not None and reference == session.reference
    rebuilt = {
        "session_id": session.id,
        "handoff_summary": build_summary(session) if same_case else None,
        "ticket": session.ticket if same_case else None,
    }
    try:
        return Reply.model_validate({**fields, **rebuilt})
    except ValidationError:
        handed_off = session.outcome == "handoff"
        return Reply.model_validate(
            {
                **rebuilt,
                "reply": str(fields.get("reply", "")),
                "intent": str(fields.get("intent", "general")),
                "flow": session.flow,
                "state": session.state,
                "slots": dict(session.slots),
                "handoff": handed_off,
                "outcome": session.outcome,
                "handoff_summary": build_summary(session) if handed_off else None,
                "ticket": session.ticket,
            }
        )
