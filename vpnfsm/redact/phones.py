"""Phone numbers, validated by ``phonenumbers`` (Google's libphonenumber metadata).

An international number (``+49 170 1234567``) is taken when libphonenumber
says it is a possible number. A national number (``07700 900123``,
``(202) 555-0173``) is taken only after a phone word ("call", "mobile",
"phone", "Handy", "portable", "teléfono", "телефон", ...) and when it is
possible in one of the regions the supported languages are spoken in. Facts
(IP addresses, dates, versions) are never read as phone numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import MATCH_BUDGET, Scan

__all__ = ["SCANNED", "find_phones"]

_INTERNATIONAL = compile_user(r"\+\d{1,3}(?:[ ./-]?\(?\d{1,8}\)?){2,6}", name="redact:phones:international")
_NATIONAL = compile_user(r"\(?\d{2,5}\)?(?:[ ./-]?\d{1,5}){1,5}", name="redact:phones:national")
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_INTERNATIONAL, _NATIONAL)
# A national number's length rules differ little between these; three cover the rest well enough.
_REGIONS = ("US", "GB", "DE")
_PHONE_WORDS = (
    "call",
    "phone",
    "mobile",
    "cell",
    "tel",
    "telephone",
    "ring",
    "reach",
    "whatsapp",
    "signal",
    "sms",
    "text",
    "handy",
    "telefon",
    "rückruf",
    "anrufen",
    "portable",
    "téléphone",
    "appelle",
    "appelez",
    "teléfono",
    "telefono",
    "móvil",
    "movil",
    "llámame",
    "llamame",
    "cellulare",
    "telemóvel",
    "telemovel",
    "celular",
    "bel",
    "mobiel",
    "nummer",
    "numer",
    "komórka",
    "komorka",
    "телефон",
    "номер",
    "звоните",
    "позвоните",
)

#: Substrings every phone word contains one of (a phone word holding another is left out).
_PHONE_WORD_CORES = tuple(w for w in _PHONE_WORDS if not any(o != w and o in w for o in _PHONE_WORDS))
#: A national candidate has at least three characters (two digits and one more group).
_NATIONAL_MIN = 3

#: Words that make the digits after them a code even when a phone word is near.
_CODE_WORDS = ("code", "otp", "2fa", "mfa", "passcode", "verif", "authenti", "pin", "token")


def _judge(number: str) -> str:
    """"valid", "possible" or "no" for an international number."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "no"
    if phonenumbers.is_valid_number(parsed):
        return "valid"
    return "possible" if phonenumbers.is_possible_number(parsed) else "no"


def _possible(number: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


def _edges_ok(text: str, start: int, end: int) -> bool:
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".:-/_"):
        return False
    if end >= len(text):
        return True
    return not (text[end].isalnum() or (text[end] in ".:-/" and text[end + 1 : end + 2].isalnum()))


def _may_hold_national(scan: Scan) -> bool:
    """Whether reading national candidates may find a number or cut the text (else it is skipped).

    A national number is taken only after a word starting with a phone word; such a word,
    lower-cased, is a piece of the lower-cased text, so without any phone word in that no
    candidate is taken. The candidates must still be read when there may be more of them
    than the match budget allows: the budget cuts the text there.
    """
    if len(scan.text) >= _NATIONAL_MIN * (MATCH_BUDGET + 1):
        return True
    lowered = scan.text.lower()
    return any(map(lowered.__contains__, _PHONE_WORD_CORES))  # map: no generator frame per word


def find_phones(scan: Scan) -> Iterator[Finding]:
    """Every phone number in ``scan.text``."""
    text = scan.text
    for start, end in scan.spans(_INTERNATIONAL):
        # RE2 gives the longest run of groups; when it ran into the next word ("... 0000000
        # 0x80070005"), give back whole groups until the number ends at a word edge.
        while not _edges_ok(text, start, end):
            cut = max(text.rfind(" ", start, end), text.rfind("-", start, end), text.rfind(".", start, end))
            if cut <= start + 4:
                break
            end = cut
        if not _edges_ok(text, start, end) or scan.is_protected(start, end):
            continue
        if not scan.afford_validation(start, pool="international"):
            continue
        # A number run into the next one ("+49 170 1234567 809"): the longest form libphonenumber
        # calls valid wins (so "809" stays an error code); else the whole if it is possible.
        chosen = None
        candidate_end = end
        for _ in range(3):
            verdict = _judge(text[start:candidate_end])
            if verdict == "valid":
                chosen = candidate_end
                break
            if verdict == "possible" and chosen is None and candidate_end == end:
                chosen = end
            cut = max(text.rfind(" ", start, candidate_end), text.rfind("-", start, candidate_end))
            if cut <= start + 4:
                break
            candidate_end = cut
        if chosen is not None:
            yield Finding(start, chosen, "phone_number")
    if not _may_hold_national(scan):
        return
    for start, end in scan.spans(_NATIONAL):
        if end - start < 7:
            continue  # fewer than seven digits, however they are written ("809", "2.1")
        value = text[start:end]
        if sum(c.isdigit() for c in value) < 7 or not _edges_ok(text, start, end) or scan.is_protected(start, end):
            continue
        before = scan.words_before(start, 5)
        if not any(w.startswith(_PHONE_WORDS) for w in before) or any(w.startswith(_CODE_WORDS) for w in before):
            continue  # "the code on my phone is 482913 ...": a code, not a phone number
        if not scan.afford_validation(start, pool="national"):
            continue
        if any(_possible(value, region) for region in _REGIONS):
            yield Finding(start, end, "phone_number")
