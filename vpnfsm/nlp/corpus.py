"""Labeled corpus rows whose gold labels may list alternatives, and their source groups.

The format is the one of ``shared/corpus/*.jsonl`` (see ``shared/nlp-taxonomy.md``): each
field's gold is a label, ``null``, a list of acceptable alternatives (which may include
``null``), or ``"*"`` for "not scored". ``source`` is the URL the words come from; its
*group* (a GitHub repository, or else the site) keeps near-duplicates in one fold.
The project's own files (``tests/data/*.jsonl``, plain labels, no source) load too: each of
their rows is its own group.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

__all__ = ["NOT_SCORED", "CorpusRow", "load_corpus", "source_group"]

#: The gold value that means "do not score this field on this row".
NOT_SCORED = "*"
_FIELDS = ("intent", "os", "client", "symptom", "error_code")

Gold = tuple[str | None, ...] | None
"""Acceptable values of one field; ``None`` when the field is not scored."""


class CorpusRow(BaseModel):
    """One labeled text: gold alternatives per field, the file it came from and its group."""

    model_config = ConfigDict(frozen=True)

    text: str
    context: str | None
    gold: dict[str, Gold]
    file: str
    group: str

    def accepts(self, field: str, value: str | None) -> bool | None:
        """Whether ``value`` is an acceptable ``field``; ``None`` when the field is not scored."""
        allowed = self.gold.get(field)
        if allowed is None:
            return None
        if field == "error_code" and value is not None:
            return value.lower() in {a.lower() for a in allowed if a is not None}
        return value in allowed

    def first(self, field: str) -> str | None:
        """The first acceptable non-null label (what a classifier is trained on), if any."""
        for value in self.gold.get(field) or ():
            if value is not None:
                return value
        return None


def source_group(source: str) -> str:
    """Return the group of a source URL: ``github.com/owner/repo`` for GitHub, else the site."""
    parts = urlsplit(source)
    host = parts.netloc.lower().removeprefix("www.")
    if host == "github.com":
        segments = [s for s in parts.path.split("/") if s]
        return "github.com/" + "/".join(s.lower() for s in segments[:2])
    return host or source


def _gold(value: Any, where: str) -> Gold:
    if value == NOT_SCORED:
        return None
    values = value if isinstance(value, list) else [value]
    if not all(v is None or isinstance(v, str) for v in values) or not values:
        raise ValueError(f"{where}: a gold label must be a string, null, a list of them or '*'")
    return tuple(values)


def load_corpus(paths: Sequence[str | Path]) -> list[CorpusRow]:
    """Read labeled JSON Lines files, in order; blank lines are skipped.

    Raises:
        OSError: a file cannot be read.
        ValueError: a line is not a JSON object with a string ``text`` (the message names it).

    """
    rows: list[CorpusRow] = []
    for path in paths:
        name = Path(path).name
        with Path(path).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    data = json.loads(line)
                except ValueError as exc:
                    raise ValueError(f"{where}: {exc}") from exc
                if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                    raise ValueError(f"{where}: expected an object with a string 'text'")
                context = data.get("context")
                source = data.get("source")
                group = source_group(source) if isinstance(source, str) else f"{name}:{number}"
                rows.append(
                    CorpusRow(
                        text=data["text"],
                        context=context if isinstance(context, str) else None,
                        gold={f: _gold(data.get(f), where) for f in _FIELDS},
                        file=name,
                        group=group,
                    )
                )
    return rows
