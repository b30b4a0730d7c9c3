"""Key names, the stored JSON format and schema migrations; no I/O.

Every store (memory, Redis, asyncio Redis) encodes and decodes through these
functions, so the format is defined once. Keys put the tenant and session id
in one Redis hash tag (``{...}``) so all keys of a session share a cluster slot.
A host's session id may be any printable text (``19:abc@thread.v2``); ids
outside ``[A-Za-z0-9_-]{1,128}`` are keyed by a digest (:func:`key_id`), so
no id can break out of the tag or collide with another's keys.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from vpnfsm.errors import CorruptSession
from vpnfsm.session import SCHEMA_VERSION, HistoryEntry, Session
from vpnfsm.store._bounds import bounded_entry_bytes, bounded_session_bytes, stored_whole
from vpnfsm.store._validate import problem

__all__ = [
    "DEFAULT_PREFIX",
    "check_limits",
    "decode_history",
    "decode_session",
    "encode_history",
    "encode_session",
    "handed_over_bytes",
    "history_key",
    "key_base",
    "key_id",
    "origin",
    "quarantine_key",
    "quarantine_of",
    "session_key",
    "set_origin",
    "tombstone_key",
]

DEFAULT_PREFIX = "vpnfsm"


def check_limits(ttl_seconds: float, history_cap: int) -> None:
    """Validate the settings every store shares.

    Raises:
        ValueError: the TTL is not positive or the history cap is below 1.

    """
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    if history_cap < 1:
        raise ValueError("history_cap must be at least 1")


_KEY_SAFE = frozenset(string.ascii_letters + string.digits + "_-")


def key_id(session_id: str) -> str:
    """The form of a session id inside keys: itself when key-safe, else ``~`` and a 128-bit digest.

    ``~`` is outside the key-safe alphabet, so a digest never equals a plain
    id; the session value keeps the real id, and the load-time check refuses a
    value whose id differs from the one asked for.
    """
    if len(session_id) <= 128 and _KEY_SAFE.issuperset(session_id):
        return session_id
    return "~" + hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def key_base(prefix: str, tenant: str, session_id: str) -> str:
    """``prefix:{tenant:id}``, the part every key of one session starts with (one hash tag)."""
    return prefix + ":{" + tenant + ":" + key_id(session_id) + "}"


def session_key(prefix: str, tenant: str, session_id: str) -> str:
    """Key of the session JSON."""
    return key_base(prefix, tenant, session_id) + ":s"


def history_key(prefix: str, tenant: str, session_id: str) -> str:
    """Key of the append-only history list."""
    return key_base(prefix, tenant, session_id) + ":h"


def tombstone_key(prefix: str, tenant: str, session_id: str) -> str:
    """Key that marks a session that existed and ended (expired or deleted), for the notice."""
    return key_base(prefix, tenant, session_id) + ":t"


def quarantine_key(prefix: str, tenant: str, session_id: str, stamp: float) -> str:
    """Key under which an unreadable session value is kept for inspection."""
    return quarantine_of(key_base(prefix, tenant, session_id), stamp)


def quarantine_of(base: str, stamp: float) -> str:
    """:func:`quarantine_key` from the session's :func:`key_base`."""
    return f"{base}:quarantine:{stamp:.6f}"


# Each migration turns a decoded dict of schema N into schema N + 1.
# (Schema 1 is the first; the table is where a future change adds its step.)
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def encode_session(session: Session) -> bytes:
    """The stored bytes of a session, within the byte bound (long tail lines kept as excerpts).

    Raises:
        InputError: the session is too big even without its tail (``reason="too_large"``).

    """
    return bounded_session_bytes(session)


def _private(session: Session) -> dict[str, Any]:
    # The private attribute's own dict: ``session._origin`` goes through pydantic's
    # ``__getattr__`` fallback, which costs a few microseconds per read (~100x a dict).
    private = session.__pydantic_private__
    assert private is not None  # Session declares a private attribute, so pydantic always makes it
    return private


def origin(session: Session) -> tuple[int, bytes | str] | None:
    """``(version, stored bytes)`` that ``session`` was decoded from; ``None`` for a session made in memory.

    A save compares these bytes with what is stored now (an exact compare-and-set),
    as long as the caller still expects that version.
    """
    origin_: tuple[int, bytes | str] | None = _private(session).get("_origin")
    return origin_


class _SavedAs(tuple[int, bytes | str]):
    """An origin set by a save (not by a decode): only such a session may be handed over."""

    __slots__ = ()


def set_origin(session: Session, raw: bytes | str) -> None:
    """Record that ``session`` is now stored as ``raw`` (a store calls it after a successful save)."""
    _private(session)["_origin"] = _SavedAs((session.version, raw))


def handed_over_bytes(session: Session) -> bytes | str | None:
    """The bytes a just-saved ``session`` may be served for instead of their decode, if any.

    ``None`` when its origin is not a save's (a decoded session, or one handed
    over already), or when its stored value was cut to fit the byte bound:
    decoding that would not give this object back. Asking consumes the save's
    mark, so an object can be handed over once per save.
    """
    private = _private(session)
    saved = private.get("_origin")
    if not isinstance(saved, _SavedAs):
        return None
    private["_origin"] = (saved[0], saved[1])
    if saved[0] != session.version or not stored_whole(session, saved[1]):
        return None
    return saved[1]


def decode_session(raw: bytes | str, *, key: str, tenant: str, session_id: str) -> Session:
    """Parse stored bytes, migrating older schemas, and check they fit where they are stored.

    The session remembers ``raw`` (see :func:`origin`).

    Raises:
        CorruptSession: the value is not JSON, has an unknown schema, does not
            validate, or does not make sense under ``tenant`` / ``session_id``
            (see :mod:`vpnfsm.store._validate`). The caller quarantines the raw value.

    """
    session = _parse(raw, key=key)
    detail = problem(session, tenant=tenant, session_id=session_id)
    if detail is not None:
        raise CorruptSession(key, detail=detail)
    _private(session)["_origin"] = (session.version, raw)
    return session


def _parse(raw: bytes | str, *, key: str) -> Session:
    try:  # fast path: the current schema parses straight from JSON
        session = Session.model_validate_json(raw)
        if session.schema_ == SCHEMA_VERSION:
            return session
    except ValidationError:
        pass
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptSession(key, detail=f"not JSON ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise CorruptSession(key, detail="not a JSON object")
    schema = data.get("schema")
    if not isinstance(schema, int) or schema < 1 or schema > SCHEMA_VERSION:
        raise CorruptSession(key, detail=f"unknown schema {schema!r}")
    while schema < SCHEMA_VERSION:
        data = _MIGRATIONS[schema](data)
        schema += 1
        data["schema"] = schema
    try:
        return Session.model_validate(data)
    except ValidationError as exc:
        raise CorruptSession(key, detail=f"{exc.error_count()} validation error(s)") from exc


def encode_history(entry: HistoryEntry) -> bytes:
    """The stored bytes of one history entry, a long text kept as a bounded excerpt."""
    return bounded_entry_bytes(entry)


def decode_history(raw: bytes | str) -> HistoryEntry | None:
    """Parse one history entry; an unreadable one is skipped (history is informational)."""
    try:
        return HistoryEntry.model_validate_json(raw)
    except ValidationError:
        return None
