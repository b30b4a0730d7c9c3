"""Every Python example in README.md and docs/*.md runs (issue: docs drift).

Examples that need a host's credentials or a server run in their own tests, named here, so
no file is left unchecked. A standalone Redis client built from a URL connects on first use,
so building one in an example costs no traffic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Files whose examples run in a test of their own (fake Slack/Teams APIs, doctests, a server).
OWN_TESTS = {
    "hosts.md": "tests/e2e/test_docs_hosts.py",
    "dialogue.md": "tests/unit/test_dialogue_docs.py",
    "operations.md": "tests/unit/test_redaction_docs.py",
    "content.md": "tests/unit/test_content_docs.py",  # a tutorial: its blocks run in order
}
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _examples() -> list[object]:
    found = []
    for path in FILES:
        if path.name in OWN_TESTS:
            continue
        text = path.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append(pytest.param(match.group(1), id=f"{path.name}:{line}"))
    return found


@pytest.mark.parametrize("code", _examples())
def test_example_runs(code: str) -> None:
    exec(compile(code, "<docs example>", "exec"), {"__name__": "__docs__"})


def test_files_with_their_own_example_tests_have_them() -> None:
    for name, test in OWN_TESTS.items():
        assert (ROOT / "docs" / name).exists(), name
        assert (ROOT / test).exists(), test


def test_there_are_examples_to_run() -> None:
    assert len(_examples()) >= 3
