"""One pack file: its text, its parsed TOML and the line of each key.

tomllib keeps no positions, so problems are placed by a scan of the source
text: every table header (``[shape]``, ``[[shape.question]]``, counted per
array) and every ``key =`` line gets its dotted path. A problem about a key
names that key's line; a problem about a value (a state or guard name) names
the first line that quotes it. The scan reads pack files, never user text.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Problems", "SourceFile", "read_source"]

Loc = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _split_key(text: str) -> tuple[str, ...]:
    """``a."b.c".d`` -> ``("a", "b.c", "d")`` (quoted parts kept whole)."""
    parts: list[str] = []
    current = ""
    quote: str | None = None
    for char in text:
        if quote is not None:
            if char == quote:
                quote = None
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return tuple(parts)


def _key_of(line: str) -> str | None:
    """The key of a ``key = value`` line, or ``None``."""
    index = 0
    quote: str | None = None
    while index < len(line):
        char = line[index]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "=":
            key = line[:index].strip()
            return key or None
        elif char not in _BARE and char not in " .":
            return None
        index += 1
    return None


def _index(text: str) -> list[tuple[Loc, int]]:
    entries: list[tuple[Loc, int]] = []
    current: Loc = ()
    counts: dict[Loc, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[[") and "]]" in line:
            path: Loc = _split_key(line[2 : line.index("]]")])
            counts[path] = counts.get(path, -1) + 1
            current = (*path, counts[path])
            entries.append((current, number))
        elif line.startswith("[") and "]" in line:
            current = _split_key(line[1 : line.index("]")])
            entries.append((current, number))
        elif (key := _key_of(line)) is not None:
            entries.append(((*current, *_split_key(key)), number))
    return entries


@dataclass(frozen=True)
class SourceFile:
    """A pack file read once: where it is, its text and its TOML data."""

    path: Path
    text: str
    data: dict[str, Any]
    _entries: list[tuple[Loc, int]] = field(default_factory=list, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The path problems are reported under."""
        return str(self.path)

    def line_of(self, *loc: str | int) -> int:
        """The line of the deepest declared part of ``loc`` (1 when nothing matches)."""
        best, best_line = 0, 1
        for path, line in self._entries:
            common = 0
            for have, want in zip(path, loc, strict=False):
                if have != want:
                    break
                common += 1
            if common == len(path) and common > best:
                best, best_line = common, line
        return best_line

    def line_quoting(self, value: str, *, default: int | None = None) -> int:
        """The first line that quotes ``value`` (as ``"value"`` or ``'value'``)."""
        for number, line in enumerate(self.text.splitlines(), start=1):
            if f'"{value}"' in line or f"'{value}'" in line:
                return number
        return default if default is not None else 1

    def at(self, line: int, message: str) -> str:
        """``file:line: message``."""
        return f"{self.name}:{line}: {message}"


class Problems(list[str]):
    """The problems found so far, each already ``file:line: what``."""

    def add(self, source: SourceFile, line: int, message: str) -> None:
        """Record one problem at ``source:line``."""
        self.append(source.at(line, message))


def read_source(path: Path, problems: Problems) -> SourceFile | None:
    """Read and parse one TOML file; a syntax error is a problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:1: cannot read the file: {exc}")
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _decode_line(str(exc))
        problems.append(f"{path}:{line}: not valid TOML: {exc}")
        return None
    return SourceFile(path=path, text=text, data=data, _entries=_index(text))


def _decode_line(message: str) -> int:
    # tomllib says "... (at line 3, column 7)".
    marker = "at line "
    start = message.find(marker)
    if start < 0:
        return 1
    digits = ""
    for char in message[start + len(marker) :]:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 1


def strings(value: object) -> Sequence[str] | None:
    """``value`` as a list of strings, or ``None`` when it is not one."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None
