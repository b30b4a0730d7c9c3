"""``vpnfsm handoff`` and ``vpnfsm deliver`` as a user runs them (real rule extractor)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from vpnfsm import InputError, TenantError
from vpnfsm.commands import deliver, handoff
from vpnfsm.examples import EXAMPLE_TENANTS

pytestmark = pytest.mark.e2e

ESCALATES = [
    "GlobalProtect on my Windows laptop can't connect, error 809",
    "no, still broken",
    "nope, same thing",
]


def _run(module: ModuleType, argv: list[str]) -> int:
    # The command's own parser and run(), exactly as vpnfsm.cli wires them.
    parser = argparse.ArgumentParser(prog=f"vpnfsm {module.NAME}")
    module.add_arguments(parser)
    code: int = module.run(parser.parse_args(argv))
    return code


def test_handoff_prints_summary_tags_and_v3_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(ESCALATES) + "\n", encoding="utf-8")
    code = _run(
        handoff, ["--tenant", str(EXAMPLE_TENANTS), "--tenant-id", "acme", "--api", "3", str(transcript)]
    )
    assert code == 0
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
    assert _run(handoff, ["--tenant", str(EXAMPLE_TENANTS), "--tenant-id", "globex", "--api", "2"]) == 0
    fields = json.loads(capsys.readouterr().out)["jira"]["fields"]
    assert fields["project"] == {"key": "NETOPS"}
    assert isinstance(fields["description"], str)
    assert "{code}" in fields["description"]


def test_transcript_without_handoff_says_where_it_ended(tmp_path: Path) -> None:
    transcript = tmp_path / "t.txt"
    transcript.write_text("my vpn keeps dropping\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"after line 1 the conversation is in state VPN_ASK_OS") as caught:
        _run(handoff, ["--tenant", str(EXAMPLE_TENANTS), "--tenant-id", "acme", str(transcript)])
    assert caught.value.reason == "no_handoff"


def test_unknown_tenant_id_is_a_tenant_error(tmp_path: Path) -> None:
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(ESCALATES), encoding="utf-8")
    with pytest.raises(TenantError, match="unknown tenant 'initech'"):
        _run(handoff, ["--tenant", str(EXAMPLE_TENANTS), "--tenant-id", "initech", str(transcript)])


def test_deliver_without_redis_explains_the_host_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    code = _run(deliver, ["--tenant", str(EXAMPLE_TENANTS), "--jira-url", "http://127.0.0.1:9", "--once"])
    assert code == 2
    assert "deliver_pending" in capsys.readouterr().err
