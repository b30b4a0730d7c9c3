"""The README's command table lists every ``vpnfsm`` command (it once left out three)."""

from __future__ import annotations

import importlib
from pathlib import Path

from vpnfsm.cli import COMMANDS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_command_table_lists_every_command() -> None:
    section = README.read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = {
        line.split("`")[1].split()[1] for line in section.splitlines() if line.startswith("| `vpnfsm ")
    }
    names = {importlib.import_module(module).NAME for module in COMMANDS}
    assert listed == names
