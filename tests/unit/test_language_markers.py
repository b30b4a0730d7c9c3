"""The English-marker shortcut of language detection never changes an answer the model gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from vpnfsm.dialogue import language
from vpnfsm.dialogue.language import MIN_CONFIDENCE, MIN_WORDS, detect_language, has_english_markers

DATA = Path(__file__).resolve().parents[1] / "data"


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("user", "text") and isinstance(value, str):
                yield value
            else:
                yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _written_messages() -> set[str]:
    texts: set[str] = set()
    for path in DATA.rglob("*.yaml"):
        texts.update(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    for path in DATA.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.update(_strings(json.loads(line)))
    return texts


def _model_says(text: str) -> str:
    words = text[:600].split()
    code, probability = language._identifier().classify(" ".join(words))
    return str(code) if probability >= MIN_CONFIDENCE else "en"


def test_the_shortcut_agrees_with_the_model_on_every_written_message() -> None:
    judged = [t for t in _written_messages() if len(t[:600].split()) >= MIN_WORDS]
    shortcut = [t for t in judged if has_english_markers(t[:600].split())]
    assert len(judged) > 300  # the corpus is there
    assert len(shortcut) > len(judged) // 4  # and the shortcut is worth having
    assert [t for t in shortcut if _model_says(t) != "en"] == []


def test_one_marker_is_not_enough_and_other_languages_still_reach_the_model() -> None:
    assert not has_english_markers(["mein", "vpn", "geht", "nicht", "mehr", "seit", "the", "update", "heute"])
    assert detect_language("mein vpn geht nicht mehr seit dem update heute morgen") == "de"
    assert detect_language("le vpn ne marche plus depuis ce matin sur mon portable") == "fr"


def test_markers_read_through_punctuation_case_and_curly_apostrophes() -> None:
    assert has_english_markers(["VPN", "DOESN’T", "work,", "(the)", "client"])
    assert has_english_markers(["The", "keeps."])
    assert not has_english_markers(["the", "the", "THE"])


def test_a_short_sentence_is_judged_by_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    model = language._identifier()

    class Counting:
        def classify(self, text: str) -> tuple[str, float]:
            calls.append(text)
            code, probability = model.classify(text)
            return str(code), float(probability)

    monkeypatch.setattr(language, "_identifier", Counting)
    language._judged_short.cache_clear()
    sentence = "mein vpn geht seit heute morgen nicht"
    assert [detect_language(sentence) for _ in range(3)] == ["de", "de", "de"]
    assert calls == [sentence]
    long_text = " ".join(["mein vpn geht seit heute morgen nicht"] * 8)
    assert [detect_language(long_text) for _ in range(2)] == ["de", "de"]
    assert len(calls) == 3  # long texts are judged each time (rarely typed twice)
