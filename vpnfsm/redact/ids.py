"""Bank accounts (IBAN) and national id numbers, validated by python-stdnum.

Self-identifying shapes are taken when their check digits are right: IBANs
(any country, grouped or not), US SSNs written ``123-45-6789``, UK National
Insurance numbers, Spanish DNI/NIE, Italian codici fiscali, Brazilian CPFs
written ``123.456.789-09``. Plain digit runs that could be anything (a Dutch
BSN, a Polish PESEL, a German Steuer-ID, a spaced SSN) are taken only after
their cue word, and then still validated where stdnum knows the number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from stdnum import iban
from stdnum.br import cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.pt import nif
from stdnum.ru import inn
from stdnum.us import ssn

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import Scan

__all__ = ["SCANNED", "find_ibans", "find_national_ids"]

_IBAN = compile_user(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", name="redact:ids:iban")

_NINO_BAD: frozenset[str] = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def _nino_ok(value: str) -> bool:
    return value.replace(" ", "")[:2] not in _NINO_BAD


# (name, pattern, validator): shapes that say what they are.
_SHAPED: tuple[tuple[str, str, Callable[[str], bool]], ...] = (
    ("ssn", r"\b\d{3}-\d{2}-\d{4}\b", ssn.is_valid),
    ("nino", r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", _nino_ok),
    ("dni", r"\b\d{8}[A-Za-z]\b", dni.is_valid),
    ("nie", r"\b[XYZxyz]\d{7}[A-Za-z]\b", nie.is_valid),
    ("codice-fiscale", r"\b[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]\b", codicefiscale.is_valid),
    ("cpf", r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b", cpf.is_valid),
)

_CUE = compile_user(
    r"(?i)\b(?:ssn|social security(?: number| no)?|ni number|national insurance(?: number| no)?|nino|bsn"
    r"|burgerservicenummer|sofinummer|pesel|steuer-?id|steuer-?identifikationsnummer|idnr|personalausweis"
    r"|nir|num[ée]ro de s[ée]curit[ée] sociale|dni|nie|nif|nie|codice fiscale|cpf|инн|снилс|passport(?: number| no)?"
    r"|reisepass|id number|id card)\b",
    name="redact:ids:cue",
)
_CUED_VALUE = compile_user(r"[A-Za-z]{0,2}[ -]?\d[\d .-]{6,16}\d[A-Za-z]?", name="redact:ids:cued-value")
_CUED_VALIDATORS: tuple[Callable[[str], bool], ...] = (
    ssn.is_valid,
    bsn.is_valid,
    pesel.is_valid,
    idnr.is_valid,
    nir.is_valid,
    nif.is_valid,
    inn.is_valid,
    dni.is_valid,
    cpf.is_valid,
)
_compiled_shaped = tuple((compile_user(p, name=f"redact:ids:{n}"), check) for n, p, check in _SHAPED)
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_IBAN, _CUE, *(pattern for pattern, _ in _compiled_shaped))


def find_ibans(scan: Scan) -> Iterator[Finding]:
    """Every valid IBAN in ``scan.text`` (the longest valid prefix of a grouped candidate)."""
    for start, end in scan.spans(_IBAN):
        value = scan.text[start:end]
        while value:
            if iban.is_valid(value):
                yield Finding(start, start + len(value), "bank_account")
                break
            cut = value.rfind(" ")
            if cut < 8:
                break
            value = value[:cut]


def _valid_any(value: str) -> bool:
    compact = value.replace(" ", "").replace("-", "").replace(".", "")
    for check in _CUED_VALIDATORS:
        try:
            if check(compact):
                return True
        except Exception:
            continue
    return False


def find_national_ids(scan: Scan) -> Iterator[Finding]:
    """Every national id number in ``scan.text``: by validated shape, or validated after a cue."""
    text = scan.text
    for pattern, check in _compiled_shaped:
        for start, end in scan.spans(pattern):
            if check(text[start:end]):
                yield Finding(start, end, "id_number")
    for _, cue_end in scan.spans(_CUE):
        window_end = min(len(text), cue_end + 40)
        for start, end in scan.spans_in(_CUED_VALUE, cue_end, window_end):
            while start < end and text[start] in " -":
                start += 1
            # A National Insurance number's last letter may stand apart: "QQ 12 34 56 C".
            lone_letter = text[end + 1 : end + 2].isalpha() and not text[end + 2 : end + 3].isalnum()
            if text[end : end + 1] == " " and lone_letter:
                end += 2
            for offset in _starts(text[start:end]):
                raw = text[start + offset : end].rstrip()
                if _valid_any(raw) or _nino_like(raw):
                    yield Finding(start + offset, start + offset + len(raw), "id_number")
                    break
            break


def _starts(value: str) -> tuple[int, ...]:
    """Where the number may begin: a short word glued in front ("is 111222333") is tried without."""
    space = value.find(" ")
    return (0, space + 1) if 0 < space <= 2 and value[:space].isalpha() else (0,)


def _nino_like(value: str) -> bool:
    compact = value.replace(" ", "")
    return len(compact) == 9 and compact[:2].isalpha() and compact[2:8].isdigit() and compact[8].isalpha()
