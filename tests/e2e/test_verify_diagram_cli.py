"""``vpnfsm verify`` and ``vpnfsm diagram`` through main(argv), as CI runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpnfsm.cli import main
from vpnfsm.flows.registry import FLOWS

DIAGRAMS = Path(__file__).parents[2] / "diagrams"


@pytest.mark.e2e
def test_verify_proves_all_flows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert out.count("(version ") == len(FLOWS)
    assert "FAILED" not in out
    # Per flow: the flow itself and its article scopes; then the dialogue policy once.
    assert out.count("): PROVED") == len(FLOWS)
    assert out.count("article scopes: PROVED") == len(FLOWS)
    assert "dialogue policy: PROVED" in out
    # K per flow from the exploration, and K per flow with the policy's budgets.
    assert out.count("K = ") == 2 * len(FLOWS)
    assert out.count("parked and resumed unchanged from") == len(FLOWS)


@pytest.mark.e2e
def test_diagram_regenerates_the_committed_mermaid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--format", "mermaid", "-o", str(tmp_path)]) == 0
    for name in FLOWS:
        assert (tmp_path / f"{name}.mmd").read_text(encoding="utf-8") == (DIAGRAMS / f"{name}.mmd").read_text(
            encoding="utf-8"
        )
    assert str(tmp_path / "vpn.mmd") in capsys.readouterr().out
