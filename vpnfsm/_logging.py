"""Where vpnfsm's own log records go when a vpnfsm command runs a service.

Library modules only call ``logging.getLogger(__name__)`` and add a
``NullHandler``: a host that embeds vpnfsm decides where records go. The
long-running commands (``vpnfsm serve``, ``vpnfsm deliver``) are such hosts,
and this module is the one place that configures them: one line per record on
standard error, as text or JSON, at a chosen level.

Records carry their context as structured ``extra`` fields (:data:`CONTEXT_FIELDS`:
tenant, session id, outbox item, ticket), never a user's message. Every line
also passes :func:`mask_url`, so a URL with a password that reaches a log
line (a Redis URL inside an error) is printed without it.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final, Literal, TextIO, TypeAlias

from vpnfsm._patterns import compile_user

__all__ = [
    "CONTEXT_FIELDS",
    "LOG_FORMATS",
    "LOG_LEVELS",
    "JsonFormatter",
    "LogFormat",
    "LogLevel",
    "TextFormatter",
    "configure",
    "configured",
    "mask_url",
    "uvicorn_log_config",
]

LogLevel: TypeAlias = Literal["debug", "info", "warning", "error", "critical"]
LogFormat: TypeAlias = Literal["text", "json"]

#: The levels the commands accept (``--log-level``, ``VPNFSM_LOG_LEVEL``).
LOG_LEVELS: Final[tuple[LogLevel, ...]] = ("debug", "info", "warning", "error", "critical")
#: The line formats the commands accept (``--log-format``, ``VPNFSM_LOG_FORMAT``).
LOG_FORMATS: Final[tuple[LogFormat, ...]] = ("text", "json")

#: The ``extra`` fields a record may carry, in the order a text line shows them.
CONTEXT_FIELDS: Final[tuple[str, ...]] = ("tenant", "session_id", "item", "ticket", "status")

# A password inside any URL (`scheme://user:secret@host`). Log lines can hold
# text from outside (an exception's message), so this goes through RE2 too.
_URL_PASSWORD = compile_user(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^\s@/]+@", name="log:url-password")


def mask_url(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` replaced by ``***``.

    Works on a bare URL (``redis://:s3cret@cache:6379/0`` becomes
    ``redis://:***@cache:6379/0``) and on any text that contains URLs.
    """
    if "@" not in text:  # the common case costs one scan
        return text
    return str(_URL_PASSWORD.sub(r"\1***@", text))


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in CONTEXT_FIELDS if getattr(record, name, None) is not None}


def _one_line(text: str) -> str:
    # One record, one line: a multi-line exception text must not look like several records.
    return text.replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """``2026-12-01T20:00:00Z WARNING vpnfsm.assistant: message tenant=acme session_id=s1``."""

    def format(self, record: logging.LogRecord) -> str:
        """One line: UTC time, level, logger, message, then the context fields."""
        stamp = datetime.fromtimestamp(record.created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{stamp} {record.levelname} {record.name}: {record.getMessage()}"
        context = _context(record)
        if context:
            line += " " + " ".join(f"{key}={value}" for key, value in context.items())
        if record.exc_info:
            line += " | " + self.formatException(record.exc_info)
        return mask_url(_one_line(line))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, the context fields, ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return mask_url(json.dumps(data, ensure_ascii=False, default=str))


_FORMATTERS: Final[Mapping[LogFormat, type[logging.Formatter]]] = {"text": TextFormatter, "json": JsonFormatter}


def configure(level: LogLevel = "info", fmt: LogFormat = "text", *, stream: TextIO | None = None) -> logging.Handler:
    """Send the ``vpnfsm`` loggers' records at ``level`` and above to ``stream`` (standard error).

    Calling it again replaces the handler it installed before, so a command
    (or a test) can reconfigure without doubling every line. Returns the handler.
    """
    root = logging.getLogger("vpnfsm")
    for handler in list(root.handlers):
        if getattr(handler, "_vpnfsm_configured", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(_FORMATTERS[fmt]())
    handler._vpnfsm_configured = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False  # a host's root handler would print each line twice
    return handler


@contextmanager
def configured(level: LogLevel = "info", fmt: LogFormat = "text", *, stream: TextIO | None = None) -> Iterator[None]:
    """:func:`configure` for the duration of a ``with`` block, then the previous state again.

    Commands run in-process too (tests, ``main(argv)`` from a host): they must
    not leave a handler on a stream that outlives them.
    """
    root = logging.getLogger("vpnfsm")
    level_before, propagate_before = root.level, root.propagate
    handler = configure(level, fmt, stream=stream)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level_before)
        root.propagate = propagate_before


def uvicorn_log_config(level: LogLevel, fmt: LogFormat, *, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The logging configuration of uvicorn plus a ``vpnfsm`` logger on standard error.

    uvicorn applies this dictionary in every worker process it starts, so the
    workers' records reach the same stream in the same format as the
    supervisor's. ``base`` is uvicorn's own default (``LOGGING_CONFIG``). With
    ``fmt="json"`` uvicorn's server and access lines become JSON too, so a log
    collector reads one format.
    """
    if base is None:
        from uvicorn.config import LOGGING_CONFIG

        base = LOGGING_CONFIG
    config: dict[str, Any] = copy.deepcopy(dict(base))
    ours = {"()": f"{__name__}.{_FORMATTERS[fmt].__name__}"}
    formatters = config.setdefault("formatters", {})
    formatters["vpnfsm"] = ours
    if fmt == "json":
        for name in ("default", "access"):
            if name in formatters:
                formatters[name] = dict(ours)
    config.setdefault("handlers", {})["vpnfsm"] = {
        "class": "logging.StreamHandler",
        "formatter": "vpnfsm",
        "stream": "ext://sys.stderr",
    }
    config.setdefault("loggers", {})["vpnfsm"] = {
        "handlers": ["vpnfsm"],
        "level": level.upper(),
        "propagate": False,
    }
    return config
