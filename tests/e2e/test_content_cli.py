"""Content packs through the command line and the HTTP service.

``vpnfsm new-flow`` then ``vpnfsm verify --content`` on what it wrote, a
conversation to the new flow's handoff; the team pack in tests/data proved
by ``verify --content``, drawn by ``diagram --content``, talked to by
``chat --content`` and served over HTTP with ``VPNFSM_CONTENT``.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from httpkit import LiveServer, serve_in_thread

from vpnfsm import Assistant
from vpnfsm.cli import main
from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.e2e

PACK = Path(__file__).resolve().parents[1] / "data" / "packs" / "acme-it"


def test_new_flow_verifies_and_reaches_its_handoff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = tmp_path / "our-pack"
    assert main(["new-flow", "wifi", "--into", str(into)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["verify", "--content", str(into), "--flow", "wifi"]) == 0
    out = capsys.readouterr().out
    assert "flow wifi (version " in out
    assert "): PROVED" in out
    assert "article scopes: PROVED" in out
    bot = Assistant(content=into)
    first = bot.handle("hey the wifi in meeting room 2 is dead again")
    assert (first.flow, first.state) == ("wifi", "WIFI_CHECK_RESULT")
    second = bot.handle("nope", first.session_id)
    assert second.state == "WIFI_CHECK_RESULT"  # the second article
    last = bot.handle("still nothing", second.session_id)
    assert (last.state, last.outcome) == ("WIFI_HANDOFF", "handoff")
    assert last.handoff_summary is not None
    assert last.handoff_summary.reference in last.reply


def test_new_flow_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-flow", "wifi", "--into", str(tmp_path)]) == 0
    assert main(["new-flow", "wifi", "--into", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new-flow", "Wi Fi", "--into", str(tmp_path)]) == 2


def test_verify_proves_the_team_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--content", str(PACK)]) == 0
    out = capsys.readouterr().out
    assert out.count("(version ") == 4  # vpn, password, e-mail and the pack's printer
    assert "flow printer (version " in out
    assert "FAILED" not in out
    assert "tenant acme:  article scopes: PROVED" in out
    assert "tenant globex:  article scopes: PROVED" in out
    assert "dialogue policy: PROVED" in out


def test_a_broken_pack_is_one_message_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["new-flow", "wifi", "--into", str(tmp_path)])
    capsys.readouterr()
    flow = tmp_path / "flows" / "wifi.toml"
    flow.write_text(flow.read_text(encoding="utf-8").replace('"settle_pending"', '"settle_everything"'))
    assert main(["verify", "--content", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{flow.resolve()}:9: prepare: unregistered action 'settle_everything'" in err
    assert "Traceback" not in err


def test_diagram_draws_the_pack_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["diagram", "--content", str(PACK), "--flow", "printer", "--format", "mermaid", "-o", str(tmp_path)]) == 0
    )
    drawing = (tmp_path / "printer.mmd").read_text(encoding="utf-8")
    assert "PRN_ASK_CONNECTION" in drawing
    assert "PRN_HANDOFF" in drawing


def test_chat_runs_the_pack(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("printer keeps saying its offline\nusb\n"))
    assert main(["chat", "--content", str(PACK), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "shared on the office network, or plugged into your computer" in out
    assert "Unplug the USB cable" in out


def test_http_service_serves_the_pack_per_tenant(monkeypatch: pytest.MonkeyPatch, live: list[LiveServer]) -> None:
    monkeypatch.setenv("VPNFSM_CONTENT", str(PACK))
    keys = {"acme-key-0123456789abcdef": "acme", "globex-key-0123456789abcd": "globex"}
    server = serve_in_thread(create_app(Settings(api_keys=keys)))
    live.append(server)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        acme = {"X-API-Key": "acme-key-0123456789abcdef"}
        first = http.post("/api/chat", json={"message": "printer offline, cant print anything"}, headers=acme).json()
        assert (first["flow"], first["state"]) == ("printer", "PRN_ASK_CONNECTION")
        steps = http.post(
            "/api/chat", json={"session_id": first["session_id"], "message": "network one"}, headers=acme
        ).json()
        assert "https://it.acme.example/printers" in steps["reply"]
        globex = {"X-API-Key": "globex-key-0123456789abcd"}
        jam = http.post("/api/chat", json={"message": "paper jam AGAIN"}, headers=globex).json()
        assert "https://selfservice.globex.example/print-room" in jam["reply"]
