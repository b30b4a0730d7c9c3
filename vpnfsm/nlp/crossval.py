"""Grouped cross-validation of rules only, classifier only and both combined (``vpnfsm eval --cv``).

Rows are split into folds by source group (:func:`vpnfsm.nlp.training.grouped_folds`), so a
repository's near-duplicate titles never sit on both sides. For each fold a classifier is
trained on the other folds (thresholds calibrated inside them) and scored on the held-out
fold; the rules are fixed. Nothing is ever scored on a row it was trained on. Needs
scikit-learn (the ``dev`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from vpnfsm.nlp.classifier import LinearClassifier
from vpnfsm.nlp.corpus import CorpusRow
from vpnfsm.nlp.evaluate import EVAL_FIELDS
from vpnfsm.nlp.extractor import RuleExtractor
from vpnfsm.nlp.training import extractor_view, grouped_folds, model_words, train

__all__ = ["COLUMNS", "CvReport", "CvScore", "cross_validate"]

#: The three ways a row is read, in report order.
COLUMNS: tuple[str, ...] = ("rules", "model", "combined")


class CvScore(BaseModel):
    """Correct / scored rows of one field, one column and one file (or ``all``)."""

    model_config = ConfigDict(frozen=True)

    file: str
    field: str
    column: str
    correct: int
    scored: int

    @property
    def accuracy(self) -> float:
        """Share of scored rows that are right (1.0 when none are scored)."""
        return self.correct / self.scored if self.scored else 1.0


class CvReport(BaseModel):
    """Every score of one cross-validation run."""

    model_config = ConfigDict(frozen=True)

    folds: int
    rows: int
    groups: int
    scores: tuple[CvScore, ...]

    def get(self, file: str, field: str, column: str) -> CvScore | None:
        """Return one score, ``None`` when that column does not predict that field."""
        for s in self.scores:
            if (s.file, s.field, s.column) == (file, field, column):
                return s
        return None

    def to_text(self) -> str:
        """Render one table per file: fields down, the three columns across."""
        lines = [f"{self.rows} rows, {self.groups} source groups, {self.folds} grouped folds (model trained per fold)"]
        files = sorted({s.file for s in self.scores}, key=lambda f: (f == "all", f))
        for file in files:
            lines += ["", f"{file}", f"{'field':<12}" + "".join(f"{c:>20}" for c in COLUMNS)]
            for field in EVAL_FIELDS:
                cells = []
                for column in COLUMNS:
                    s = self.get(file, field, column)
                    cells.append(f"{'-':>20}" if s is None else f"{s.accuracy:>8.3f} ({s.correct:>3}/{s.scored:<3})  ")
                if (
                    any(self.get(file, field, c) for c in COLUMNS)
                    and (
                        self.get(file, field, "rules")
                        or CvScore(file=file, field=field, column="", correct=0, scored=0)
                    ).scored
                ):
                    lines.append(f"{field:<12}" + "".join(cells))
        return "\n".join(lines)


def _model_only(model: LinearClassifier, text: str) -> dict[str, str | None]:
    """The classifier's own best answers, whatever their probability (symptom only for VPN)."""
    predicted = model.predict(model_words(text))
    intent = predicted["intent"].label
    symptom = predicted.get("symptom")
    return {
        "intent": intent,
        "symptom": symptom.label if symptom is not None and intent == "vpn" else None,
    }


def cross_validate(rows: Sequence[CorpusRow], *, folds: int = 5) -> CvReport:
    """Run grouped ``folds``-fold cross-validation and score every field in every column.

    Raises:
        ValueError: fewer source groups than folds.
        ImportError: scikit-learn is not installed.

    """
    groups = {row.group for row in rows}
    if folds < 2 or len(groups) < folds:
        raise ValueError(f"need at least 2 folds and as many source groups ({len(groups)}) as folds ({folds})")
    tally: dict[tuple[str, str, str], list[int]] = {}
    rules = RuleExtractor(use_classifier=False)
    for held in grouped_folds(rows, folds):
        held_set = set(held)
        model = LinearClassifier(train([r for i, r in enumerate(rows) if i not in held_set]))
        combined = RuleExtractor(classifier=model)
        for i in held:
            row = rows[i]
            text = extractor_view(row.text)  # what the extractor reads in a real turn
            answers: dict[str, dict[str, str | None]] = {
                "rules": dict(rules.extract(text, context=row.context).model_dump(include=set(EVAL_FIELDS))),
                "model": _model_only(model, row.text),  # model_words applies the same view
                "combined": dict(combined.extract(text, context=row.context).model_dump(include=set(EVAL_FIELDS))),
            }
            for column, answer in answers.items():
                for field, value in answer.items():
                    ok = row.accepts(field, value)
                    if ok is None:
                        continue
                    for file in (row.file, "all"):
                        cell = tally.setdefault((file, field, column), [0, 0])
                        cell[0] += ok
                        cell[1] += 1
    scores = tuple(
        CvScore(file=f, field=fd, column=c, correct=v[0], scored=v[1]) for (f, fd, c), v in sorted(tally.items())
    )
    return CvReport(folds=folds, rows=len(rows), groups=len(groups), scores=scores)
