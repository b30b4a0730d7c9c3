"""``vpnfsm chat`` as a person uses it: /help, /new, and the handoff summary shown once."""

from __future__ import annotations

import io

import pytest

from vpnfsm.cli import main

pytestmark = pytest.mark.e2e

TO_HANDOFF = "vpn not workin\nwindows 11\nglobalprotect\nit just wont connect\nerror 809\nno\nno\n"


def _chat(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["chat"]) == 0
    return capsys.readouterr().out


def test_chat_summary_is_printed_once_not_on_every_line_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _chat(monkeypatch, capsys, TO_HANDOFF + "hello??\nany update\nthx\n")
    assert out.count("[handoff summary]") == 1
    assert out.count('"reason": "steps_failed"') == 1


def test_chat_new_starts_a_fresh_conversation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _chat(monkeypatch, capsys, TO_HANDOFF + "/new\nmy vpn keeps dropping\n")
    after_new = out.split("you> /new", 1)[1]
    assert "new conversation" in after_new
    assert "[state VPN_ASK_OS" in after_new  # asked from the start again, no handoff state carried over
    assert "VPN_HANDOFF" not in after_new


def test_chat_help_lists_the_commands_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _chat(monkeypatch, capsys, "/help\nvpn broke\n")
    help_part, rest = out.split("you> vpn broke", 1)
    for command in ("/new", "/help", "/quit"):
        assert command in help_part
    assert "bot>" not in help_part  # /help is not a message to the assistant
    assert "[state VPN_ASK_OS" in rest
