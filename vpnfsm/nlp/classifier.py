"""Pure-Python inference of the trained linear classifier (no scikit-learn at run time).

The weight file (``weights.json`` beside this module, written by ``vpnfsm train``) holds, per
*head* (``intent``, ``symptom``), its classes, biases and per-class calibrated confidence cuts, and
one table from feature (see :mod:`vpnfsm.nlp._features`) to its non-zero class weights. A
prediction is one dictionary lookup per feature and a softmax per head, so the same words give
the same probabilities on every machine.

In memory each head keeps, per feature, one ``bytes`` row of its classes' weights (zeros
included). A message's ~60 features are read right after the rest of a turn has filled the
caches with other things: rows of nested tuples cost a cache miss per weight there (a
prediction took ~80 µs in a turn against ~15 µs in a tight loop); one packed row per feature
is one or two cache lines. The sums add the same weights in the same order as the file's
sparse rows (adding the zeros changes no sum), so the probabilities are bit-for-bit the same.
"""

from __future__ import annotations

import heapq
import json
import math
import struct
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from operator import add
from typing import Any, NamedTuple

from vpnfsm.nlp._features import features

__all__ = ["FORMAT", "LinearClassifier", "Prediction", "default_classifier"]

#: The weight-file format this module reads; a file with another value is refused.
FORMAT = "vpnfsm-linear/1"
_TOP = 3
#: A prediction from fewer features the model knows is the class prior, not a reading of the
#: message ("ok", a random string): it is never confident.
_MIN_KNOWN = 3
#: One weight of a packed row.
_WEIGHT = struct.Struct("<d")


class Prediction(NamedTuple):
    """The best class of one head, its probability, whether it reaches its cut, and its features.

    ``features`` (what pushed the class most) is filled only by :meth:`LinearClassifier.explain`.
    """

    label: str
    probability: float
    confident: bool
    features: tuple[str, ...]


class _Head(NamedTuple):
    name: str
    classes: tuple[str, ...]
    offset: int
    bias: tuple[float, ...]
    threshold: tuple[float, ...]
    #: Unpacks one of this head's rows (one little-endian double per class).
    row: struct.Struct


class LinearClassifier:
    """A multinomial linear model per head over binary, length-normalised features.

    Args:
        data: the parsed weight file (see :func:`default_classifier` for the shipped one).

    Raises:
        ValueError: the data is not a weight file of :data:`FORMAT`.

    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        """Index the weight tables once; instances are immutable and thread-safe."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} weight file (format={data.get('format')!r})")
        heads: list[_Head] = []
        offset = 0
        for name in sorted(data["heads"]):
            spec = data["heads"][name]
            classes = tuple(spec["classes"])
            bias, threshold = tuple(spec["bias"]), tuple(map(float, spec["threshold"]))
            heads.append(_Head(name, classes, offset, bias, threshold, struct.Struct(f"<{len(classes)}d")))
            offset += len(classes)
        self._heads = {head.name: head for head in heads}
        self.version: str = str(data.get("version", ""))
        # One table per head, class indexes local to it: a head is computed only when asked.
        self._tables: dict[str, dict[str, bytes]] = {head.name: {} for head in heads}
        for feature, row in data["weights"].items():
            for head in heads:
                dense = [0.0] * len(head.classes)
                for k, w in row:
                    if head.offset <= int(k) < head.offset + len(head.classes):
                        dense[int(k) - head.offset] = float(w)
                if any(dense):
                    self._tables[head.name][feature] = head.row.pack(*dense)

    @property
    def heads(self) -> tuple[str, ...]:
        """The names of the heads this model predicts."""
        return tuple(self._heads)

    def predict(self, words: Sequence[str]) -> dict[str, Prediction]:
        """Predict every head from a message's words (see :func:`vpnfsm.nlp._features.features`)."""
        return self.predict_features(features(words))

    def predict_features(self, found: Sequence[str]) -> dict[str, Prediction]:
        """Predict every head from a message's features (training calls this with its own).

        The predictions carry no features; :meth:`explain` finds them for the one value used,
        so the common path is one lookup per feature and a softmax per head.
        """
        return {name: self.predict_head(found, name) for name in self._heads}

    def predict_head(self, found: Sequence[str], head: str) -> Prediction:
        """Predict one head from a message's features.

        Raises:
            KeyError: the model has no such head.

        """
        spec = self._heads[head]
        sums = [0.0] * len(spec.classes)
        get = self._tables[head].get
        unpack = spec.row.unpack
        known = 0
        for feature in found:
            row = get(feature)
            if row is not None:
                known += 1
                sums = list(map(add, sums, unpack(row)))
        scale = 1.0 / math.sqrt(len(found)) if found else 0.0
        return _decide(spec, sums, scale, known >= _MIN_KNOWN)

    def explain(self, words: Sequence[str], head: str, label: str) -> tuple[str, ...]:
        """Return the features that pushed ``label`` of ``head`` most (at most three, strongest first).

        Raises:
            KeyError: ``head`` or ``label`` is not in the model.

        """
        return self.explain_features(features(words), head, label)

    def explain_features(self, found: Sequence[str], head: str, label: str) -> tuple[str, ...]:
        """:meth:`explain` from a message's features (the ones :meth:`predict_head` was given).

        Raises:
            KeyError: ``head`` or ``label`` is not in the model.

        """
        spec = self._heads[head]
        try:
            k = spec.classes.index(label)
        except ValueError:
            raise KeyError(f"head {head!r} has no class {label!r}") from None
        get = self._tables[head].get
        at = k * _WEIGHT.size
        pushed: list[tuple[float, str]] = []
        for feature in found:
            row = get(feature)
            if row is not None:
                (w,) = _WEIGHT.unpack_from(row, at)
                if w > 0:
                    pushed.append((-w, feature))
        # Strongest first, then by name: the tuples' own order, and only the top few are needed.
        return tuple(_readable(feature) for _, feature in heapq.nsmallest(_TOP, pushed))


def _decide(head: _Head, sums: list[float], scale: float, informed: bool) -> Prediction:
    scores = [b + s * scale for b, s in zip(head.bias, sums, strict=True)]
    best = max(range(len(scores)), key=scores.__getitem__)
    top = scores[best]
    probability = 1.0 / sum(math.exp(s - top) for s in scores)
    confident = informed and probability >= head.threshold[best]
    return Prediction(head.classes[best], round(probability, 4), confident, ())


def _readable(feature: str) -> str:
    """``w:slow`` -> ``slow``; ``c: dis`` -> ``'dis'`` (a character gram, quoted)."""
    kind, _, body = feature.partition(":")
    return f"'{body}'" if kind == "c" else body


@cache
def default_classifier() -> LinearClassifier:
    """Return the shipped model (``vpnfsm/nlp/weights.json``), read once per process.

    Raises:
        ValueError: the shipped file is not a weight file this version reads.

    """
    text = resources.files("vpnfsm.nlp").joinpath("weights.json").read_text(encoding="utf-8")
    return LinearClassifier(json.loads(text))
