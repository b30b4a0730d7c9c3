"""``vpnfsm verify`` and ``vpnfsm diagram`` as command modules (exit codes, output)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from types import ModuleType

import pytest

from vpnfsm.commands import diagram, verify
from vpnfsm.flows import registry
from vpnfsm.flows.vpn import CHECK_RESULT, VPN_FLOW


def _run(module: ModuleType, argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    code: int = module.run(parser.parse_args(argv))
    return code


def test_verify_proves_every_flow_and_prints_k(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(verify, []) == 0
    out = capsys.readouterr().out
    for name in registry.FLOWS:
        assert f"flow {name} (version {registry.FLOWS[name].version}): PROVED" in out
    assert "K = 37 user turns at most" in out
    assert out.count("(100%)") == len(registry.FLOWS)


def test_verify_fails_with_a_counterexample(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = {"trigger": "answer", "source": CHECK_RESULT, "dest": None}
    broken = dataclasses.replace(VPN_FLOW, transitions=(loop, *VPN_FLOW.transitions))
    monkeypatch.setattr(registry, "FLOWS", {"vpn": broken})
    assert _run(verify, ["--flow", "vpn"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert "unbounded:" in out
    assert "1. open" in out


def test_verify_unknown_flow_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(verify, ["--flow", "printer"]) == 2
    assert "unknown flow 'printer'" in capsys.readouterr().err


def test_diagram_writes_each_format(tmp_path: Path) -> None:
    for fmt, ext in (("svg", "svg"), ("mermaid", "mmd"), ("dot", "dot"), ("png", "png")):
        assert _run(diagram, ["--flow", "password", "--format", fmt, "-o", str(tmp_path)]) == 0
        assert (tmp_path / f"password.{ext}").stat().st_size > 0
