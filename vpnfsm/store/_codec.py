"""Key names, the stored JSON format and schema migrations; no I/O.

Every store (memory, Redis, asyncio Redis) encodes and decodes through these
functions, so the format is defined once. Keys put the tenant and session id
in one Redis hash tag (``{...}``) so all keys of a session share a cluster slot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from vpnfsm.errors import CorruptSession
from vpnfsm.session import SCHEMA_VERSION, HistoryEntry, Session

__all__ = [
    "DEFAULT_PREFIX",
    "check_limits",
    "decode_history",
    "decode_session",
    "encode_history",
    "encode_session",
    "history_key",
    "quarantine_key",
    "session_key",
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


def _tag(tenant: str, session_id: str) -> str:
    return "{" + tenant + ":" + session_id + "}"


def session_key(prefix: str, tenant: str, session_id: str) -> str:
    """Key of the session JSON."""
    return f"{prefix}:{_tag(tenant, session_id)}:s"


def history_key(prefix: str, tenant: str, session_id: str) -> str:
    """Key of the append-only history list."""
    return f"{prefix}:{_tag(tenant, session_id)}:h"


def quarantine_key(prefix: str, tenant: str, session_id: str, stamp: float) -> str:
    """Key under which an unreadable session value is kept for inspection."""
    return f"{prefix}:{_tag(tenant, session_id)}:quarantine:{stamp:.6f}"


# Each migration turns a decoded dict of schema N into schema N + 1.
# (Schema 1 is the first; the table is where a future change adds its step.)
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def encode_session(session: Session) -> bytes:
    """The stored bytes of a session."""
    return session.dump_json()


def decode_session(raw: bytes | str, *, key: str) -> Session:
    """Parse stored bytes, migrating older schemas.

    Raises:
        CorruptSession: the value is not JSON, has an unknown schema, or does
            not validate. The caller quarantines the raw value.

    """
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
    """The stored bytes of one history entry."""
    return entry.model_dump_json(exclude_defaults=True).encode()


def decode_history(raw: bytes | str) -> HistoryEntry | None:
    """Parse one history entry; an unreadable one is skipped (history is informational)."""
    try:
        return HistoryEntry.model_validate_json(raw)
    except ValidationError:
        return None
