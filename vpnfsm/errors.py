"""Every exception vpnfsm raises, under one root.

::

    VpnfsmError
    ├── InputError           empty / oversize / invalid message or session id
    ├── FlowError            bad flow declaration, raised at load time, lists every problem
    │   └── ContentError     a content pack is broken: every problem with ``file:line``
    ├── SessionError
    │   ├── SessionConflict  a concurrent update won the race past the retry budget
    │   ├── CorruptSession   stored data could not be read (``.key``, ``.quarantine_key``)
    │   └── StoreUnavailable the session store could not be reached
    ├── TenantError          unknown tenant, bad tenant file (``.path``, ``.line``)
    ├── SettingsError        a setting (variable or flag) is invalid (``.variable``)
    └── DeliveryError        the ticket system failed (``.status``, ``.retry_after``)
        └── LeaseLost        another worker holds the outbox item now (``.item_id``)

Hosts catch :class:`VpnfsmError` to handle everything the package raises; the
subclasses carry their context as attributes, never only in the message text.
"""

from __future__ import annotations

__all__ = [
    "ContentError",
    "CorruptSession",
    "DeliveryError",
    "FlowError",
    "InputError",
    "LeaseLost",
    "SessionConflict",
    "SessionError",
    "SettingsError",
    "StoreUnavailable",
    "TenantError",
    "VpnfsmError",
]


class VpnfsmError(Exception):
    """Root of every error raised by vpnfsm."""


class InputError(VpnfsmError, ValueError):
    """A message or session id was rejected before anything changed.

    Attributes:
        field: ``"message"`` or ``"session_id"``.
        reason: a short machine-readable reason (``"empty"``, ``"too_long"``, ``"invalid"``).

    """

    def __init__(self, message: str, *, field: str, reason: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class FlowError(VpnfsmError):
    """A flow declaration is invalid; ``problems`` lists every problem found."""

    def __init__(self, flow: str, problems: list[str]) -> None:
        super().__init__(f"flow {flow!r} is invalid: " + "; ".join(problems))
        self.flow = flow
        self.problems = list(problems)


class ContentError(FlowError):
    """A content pack failed to load or verify.

    Attributes:
        pack: the pack's directory or distribution name.
        problems: every problem, each ``"file:line: what is wrong"``.

    """

    def __init__(self, pack: str, problems: list[str]) -> None:
        VpnfsmError.__init__(self, f"content pack {pack} is invalid:\n  " + "\n  ".join(problems))
        self.flow = pack
        self.pack = pack
        self.problems = list(problems)


class SessionError(VpnfsmError):
    """Base for errors about stored sessions."""


class SessionConflict(SessionError):
    """Concurrent turns on one session kept conflicting past the retry budget."""

    def __init__(self, session_id: str, attempts: int) -> None:
        super().__init__(f"session {session_id!r}: gave up after {attempts} conflicting attempts")
        self.session_id = session_id
        self.attempts = attempts


class CorruptSession(SessionError):
    """Stored session data could not be read.

    The raw value is kept under ``quarantine_key`` (when the store supports it),
    so nothing is lost; the conversation continues in a fresh session.
    """

    def __init__(self, key: str, *, quarantine_key: str | None = None, detail: str = "") -> None:
        text = f"stored session under {key!r} is unreadable"
        if detail:
            text += f": {detail}"
        super().__init__(text)
        self.key = key
        self.quarantine_key = quarantine_key
        self.detail = detail


class StoreUnavailable(SessionError):
    """The session store could not be reached (connection refused, timeout).

    Attributes:
        may_have_applied: this call's save was sent but not confirmed, so the
            turn may have been stored; retrying with the same ``message_id`` is
            safe either way. ``False`` when the store failed before this call
            wrote anything.

    """

    def __init__(self, message: str = "", *, may_have_applied: bool = False) -> None:
        super().__init__(message)
        self.may_have_applied = may_have_applied


class TenantError(VpnfsmError):
    """Unknown tenant, or a tenant file that does not validate.

    Attributes:
        path: the file at fault, when there is one.
        line: the 1-based line at fault, when it is known.

    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line


class SettingsError(VpnfsmError, ValueError):
    """A service setting is invalid; the message names where it came from.

    Attributes:
        variable: the environment variable (``VPNFSM_MAX_BODY_BYTES``) or flag
            (``--port``) at fault.

    """

    def __init__(self, message: str, *, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


class DeliveryError(VpnfsmError):
    """The ticket system refused or failed a request.

    Attributes:
        status: the HTTP status, or ``None`` for transport failures.
        retry_after: seconds the server asked us to wait, when it said.

    """

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LeaseLost(DeliveryError):
    """A delivery worker no longer holds the lease of an outbox item.

    Its lease ran out and another claim took the item (or it was delivered),
    so this worker must not create the issue or record it: the holder does.
    """

    def __init__(self, item_id: str) -> None:
        super().__init__(f"the lease on outbox item {item_id!r} passed to another worker")
        self.item_id = item_id
