"""Small helpers the commands share: reading JSON Lines, picking the store."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["open_input", "read_jsonl", "redis_url"]


def open_input(path: str | None) -> TextIO:
    """The named file, or standard input for ``None`` or ``-``."""
    if path is None or path == "-":
        return sys.stdin
    return open(path, encoding="utf-8")


def read_jsonl(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank JSON line.

    Raises:
        ValueError: a line is not a JSON object (the message names the line).

    """
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(value, dict):
            raise ValueError(f"line {number}: expected a JSON object")
        yield number, value


def redis_url(explicit: str | None) -> str | None:
    """The Redis URL from ``--redis-url`` or ``REDIS_URL``, else ``None`` (memory store)."""
    return explicit or os.environ.get("REDIS_URL") or None
