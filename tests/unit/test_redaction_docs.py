"""The examples in docs/operations.md's redaction section run and show what redaction does."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_redaction_section_examples_run() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### What is redacted") : text.index("### Delivery guarantees")]
    test = doctest.DocTestParser().get_doctest(section, {}, "operations.md: What is redacted", str(DOC), 0)
    assert test.examples, "the section lost its examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0
