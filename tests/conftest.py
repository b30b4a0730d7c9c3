"""Fixtures shared by every test directory.

``keyword_extractor``: a tiny deterministic stand-in for the rule-based
extractor, so handoff tests drive the real Assistant without depending on
how well the NLP reads free text (that has its own tests).
"""

from __future__ import annotations

import re

import pytest

from vpnfsm.nlp.model import Evidence, Extraction

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
                    evidence.append(
                        Evidence(field=slot, value=label, rule=f"kw:{word}", start=at, end=at + len(word))
                    )
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
