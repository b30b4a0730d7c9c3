"""Every Python block in docs/hosts.md runs, as written, against a fake Slack on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.fake_slack import FakeSlackServer

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "hosts.md"


def _python_blocks() -> list[str]:
    blocks, current, inside = [], [], False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not inside and line.strip() == "```python":
            inside, current = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


BLOCKS = _python_blocks()


def test_the_doc_has_its_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_python_block_runs(number: int, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSlackServer() as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-docs-example")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "docs-example-signing-secret")
        exec(compile(BLOCKS[number], f"{DOC.name} block {number + 1}", "exec"), {"__name__": "docs_example"})
