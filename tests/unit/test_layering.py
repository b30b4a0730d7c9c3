"""Imports go one way: the handoff layer builds from sessions and summaries, never from what sits above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "vpnfsm"

#: What sits above the handoff layer: the facades and the turn they run, the
#: stores, the command line, the HTTP service, the chat hosts, the test helpers.
ABOVE_HANDOFF = (
    "vpnfsm.assistant",
    "vpnfsm._turn",
    "vpnfsm.store",
    "vpnfsm.cli",
    "vpnfsm.commands",
    "vpnfsm.server",
    "vpnfsm.hosts",
    "vpnfsm.testing",
    "vpnfsm.benchmarks",
)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from vpnfsm import assistant` names a module too
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _above(module: str) -> bool:
    return module == "vpnfsm" or any(module == top or module.startswith(top + ".") for top in ABOVE_HANDOFF)


def test_handoff_imports_nothing_above_it() -> None:
    files = sorted((PACKAGE / "handoff").rglob("*.py"))
    assert len(files) >= 6
    offending = {
        f"{path.relative_to(PACKAGE)}: {module}" for path in files for module in _imports(path) if _above(module)
    }
    assert offending == set()


def test_the_check_sees_function_level_imports(tmp_path: Path) -> None:
    # The old preview imported the facade inside a function; the check must catch that shape.
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from vpnfsm.assistant import Assistant\n    return Assistant\n", encoding="utf-8")
    assert any(_above(module) for module in _imports(sample))
    sample.write_text("from vpnfsm import Assistant\n", encoding="utf-8")
    assert any(_above(module) for module in _imports(sample))
    sample.write_text("from vpnfsm.handoff.tags import tags_for\nimport vpnfsm.session\n", encoding="utf-8")
    assert not any(_above(module) for module in _imports(sample))
