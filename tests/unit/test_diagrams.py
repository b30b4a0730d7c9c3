"""Diagrams are drawn from the declarations, and the committed ones are up to date."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vpnfsm.diagram import dot_digest, render, state_node_id, to_dot, to_mermaid, to_svg
from vpnfsm.dialogue.diagram import policy_mermaid
from vpnfsm.flows.registry import FLOWS

DIAGRAMS = Path(__file__).parent.parent.parent / "diagrams"
SVG = "{http://www.w3.org/2000/svg}"
REGENERATE = "regenerate: python -m vpnfsm diagram --format svg; python -m vpnfsm diagram --format mermaid"


def _node_ids(svg_text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg_text)
    return {g.get("id", ""): g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def test_diagrams_directory_holds_exactly_the_registered_flows_and_the_policy() -> None:
    expected = {f"{name}.{ext}" for name in FLOWS for ext in ("svg", "mmd")} | {"dialogue-policy.mmd"}
    assert {p.name for p in DIAGRAMS.iterdir()} == expected


def test_committed_policy_diagram_is_up_to_date() -> None:
    committed = (DIAGRAMS / "dialogue-policy.mmd").read_text(encoding="utf-8")
    assert committed == policy_mermaid(), REGENERATE


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_committed_mermaid_is_up_to_date(name: str) -> None:
    committed = (DIAGRAMS / f"{name}.mmd").read_text(encoding="utf-8")
    assert committed == to_mermaid(FLOWS[name]), REGENERATE


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_committed_svg_was_drawn_from_the_current_declaration(name: str) -> None:
    # Layout may differ between Graphviz versions; the DOT hash inside may not.
    committed = (DIAGRAMS / f"{name}.svg").read_text(encoding="utf-8")
    assert f"vpnfsm_dot_sha256={dot_digest(FLOWS[name])}" in committed, REGENERATE
    ids = _node_ids(committed)
    for state in FLOWS[name].state_names:
        assert state_node_id(state) in ids, state


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_svg_renders_with_state_ids_and_marked_terminals(name: str) -> None:
    spec = FLOWS[name]
    ids = _node_ids(to_svg(spec))
    for state in spec.states:
        node = ids[f"state-{state.name}"]
        outlines = [child for child in node if child.tag in (f"{SVG}path", f"{SVG}polygon")]
        # peripheries=2 draws a second outline around terminal states only.
        assert len(outlines) == (2 if state.terminal else 1), state.name


def test_dot_is_deterministic_and_labels_guards() -> None:
    spec = FLOWS["vpn"]
    dot = to_dot(spec)
    assert dot == to_dot(spec)
    assert "answer if failed, retry_left, has_steps" in dot
    assert 'id="state-VPN_HANDOFF"' in dot
    assert to_mermaid(spec).startswith("stateDiagram-v2\n")
    assert "    VPN_RESOLVED --> [*]" in to_mermaid(spec)


def test_png_renders() -> None:
    assert render(FLOWS["email"], "png").startswith(b"\x89PNG")


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown diagram format"):
        render(FLOWS["vpn"], "gif")  # type: ignore[arg-type]


def test_importing_the_package_does_not_import_graphviz() -> None:
    code = (
        "import sys, vpnfsm, vpnfsm.diagram, vpnfsm.verify, vpnfsm.flows.registry; "
        "assert 'graphviz' not in sys.modules, 'graphviz imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_flows_doc_shows_the_current_mermaid(name: str) -> None:
    doc = (DIAGRAMS.parent / "docs" / "flows.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{to_mermaid(FLOWS[name])}```" in doc


def test_readme_shows_the_current_vpn_diagram() -> None:
    readme = (DIAGRAMS.parent / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{to_mermaid(FLOWS['vpn'])}```" in readme
