"""Ordinary mistakes at the command line: one line saying what to do, a non-zero exit, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vpnfsm.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_diagram_without_graphviz_says_which_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # what `import graphviz` meets without the extra
    assert main(["diagram", "--format", "svg", "-o", str(tmp_path)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "vpnfsm[diagrams]" in line
    assert "mermaid" in line  # the format that needs nothing


def test_bench_http_without_server_extra_says_which_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["bench", "--http", "--turns", "100"]) == 2
    captured = capsys.readouterr()
    assert "vpnfsm[server]" in _one_line(captured.err)
    assert captured.out == ""  # the core figures are not half-printed before the refusal


@pytest.mark.parametrize("value", ["abc", "10"])
def test_bad_max_body_bytes_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("VPNFSM_MAX_BODY_BYTES", value)
    assert main(["serve"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "VPNFSM_MAX_BODY_BYTES" in line
    assert value in line


def test_bad_flag_value_names_the_flag(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port" in _one_line(capsys.readouterr().err)


def test_missing_input_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["extract", str(tmp_path / "absent.jsonl")]) == 2
    assert "absent.jsonl" in _one_line(capsys.readouterr().err)


def test_eval_into_a_closed_pipe_is_one_line(tmp_path: Path) -> None:
    # `vpnfsm eval FILE | head`: the reader goes away before the report is written.
    labeled = tmp_path / "labeled.jsonl"
    row = {"text": "vpn wont connect on my mac", "context": None, "intent": "vpn", "os": "macos"}
    labeled.write_text("\n".join(json.dumps(row) for _ in range(50)) + "\n")
    read_end, write_end = os.pipe()
    os.close(read_end)  # no reader at all: the first write fails, deterministically
    try:
        done = subprocess.run(
            [sys.executable, "-m", "vpnfsm", "eval", str(labeled)],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.returncode != 0
    assert "output" in _one_line(done.stderr)
