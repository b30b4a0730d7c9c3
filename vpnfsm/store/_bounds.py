"""Byte bounds on what a store keeps per session, and the excerpt that keeps a long text within them.

A user may paste a 16 KB log into every message; without bounds a session's
history would grow to megabytes. Every store encodes through these functions
(via :mod:`vpnfsm.store._codec`), and the Redis save script refuses anything
larger (:data:`MAX_ENTRY_BYTES`, :data:`MAX_SESSION_BYTES`), so a foreign
writer cannot bypass them. ``docs/storage.md`` gives the worst case per session.
No I/O here.
"""

from __future__ import annotations

from operator import attrgetter

from vpnfsm.errors import InputError
from vpnfsm.session import HistoryEntry, Session

__all__ = [
    "MAX_ENTRY_BYTES",
    "MAX_SESSION_BYTES",
    "TAIL_TEXT_BYTES",
    "bounded_entry_bytes",
    "bounded_session_bytes",
    "excerpt",
    "stored_whole",
]

#: Largest encoded history entry (JSON, UTF-8). A longer text is kept as an excerpt.
MAX_ENTRY_BYTES = 2048

#: Largest text of one tail line on the session (the handoff transcript excerpt).
TAIL_TEXT_BYTES = 1024

#: Largest encoded session value. The tail (20 lines of at most 1 KB) and the
#: applied message ids (16 replies of at most about 1.2 KB) are the parts that can
#: grow; the rest of a session is well under 4 KB.
MAX_SESSION_BYTES = 64 * 1024

_text = attrgetter("text")

# Logs usually show the cause at the end, the context at the start: keep both.
_HEAD_SHARE = 2 / 3


def _cut_head(data: bytes, size: int) -> str:
    return data[: max(0, size)].decode("utf-8", "ignore")


def _cut_tail(data: bytes, size: int) -> str:
    return data[len(data) - max(0, size) :].decode("utf-8", "ignore") if size > 0 else ""


def excerpt(text: str, max_bytes: int) -> str:
    """``text`` if it fits in ``max_bytes`` of UTF-8, else its head and tail with a note of what was left out.

    The result never exceeds ``max_bytes`` (for ``max_bytes`` ≥ 64) and is cut
    on character boundaries.
    """
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    marker_room = len(f"\n[... {len(text)} characters left out ...]\n".encode())
    budget = max(0, max_bytes - marker_room)
    head = _cut_head(data, int(budget * _HEAD_SHARE))
    tail = _cut_tail(data, budget - len(head.encode()))
    left_out = len(text) - len(head) - len(tail)
    return f"{head}\n[... {left_out} characters left out ...]\n{tail}"


def bounded_entry_bytes(entry: HistoryEntry) -> bytes:
    """The stored bytes of a history entry, its text shortened to an excerpt when the entry is too big."""
    # The serializer writes bytes itself (no str to encode again): two entries a turn.
    raw = entry.__pydantic_serializer__.to_json(entry, exclude_defaults=True)
    if len(raw) <= MAX_ENTRY_BYTES:
        return raw
    budget = MAX_ENTRY_BYTES - (len(raw) - len(entry.text.encode()))
    while len(raw) > MAX_ENTRY_BYTES and budget > 0:
        shorter = entry.model_copy(update={"text": excerpt(entry.text, budget)})
        raw = shorter.__pydantic_serializer__.to_json(shorter, exclude_defaults=True)
        # JSON escapes (control characters) can make the encoded text longer
        # than its UTF-8 bytes: shrink by the overshoot until the entry fits.
        budget -= max(len(raw) - MAX_ENTRY_BYTES, 16)
    return raw


def bounded_session_bytes(session: Session) -> bytes:
    """The stored bytes of a session within :data:`MAX_SESSION_BYTES`.

    Tail lines longer than :data:`TAIL_TEXT_BYTES` are kept as excerpts; if the
    value is still too big, the oldest tail lines go first.

    Raises:
        InputError: even without a tail the session is too big (``reason="too_large"``).

    """
    raw = session.dump_json()
    if len(raw) <= MAX_SESSION_BYTES:
        return raw
    tail = [
        line if len(line.text.encode()) <= TAIL_TEXT_BYTES else line.model_copy(
            update={"text": excerpt(line.text, TAIL_TEXT_BYTES)}
        )
        for line in session.tail
    ]
    while True:
        raw = session.model_copy(update={"tail": tail}).dump_json()
        if len(raw) <= MAX_SESSION_BYTES:
            return raw
        if not tail:
            raise InputError(
                f"session {session.id!r} would take {len(raw)} bytes, more than {MAX_SESSION_BYTES}",
                field="session",
                reason="too_large",
            )
        tail = tail[1:]


def stored_whole(session: Session, raw: bytes | str) -> bool:
    """Whether ``raw``, the bounded encoding of ``session``, holds it whole (nothing cut to fit).

    Decided without encoding again. A tail line over :data:`TAIL_TEXT_BYTES`
    may have been cut to an excerpt, so such a session counts as cut. With no
    such line, cutting can only mean dropping the oldest lines, one at a time
    until the value fits: the result is then within one line (at most ~8 KB
    encoded, even with every byte escaped) of :data:`MAX_SESSION_BYTES`, so a
    value of at most half the bound was never cut.
    """
    if len(raw) > MAX_SESSION_BYTES // 2:
        return False
    # A line of more than TAIL_TEXT_BYTES bytes has more than a quarter as many characters:
    # when no line is that long (one pass in C, every turn's case), none was cut.
    if max(map(len, map(_text, session.tail)), default=0) * 4 <= TAIL_TEXT_BYTES:
        return True
    return not any(
        len(line.text) * 4 > TAIL_TEXT_BYTES and len(line.text.encode()) > TAIL_TEXT_BYTES for line in session.tail
    )
