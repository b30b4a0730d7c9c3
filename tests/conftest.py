"""Fixtures shared by every test layer, and the ``--shared`` switch.

``tests/shared/`` holds the tests that read ``../shared`` (the corpus, the
taxonomy, Atlassian's published schemas). A fresh clone has no ``../shared``,
so the default run leaves that folder out; ``.ci/run`` runs it with
``python -m pytest --shared tests/shared``.

``keyword_extractor``: a tiny deterministic stand-in for the rule-based
extractor, so delivery tests drive the real Assistant without depending on
how well the NLP reads free text (that has its own tests).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vpnfsm.nlp.model import Evidence, Extraction

REPO = Path(__file__).resolve().parents[1]
#: ``shared/`` lies beside the CI checkout (and the developers'); a user's clone has none.
SHARED = REPO.parent / "shared"
#: The tests that need :data:`SHARED`; collected only with ``--shared``.
SHARED_TESTS = REPO / "tests" / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shared",
        action="store_true",
        default=False,
        help="also collect tests/shared, which reads ../shared beside the checkout (CI has it)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path == SHARED_TESTS and not config.getoption("--shared"):
        return True
    return None


def require_shared(*parts: str) -> Path:
    """A path inside ``../shared``; fails loudly (never skips) when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"--shared needs {path}: the project's shared/ folder lies beside the checkout in CI")
    return path


class FakeClock:
    """A settable clock for TTL and timestamp tests."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


_WORDS: dict[str, dict[str, str]] = {
    "os": {"windows": "windows", "macbook": "macos", "mac": "macos", "ubuntu": "linux"},
    "client": {"globalprotect": "globalprotect", "anyconnect": "anyconnect", "forticlient": "forticlient"},
    "symptom": {"connect": "cannot_connect", "dropping": "disconnects", "login failed": "auth_failure"},
}
_ERROR = re.compile(r"\berror\s+(-?\d{2,5}|0x[0-9a-f]{8})\b", re.IGNORECASE)


class KeywordExtractor:
    """Reads a handful of keywords; enough to walk the VPN flow to a handoff."""

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        lower = text.lower()
        found: dict[str, str] = {}
        evidence: list[Evidence] = []
        for slot, words in _WORDS.items():
            for word, label in words.items():
                at = lower.find(word)
                if at >= 0 and slot not in found:
                    found[slot] = label
                    evidence.append(Evidence(field=slot, value=label, rule=f"kw:{word}", start=at, end=at + len(word)))
        if match := _ERROR.search(text):
            found["error_code"] = match.group(1)
            evidence.append(
                Evidence(
                    field="error_code",
                    value=match.group(1),
                    rule="kw:error",
                    start=match.start(),
                    end=match.end(),
                )
            )
        vpn = "vpn" in lower or bool(found) or context is not None
        result = None
        if re.search(r"\b(no|nope|still)\b", lower):
            result = "failed"
        elif re.search(r"\b(yes|fixed)\b", lower):
            result = "worked"
        return Extraction(
            intent="vpn" if vpn else "general",
            os=found.get("os"),
            client=found.get("client"),
            symptom=found.get("symptom"),
            error_code=found.get("error_code"),
            human=bool(re.search(r"\b(human|person|agent)\b", lower)),
            dont_know="don't know" in lower or "no code" in lower,
            result=result,
            evidence=tuple(evidence),
        )


@pytest.fixture
def keyword_extractor() -> KeywordExtractor:
    return KeywordExtractor()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the secrets corpus score lines ("secrets caught N/N, facts kept M/M")."""
    from tests.secrets_corpus import REPORT_LINES

    for line in REPORT_LINES:
        terminalreporter.write_line(line)
