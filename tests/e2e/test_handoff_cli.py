"""``vpnfsm handoff`` and ``vpnfsm deliver`` as a user runs them (real rule extractor)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from vpnfsm.cli import main
from vpnfsm.examples import EXAMPLE_TENANTS

pytestmark = pytest.mark.e2e

ESCALATES = [
    "GlobalProtect on my Windows laptop can't connect, error 809",
    "no, still broken",
    "nope, same thing",
]
TENANT = ["--tenant", str(EXAMPLE_TENANTS)]


def test_handoff_prints_summary_tags_and_v3_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(ESCALATES) + "\n", encoding="utf-8")
    assert main(["handoff", *TENANT, "--tenant-id", "acme", "--api", "3", str(transcript)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"summary", "tags", "jira"}
    assert out["summary"]["tenant"] == "acme"
    assert "error:809" in out["tags"]
    assert "client:globalprotect" in out["tags"]
    fields = out["jira"]["fields"]
    assert fields["project"] == {"key": "ITS"}
    assert fields["description"]["type"] == "doc"
    assert fields["customfield_10050"] == {"value": "Palo Alto GP"}


def test_handoff_reads_stdin_and_formats_v2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join([*ESCALATES[:1], "", *ESCALATES[1:]])))
    assert main(["handoff", *TENANT, "--tenant-id", "globex", "--api", "2"]) == 0
    fields = json.loads(capsys.readouterr().out)["jira"]["fields"]
    assert fields["project"] == {"key": "NETOPS"}
    assert isinstance(fields["description"], str)
    assert "{code}" in fields["description"]


def test_transcript_without_handoff_says_where_it_ended(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "t.txt"
    transcript.write_text("my vpn keeps dropping\n", encoding="utf-8")
    assert main(["handoff", *TENANT, "--tenant-id", "acme", str(transcript)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "after line 1 the conversation is in state VPN_ASK_OS" in captured.err


def test_unknown_tenant_id_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(ESCALATES), encoding="utf-8")
    assert main(["handoff", *TENANT, "--tenant-id", "initech", str(transcript)]) == 2
    assert "unknown tenant 'initech' (known: acme, default, globex)" in capsys.readouterr().err


def test_bad_tenant_file_is_reported_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "tenants.toml"
    bad.write_text('version = 1\n[tenants.x]\nproject = "it"\nissue_type = "Task"\n', encoding="utf-8")
    assert main(["handoff", "--tenant", str(bad), "--tenant-id", "x"]) == 2
    assert f"{bad}:3: tenants.x.project" in capsys.readouterr().err


def test_deliver_without_redis_explains_the_host_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["deliver", *TENANT, "--jira-url", "http://127.0.0.1:9", "--once"]) == 2
    assert "deliver_pending" in capsys.readouterr().err
