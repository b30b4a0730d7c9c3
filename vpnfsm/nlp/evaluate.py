"""Measure an extractor against labeled messages (the format of ``shared/dev-utterances.jsonl``).

Each line is a JSON object with ``text``, ``context`` and the gold labels ``intent``, ``os``,
``client``, ``symptom``, ``error_code`` (``null`` when the text does not say). The report
gives per-field accuracy over all rows and over the rows whose gold label is a value (so a
field mostly ``null`` cannot look good by never answering), plus every confusion.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from vpnfsm.nlp.model import Extraction

__all__ = ["EVAL_FIELDS", "EvalReport", "FieldScore", "LabeledRow", "Miss", "evaluate", "load_labeled"]

#: The fields scored, in report order.
EVAL_FIELDS: tuple[str, ...] = ("intent", "os", "client", "symptom", "error_code")


class _Extractor(Protocol):
    """Anything with the extractor contract (the rule extractor or a host's own)."""

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        """Read one message in the context of a machine state."""
        ...


class LabeledRow(BaseModel):
    """One labeled message."""

    model_config = ConfigDict(frozen=True)

    text: str
    context: str | None = None
    intent: str
    os: str | None = None
    client: str | None = None
    symptom: str | None = None
    error_code: str | None = None


class Miss(BaseModel):
    """A row where one field's prediction differs from the gold label."""

    model_config = ConfigDict(frozen=True)

    field: str
    text: str
    context: str | None
    gold: str | None
    predicted: str | None


class FieldScore(BaseModel):
    """Accuracy of one field."""

    model_config = ConfigDict(frozen=True)

    field: str
    correct: int
    total: int
    value_correct: int
    value_total: int

    @property
    def accuracy(self) -> float:
        """Share of all rows that are right (1.0 for an empty set)."""
        return self.correct / self.total if self.total else 1.0

    @property
    def value_accuracy(self) -> float:
        """Share of rows with a gold value that are right (1.0 when there are none)."""
        return self.value_correct / self.value_total if self.value_total else 1.0


class EvalReport(BaseModel):
    """Per-field accuracy and the misses of one evaluation run."""

    model_config = ConfigDict(frozen=True)

    rows: int
    scores: tuple[FieldScore, ...]
    misses: tuple[Miss, ...] = Field(default=())

    def score(self, field: str) -> FieldScore:
        """Return the score of one field.

        Raises:
            KeyError: ``field`` is not one of :data:`EVAL_FIELDS`.

        """
        for item in self.scores:
            if item.field == field:
                return item
        raise KeyError(field)

    def min_accuracy(self) -> float:
        """Return the lowest all-rows accuracy over the five fields."""
        return min((s.accuracy for s in self.scores), default=1.0)

    def confusions(self, field: str) -> list[tuple[str | None, str | None, int]]:
        """(gold, predicted, count) pairs of one field, most frequent first."""
        counts = Counter((m.gold, m.predicted) for m in self.misses if m.field == field)
        return [(gold, pred, n) for (gold, pred), n in counts.most_common()]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary: rows, min accuracy, per-field scores, confusions and misses."""
        return {
            "rows": self.rows,
            "min_accuracy": self.min_accuracy(),
            "fields": {
                s.field: {
                    "accuracy": s.accuracy,
                    "correct": s.correct,
                    "total": s.total,
                    "value_accuracy": s.value_accuracy,
                    "value_correct": s.value_correct,
                    "value_total": s.value_total,
                    "confusions": [
                        {"gold": g, "predicted": p, "count": n} for g, p, n in self.confusions(s.field)
                    ],
                }
                for s in self.scores
            },
            "misses": [m.model_dump() for m in self.misses],
        }

    def to_text(self) -> str:
        """Render a plain-text report for terminals and CI logs."""
        lines = [f"{self.rows} rows, min accuracy {self.min_accuracy():.3f}", ""]
        lines.append(f"{'field':<12}{'all rows':>18}{'gold is a value':>22}")
        for s in self.scores:
            lines.append(
                f"{s.field:<12}{s.accuracy:>8.3f} ({s.correct:>3}/{s.total:<3}){s.value_accuracy:>12.3f}"
                f" ({s.value_correct:>3}/{s.value_total:<3})"
            )
        for s in self.scores:
            pairs = self.confusions(s.field)
            if not pairs:
                continue
            lines += ["", f"{s.field} confusions (gold -> predicted):"]
            lines += [f"  {g!s:>20} -> {p!s:<20} x{n}" for g, p, n in pairs]
        if self.misses:
            lines += ["", "misses:"]
            lines += [
                f"  [{m.field}] gold={m.gold!s} got={m.predicted!s} ctx={m.context!s} :: {m.text}"
                for m in self.misses
            ]
        return "\n".join(lines)


def load_labeled(path: str | Path) -> list[LabeledRow]:
    """Read a JSONL file of labeled messages; blank lines are skipped.

    Raises:
        OSError: the file cannot be read.
        ValueError: a line is not valid JSON or lacks a required key (the message names the line).

    """
    rows: list[LabeledRow] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(LabeledRow.model_validate(json.loads(line)))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return rows


def _same(field: str, gold: str | None, predicted: str | None) -> bool:
    if field == "error_code" and gold is not None and predicted is not None:
        return gold.lower() == predicted.lower()  # hex digits are case-insensitive
    return gold == predicted


def evaluate(rows: Iterable[LabeledRow], extractor: _Extractor) -> EvalReport:
    """Run ``extractor`` over ``rows`` and score each field."""
    totals = {f: [0, 0, 0, 0] for f in EVAL_FIELDS}  # correct, total, value_correct, value_total
    misses: list[Miss] = []
    count = 0
    for row in rows:
        count += 1
        got = row_prediction(extractor.extract(row.text, context=row.context))
        for field in EVAL_FIELDS:
            gold = getattr(row, field)
            ok = _same(field, gold, got[field])
            tally = totals[field]
            tally[0] += ok
            tally[1] += 1
            if gold is not None:
                tally[2] += ok
                tally[3] += 1
            if not ok:
                misses.append(
                    Miss(field=field, text=row.text, context=row.context, gold=gold, predicted=got[field])
                )
    scores = tuple(
        FieldScore(field=f, correct=t[0], total=t[1], value_correct=t[2], value_total=t[3])
        for f, t in totals.items()
    )
    return EvalReport(rows=count, scores=scores, misses=tuple(misses))


def row_prediction(extraction: Extraction) -> dict[str, str | None]:
    """Return the scored fields of an extraction as a dict."""
    return {f: getattr(extraction, f) for f in EVAL_FIELDS}
