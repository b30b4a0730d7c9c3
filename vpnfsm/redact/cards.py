"""Payment card numbers: 13-19 digits, plain or grouped, that pass the Luhn check (python-stdnum).

Grouping must be a card's (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4): a run of port
numbers or ids joined by spaces that happens to pass Luhn is not taken, and
neither is a number right after a reference cue ("serial", "IMEI", "order", ...).
"""

from __future__ import annotations

from collections.abc import Iterator

from stdnum import luhn

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import Scan

__all__ = ["SCANNED", "find_cards"]

#: Words right before a long number that make it something else (a SIM's ICCID, a device IMEI, ...).
_NOT_A_CARD = frozenset(
    {"serial", "sn", "s/n", "build", "ticket", "order", "invoice", "case", "id", "imei", "iccid", "tracking", "asset"}
)

#: Digit groups one candidate may have (a card has at most 5; a few neighbours may run into it).
_MAX_GROUPS = 8

_CANDIDATE = compile_user(r"\d(?:[ -]?\d){12,}", name="redact:cards:candidate")
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_CANDIDATE,)
_GROUPINGS = frozenset(
    {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 4), (4, 4, 4, 2), (4, 4, 4, 3)}
)


def _grouping_ok(value: str) -> bool:
    groups = tuple(len(part) for part in value.replace("-", " ").split(" "))
    return len(groups) == 1 or groups in _GROUPINGS


def find_cards(scan: Scan) -> Iterator[Finding]:
    """Every card number in ``scan.text``."""
    text = scan.text
    for start, end in scan.spans(_CANDIDATE):
        for run_start, run_end in _runs(text, start, end):
            if (run_start > 0 and (text[run_start - 1].isalnum() or text[run_start - 1] in "-.")) or (
                run_end < len(text) and text[run_end].isalnum()
            ):
                continue
            value = text[run_start:run_end]
            digits = value.replace(" ", "").replace("-", "")
            if digits[0] not in "23456" or not _grouping_ok(value) or not luhn.is_valid(digits):
                continue
            if any(w in _NOT_A_CARD for w in scan.words_before(run_start, 1)):
                continue
            head_end = text.rfind(" ", run_start, run_end)
            if len(digits) == 19 and head_end > run_start and luhn.is_valid(digits[:16]):
                # "4111 1111 1111 1111 809": a 16-digit card and the error code typed after it
                # (one 19-digit number in ten passes Luhn by chance; the common card is 16).
                run_end = head_end
            yield Finding(run_start, run_end, "card_number")
            break


def _runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Runs of a candidate's digit groups that could be a card (13-19 digits, at most 5 groups), longest first.

    "error 809 4111 1111 1111 1111" is one candidate of 19 digits; the card is
    the run of its last four groups. At most five groups per run keeps this
    linear in the candidate's length.
    """
    bounds: list[tuple[int, int]] = []
    group_start = start
    for i in range(start, end + 1):
        if i == end or text[i] in " -":
            bounds.append((group_start, i))
            group_start = i + 1
            if len(bounds) > _MAX_GROUPS:
                return []  # a table of numbers, not a card number standing in a sentence
    runs: list[tuple[int, int]] = []
    for first in range(len(bounds)):
        digits = 0
        for last in range(first, min(first + 5, len(bounds))):
            digits += bounds[last][1] - bounds[last][0]
            if digits > 19:
                break
            if digits >= 13:
                runs.append((bounds[first][0], bounds[last][1]))
    runs.sort(key=lambda r: (r[0] - r[1], r[0]))
    return runs
