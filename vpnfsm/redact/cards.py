"""Payment card numbers: 13-19 digits, plain or grouped, that pass the Luhn check (python-stdnum).

Grouping must be a card's (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4): a run of port
numbers or ids joined by spaces that happens to pass Luhn is not taken, and
neither is a number right after a reference cue ("serial", "build", ...).
"""

from __future__ import annotations

from collections.abc import Iterator

from stdnum import luhn

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import Scan
from vpnfsm.redact.facts import FACT_CUES

__all__ = ["find_cards"]

_CANDIDATE = compile_user(r"\d(?:[ -]?\d){12,18}", name="redact:cards:candidate")
_GROUPINGS = frozenset(
    {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 4), (4, 4, 4, 2), (4, 4, 4, 3)}
)


def _grouping_ok(value: str) -> bool:
    groups = tuple(len(part) for part in value.replace("-", " ").split(" "))
    return len(groups) == 1 or groups in _GROUPINGS


def find_cards(scan: Scan) -> Iterator[Finding]:
    """Every card number in ``scan.text``."""
    text = scan.text
    for match in scan.matches(_CANDIDATE):
        start, end = match.span()
        if (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-.")) or (
            end < len(text) and text[end].isalnum()
        ):
            continue
        value = text[start:end]
        digits = value.replace(" ", "").replace("-", "")
        if digits[0] not in "23456" or not _grouping_ok(value) or not luhn.is_valid(digits):
            continue
        if any(w in FACT_CUES for w in scan.words_before(start, 2)):
            continue
        yield Finding(start, end, "card_number")
