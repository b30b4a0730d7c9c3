"""Train the linear classifier and write its weight file (needs scikit-learn: the ``dev`` extra).

``vpnfsm train FILE... --out vpnfsm/nlp/weights.json`` calls :func:`train` and
:func:`dump_weights`. Everything is deterministic: rows in file order, features sorted,
a solver without randomness, weights rounded, keys sorted, so the same files give the same
bytes. Each head's confidence threshold is calibrated on out-of-fold probabilities of a grouped
cross-validation inside the training rows (the cut where the model beats the rules), never
on the rows the weights were fitted to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from vpnfsm.nlp._combine import MODEL_RULE
from vpnfsm.nlp._features import features
from vpnfsm.nlp._text import fold, words
from vpnfsm.nlp.classifier import FORMAT, LinearClassifier
from vpnfsm.nlp.corpus import CorpusRow
from vpnfsm.redact import redact_message

__all__ = ["HEADS", "dump_weights", "grouped_folds", "model_words", "train"]

#: Which rows train which head: ``symptom`` learns only from VPN rows (elsewhere it is unscored).
HEADS: tuple[str, ...] = ("intent", "symptom")
#: Inverse regularisation strength of the logistic regression.
C = 8.0
#: A feature must occur in at least this many training rows to get a weight.
MIN_ROWS = 2
#: Weights smaller than this (after rounding to :data:`DIGITS`) are dropped from the file.
MIN_WEIGHT = 0.05
DIGITS = 3
_INNER_FOLDS = 5


def extractor_view(text: str) -> str:
    """A user's text as the turn hands it to the extractor: redacted, placeholders blanked.

    The one place that says what "as the extractor sees it" means, for training and for
    evaluation alike. Corpus rows are first messages, so no question is pending.
    """
    return redact_message(text).reading


def model_words(text: str) -> list[str]:
    """The words the model sees: :func:`extractor_view` of the text, folded."""
    return words(fold(extractor_view(text)))


def _label(row: CorpusRow, head: str) -> str | None:
    if head == "symptom" and row.first("intent") != "vpn":
        return None
    return row.first(head)


def grouped_folds(rows: Sequence[CorpusRow], k: int) -> list[list[int]]:
    """Split row indexes into ``k`` folds, whole groups at a time, sizes balanced.

    Groups are placed largest first (ties by name) into the currently smallest fold (ties by
    index), so the split depends only on the rows.
    """
    sizes: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        sizes.setdefault(row.group, []).append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for _, members in sorted(sizes.items(), key=lambda item: (-len(item[1]), item[0])):
        target = min(range(k), key=lambda j: (len(folds[j]), j))
        folds[target].extend(members)
    return [sorted(fold_rows) for fold_rows in folds]


def _fit(feats: Sequence[list[str]], labels: Sequence[str]) -> tuple[list[str], list[str], Any, Any]:
    """Fit one head; return its classes, feature names, coefficient matrix and intercepts."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    counts: dict[str, int] = {}
    for fs in feats:
        for f in fs:
            counts[f] = counts.get(f, 0) + 1
    names = sorted(f for f, n in counts.items() if n >= MIN_ROWS)
    index = {f: i for i, f in enumerate(names)}
    data: list[float] = []
    cols: list[int] = []
    ptr = [0]
    for fs in feats:
        scale = 1.0 / math.sqrt(len(fs)) if fs else 0.0
        known = sorted(index[f] for f in fs if f in index)
        cols.extend(known)
        data.extend([scale] * len(known))
        ptr.append(len(cols))
    matrix = csr_matrix((np.array(data), np.array(cols, dtype=np.int64), np.array(ptr)), shape=(len(feats), len(names)))
    classes = sorted(set(labels))
    # One thread: BLAS threads fight over a shared machine (30x slower here) and a single-thread
    # sum has one order of additions, which keeps the rounded weights the same everywhere.
    model = LogisticRegression(C=C, max_iter=200, solver="newton-cg", tol=1e-6)
    with threadpool_limits(limits=1):
        model.fit(matrix, [classes.index(y) for y in labels])
    coef = model.coef_
    bias = model.intercept_
    if len(classes) == 2:  # binary problems come back as one row: split it symmetrically
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    return classes, names, coef, bias


def _weights_data(
    fitted: dict[str, tuple[list[str], list[str], Any, Any]],
    thresholds: dict[str, dict[str, float]],
    meta: dict[str, Any],
) -> dict[str, Any]:
    heads: dict[str, Any] = {}
    table: dict[str, list[list[float]]] = {}
    offset = 0
    for head in sorted(fitted):
        classes, names, coef, bias = fitted[head]
        heads[head] = {
            "classes": classes,
            "bias": [round(float(b), DIGITS) for b in bias],
            # A class never seen overruling the rules out of fold keeps cut 1.0: it never does.
            "threshold": [thresholds.get(head, {}).get(c, 1.0) if thresholds else 0.0 for c in classes],
        }
        for j, name in enumerate(names):
            for c in range(len(classes)):
                w = round(float(coef[c, j]), DIGITS)
                if abs(w) >= MIN_WEIGHT:
                    table.setdefault(name, []).append([offset + c, w])
        offset += len(classes)
    return {"format": FORMAT, "heads": heads, "weights": table, **meta}


def _fit_all(
    rows: Sequence[CorpusRow], feats: Sequence[list[str]], thresholds: dict[str, dict[str, float]], meta: dict[str, Any]
) -> dict[str, Any]:
    fitted = {}
    for head in HEADS:
        picked = [(feats[i], y) for i, row in enumerate(rows) if (y := _label(row, head)) is not None]
        if len({y for _, y in picked}) >= 2:
            fitted[head] = _fit([f for f, _ in picked], [y for _, y in picked])
    return _weights_data(fitted, thresholds, meta)


def _calibrate(rows: Sequence[CorpusRow], feats: Sequence[list[str]]) -> dict[str, dict[str, float]]:
    """Per head and predicted class, the cut at which letting the model answer helps most, out of fold.

    Each inner fold's model reads its held-out rows through the extractor with every cut at
    zero; where the model's answer was taken, a cut keeps it only at or above that probability
    (else the rules' answer stands). The cut with the most right answers wins; ties go to the
    higher cut, so the model answers only where it has shown it beats the rules.
    """
    from vpnfsm.nlp.extractor import RuleExtractor

    rules = RuleExtractor(use_classifier=False)
    outcomes: dict[tuple[str, str], list[tuple[float, bool, bool]]] = {}
    for held in grouped_folds(rows, _INNER_FOLDS):
        held_set = set(held)
        train_idx = [i for i in range(len(rows)) if i not in held_set]
        data = _fit_all([rows[i] for i in train_idx], [feats[i] for i in train_idx], {}, {})
        combined = RuleExtractor(classifier=LinearClassifier(data))
        for i in held:
            row = rows[i]
            with_model = combined.extract(row.text, context=row.context)
            alone = rules.extract(row.text, context=row.context)
            for ev in with_model.evidence:
                if ev.rule == MODEL_RULE and ev.field in HEADS and ev.probability is not None:
                    model_ok = bool(row.accepts(ev.field, ev.value))
                    rule_ok = bool(row.accepts(ev.field, getattr(alone, ev.field)))
                    outcomes.setdefault((ev.field, ev.value), []).append((ev.probability, model_ok, rule_ok))
    cuts: dict[str, dict[str, float]] = {head: {} for head in HEADS}
    for (head, label), seen in sorted(outcomes.items()):
        cuts[head][label] = _best_cut(seen)
    return cuts


def _best_cut(outcomes: list[tuple[float, bool, bool]]) -> float:
    """The cut (a multiple of 0.05) that maximises right answers; the higher one on a tie."""
    best, best_score = 1.0, -1
    for step in range(20, -1, -1):
        cut = step / 20
        score = sum(model_ok if p >= cut else rule_ok for p, model_ok, rule_ok in outcomes)
        if score > best_score:
            best, best_score = cut, score
    return best


def train(
    rows: Sequence[CorpusRow], *, calibrate: bool = True, words_of: Callable[[str], list[str]] = model_words
) -> dict[str, Any]:
    """Train every head on ``rows`` and return the weight-file data.

    Args:
        rows: labeled rows (gold alternatives: the first non-null label is the target).
        calibrate: calibrate thresholds by an inner grouped cross-validation (else every cut is 0).
        words_of: how a text becomes the model's words (:func:`model_words`).

    Raises:
        ImportError: scikit-learn is not installed (install the ``dev`` extra).

    """
    feats = [features(words_of(row.text)) for row in rows]
    thresholds = _calibrate(rows, feats) if calibrate else {}
    files = sorted({row.file for row in rows})
    meta = {"version": "1", "trained_on": {"files": files, "rows": len(rows)}}
    return _fit_all(rows, feats, thresholds, meta)


def dump_weights(data: dict[str, Any]) -> bytes:
    """Serialise weight-file data to its canonical bytes (sorted keys, one line per feature)."""
    lines = ["{"]
    lines += [f"{json.dumps(k)}: {json.dumps(v, sort_keys=True)}," for k, v in sorted(data.items()) if k != "weights"]
    lines.append('"weights": {')
    items = sorted(data["weights"].items())
    for i, (feature, row) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(feature)}: {json.dumps(row)}{comma}")
    lines += ["}", "}", ""]
    return "\n".join(lines).encode("utf-8")
