"""``vpnfsm deliver``'s configuration: tokens from Docker-secret files, one-line refusals."""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

import pytest

from vpnfsm.cli import main
from vpnfsm.commands import deliver
from vpnfsm.examples import EXAMPLE_TENANTS


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    deliver.add_arguments(parser)
    return parser.parse_args(["--tenant", str(EXAMPLE_TENANTS), *argv])


def test_jira_token_is_read_from_a_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    token = tmp_path / "jira-api-token"
    token.write_text("tok-from-the-file\n")
    monkeypatch.delenv("JIRA_API_TOKEN", raising=False)
    monkeypatch.setenv("JIRA_API_TOKEN_FILE", str(token))
    auth = deliver._auth(_args("--jira-url", "https://jira.example", "--email", "bot@example.com"))
    assert auth.header() == "Basic " + base64.b64encode(b"bot@example.com:tok-from-the-file").decode()
    assert "tok-from-the-file" not in repr(auth)


def test_unreadable_token_file_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JIRA_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("JIRA_BEARER_TOKEN_FILE", str(tmp_path / "absent"))
    with pytest.raises(SystemExit, match="cannot read JIRA_BEARER_TOKEN_FILE"):
        deliver._auth(_args("--jira-url", "https://jira.example", "--auth", "bearer"))


def test_no_jira_url_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("VPNFSM_JIRA_URL", raising=False)
    assert main(["deliver", "--tenant", str(EXAMPLE_TENANTS), "--once"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--jira-url" in err
