"""``vpnfsm train``, ``vpnfsm eval --cv`` and ``vpnfsm extract --explain`` through ``main(argv)``.

They use the project's own labeled files in ``tests/data`` (a fresh clone has no ``shared/``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from vpnfsm.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
HELDOUT = DATA / "extractor_heldout.jsonl"


def test_train_writes_then_checks_the_same_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w.json"
    assert main(["train", str(HELDOUT), "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "vpnfsm-linear/1"
    assert main(["train", str(HELDOUT), "--out", str(out), "--check"]) == 0
    out.write_bytes(out.read_bytes().replace(b"\n", b"\n\n", 1))
    assert main(["train", str(HELDOUT), "--out", str(out), "--check"]) == 1
    assert "DIFFERS" in capsys.readouterr().out


def test_eval_cv_prints_the_three_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--cv", "2", str(HELDOUT)]) == 0
    text = capsys.readouterr().out
    assert "2 grouped folds" in text
    header = next(line for line in text.splitlines() if line.startswith("field"))
    assert header.split()[1:] == ["rules", "model", "combined"]


def test_eval_cv_refuses_more_folds_than_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = tmp_path / "two.jsonl"
    small.write_text('{"text": "vpn down", "intent": "vpn"}\n{"text": "hi", "intent": "general"}\n', encoding="utf-8")
    assert main(["eval", "--cv", "5", str(small)]) == 2
    assert "source groups" in capsys.readouterr().err


def test_extract_explain_shows_rule_or_model_evidence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (
        '{"text": "anyconnect on win 11 says error 809"}\n'
        '{"text": "the vpn is so laggy today, calls keep freezing"}\n'
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["extract", "--explain"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["client"] == "anyconnect"
    assert all("span" in e for e in first["evidence"])
    assert second["intent_confidence"] >= 0.9  # a rule's cue: as sure as the rules are
    assert second["symptom"] == "slow"
    for item in first["evidence"] + second["evidence"]:
        if item["rule"] == "model":
            assert 0 < item["probability"] <= 1
            assert item["features"]
