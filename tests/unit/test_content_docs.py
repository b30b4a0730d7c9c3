"""docs/content.md runs as written, in order, in an empty directory.

``console`` blocks: each ``$ vpnfsm ...`` line is run through ``main(argv)``;
the lines after it must appear in its output in that order (``...`` skips
any number of lines; ``[exit N]`` is the expected exit code, else 0).
``toml`` blocks whose first line is ``# <path>`` write that file (``(append)``
adds to it). ``python`` blocks are executed.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vpnfsm.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "content.md"
BLOCKS = re.findall(r"```(console|toml|python)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def _run_console(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    for chunk in block.split("$ ")[1:]:
        command, *expected = chunk.rstrip("\n").split("\n")
        code = 0
        if expected and expected[-1].startswith("[exit "):
            code = int(expected.pop()[len("[exit ") : -1])
        argv = shlex.split(command)
        assert argv[0] == "vpnfsm"
        assert main(argv[1:]) == code, command
        captured = capsys.readouterr()
        lines = [line.rstrip() for line in (captured.out + captured.err).splitlines()]
        position = 0
        skipping = False
        for want in expected:
            if want == "...":
                skipping = True
                continue
            if skipping:
                while position < len(lines) and lines[position] != want:
                    position += 1
            assert position < len(lines), f"{command}: missing line {want!r} in\n" + "\n".join(lines)
            assert lines[position] == want, f"{command}: expected {want!r}, got {lines[position]!r}"
            position += 1
            skipping = False


def _write_toml(block: str) -> None:
    first, _, body = block.partition("\n")
    if not first.startswith("# our-pack/"):
        return  # a fragment shown for reading
    target, append = first[2:].removesuffix(" (append)"), first.endswith("(append)")
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if append else "w", encoding="utf-8") as out:
        out.write(body)


def test_the_tutorial_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VPNFSM_CONTENT", raising=False)
    kinds = [kind for kind, _ in BLOCKS]
    assert kinds.count("console") >= 3
    assert "python" in kinds
    for kind, block in BLOCKS:
        if kind == "console":
            _run_console(block, capsys)
        elif kind == "toml":
            _write_toml(block)
        else:
            exec(compile(block, str(DOC), "exec"), {})
