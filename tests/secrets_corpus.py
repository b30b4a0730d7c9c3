"""The secrets corpus (tests/data/secrets/) and the haystack check shared by its tests.

A case is a short conversation: ``before`` messages set the context (say, the
bot asked about the password), ``messages`` carry the secret, and the driver
appends a request for a person so that every case ends in a handoff.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "secrets"

#: Sent after each case's messages: every conversation ends in a handoff.
HANDOFF_ASK = "vpn still not working, i need a human agent please"


@dataclass(frozen=True)
class SecretCase:
    """One phrasing of a secret: the messages to send and the literal that must vanish."""

    id: str
    kind: str
    lang: str
    before: tuple[str, ...]
    messages: tuple[str, ...]
    secret: str

    @property
    def conversation(self) -> tuple[str, ...]:
        """Everything the user sends, ending in a request for a person."""
        return (*self.before, *self.messages, HANDOFF_ASK)


@dataclass(frozen=True)
class FactCase:
    """A message with facts that must survive redaction verbatim."""

    id: str
    before: tuple[str, ...]
    messages: tuple[str, ...]
    keep: tuple[str, ...]

    @property
    def conversation(self) -> tuple[str, ...]:
        """Everything the user sends, ending in a request for a person."""
        return (*self.before, *self.messages, HANDOFF_ASK)


def secret_cases() -> list[SecretCase]:
    """Every secret phrasing in the corpus."""
    cases = []
    for line in (DATA / "secrets.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        cases.append(
            SecretCase(
                raw["id"], raw["kind"], raw["lang"], tuple(raw.get("before", ())), tuple(raw["messages"]), raw["secret"]
            )
        )
    return cases


def fact_cases() -> list[FactCase]:
    """Every fact case in the corpus."""
    cases = []
    for line in (DATA / "facts.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        cases.append(FactCase(raw["id"], tuple(raw.get("before", ())), tuple(raw["messages"]), tuple(raw["keep"])))
    return cases


def leaks(secret: str, haystacks: Mapping[str, str]) -> list[str]:
    """Where ``secret`` (also JSON-escaped) still appears."""
    forms = {secret, json.dumps(secret)[1:-1]}
    return [where for where, text in haystacks.items() if any(form in text for form in forms)]


def score_line(caught: int, secrets: int, kept: int, facts: int) -> str:
    """The figure the corpus tests print."""
    return f"secrets caught {caught}/{secrets}, facts kept {kept}/{facts}"
