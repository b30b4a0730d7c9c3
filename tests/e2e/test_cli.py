"""The command line, driven through main(argv) as a user would."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from vpnfsm.cli import main


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(argv) == 0
    return capsys.readouterr().out


@pytest.mark.e2e
def test_chat_runs_a_whole_conversation_to_handoff(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = "VPN is not working\nWindows\nGlobalProtect\nit just won't connect\nerror 809\nno\nno\nhello\n"
    out = _run(monkeypatch, capsys, ["chat"], script)
    assert "[state VPN_ASK_OS" in out
    assert "[state VPN_CHECK_RESULT" in out
    assert "[state VPN_HANDOFF" in out
    assert "[handoff summary]" in out
    assert '"reason": "steps_failed"' in out


@pytest.mark.e2e
def test_chat_reports_input_errors_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(monkeypatch, capsys, ["chat"], "   \nVPN is not working\n/quit\n")
    assert "(message is empty)" in out
    assert "[state VPN_ASK_OS" in out


@pytest.mark.e2e
def test_extract_keeps_order_and_ignores_other_fields(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"text": "Windows", "context": "VPN_ASK_OS", "note": "ignored"},
        {"text": "FortiClient on my MacBook fails with -7200"},
        {"text": "hello"},
    ]
    out = _run(monkeypatch, capsys, ["extract"], "\n".join(json.dumps(x) for x in lines) + "\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [set(r) for r in rows] == [{"intent", "os", "client", "symptom", "error_code"}] * 3
    assert rows[0]["os"] == "windows"
    assert (rows[1]["client"], rows[1]["os"], rows[1]["error_code"]) == ("forticlient", "macos", "-7200")
    assert rows[2]["intent"] == "general"


@pytest.mark.e2e
def test_extract_rejects_a_bad_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["extract", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err
