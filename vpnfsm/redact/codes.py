"""One-time codes (SMS, authenticator, e-mail) and recovery / backup codes.

A one-time code is a group of 4-8 digits, possibly split ("482 913",
"827-361"), with a code word near it ("code", "passcode", "verification",
"2FA", "SMS", "text", "authenticator", "app", "phone", and their translations)
-- unless the word says it is an error code ("error code 13801", "code
d'erreur 809") or a reference cue stands right before the number ("ticket
number 4512873", "build 20240117"). Without a code word, a bare 6-8 digit
number is taken as a code (nothing a VPN shows has that shape: RAS codes have
3-4 digits, IKE codes 5, HRESULTs are hex or negative), and while the screen is
strict (the bot asked about sign-in or codes) any 4-8 digit group is.

Recovery codes follow a recovery cue ("recovery code", "backup codes",
"Wiederherstellungscode", BitLocker's "recovery key"), or have the shape of
one: three or more dash-joined groups of 4-5 letters and digits.
"""

from __future__ import annotations

from collections.abc import Iterator

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import Scan
from vpnfsm.redact.facts import FACT_CUES

__all__ = ["SCANNED", "find_codes", "find_recovery_codes"]

_SINGLE = compile_user(r"\d{4,8}", name="redact:codes:single")
_DIGITS = compile_user(r"\d{3}[ -]\d{3}|\d{2} \d{2} \d{2}|\d{4}[ -]\d{4}|\d{4,8}", name="redact:codes:digits")

#: A word starting with one of these is a code word.
_CODE_STEMS = (
    "code",
    "passcode",
    "otp",
    "totp",
    "2fa",
    "mfa",
    "sms",
    "verif",
    "authenti",
    "bestätig",
    "bestaetig",
    "sicherheitscode",
    "einmal",
    "códig",
    "codig",
    "codic",
    "kod",
    "код",
    "смс",
    "token",
    "pin",
)
#: Whole words that are code words.
_CODE_WORDS = frozenset({"app", "phone", "text", "texted", "msg", "message", "handy", "telefon", "portable"})
#: Code words that make a 4-5 digit number a code even when it is a known error code.
_ERROR_WORDS = frozenset(
    {
        "error",
        "err",
        "fehler",
        "erreur",
        "d'erreur",
        "d\u2019erreur",
        "errore",
        "errors",
        "exit",
        "status",
        "return",
        "event",
        "reason",
        "result",
        "response",
        "http",
        "ras",
        "ike",
        "błędu",
        "bledu",
        "ошибки",
    }
)
_COPULAS = frozenset({"is", "was", "=", "ist", "war", "est", "es", "era", "è", "é", "jest", "это", "to"})
_BOUNDARY_BEFORE = ".:/-+#_"
_BOUNDARY_AFTER = ".:/-_"


def _is_code_word(word: str) -> bool:
    return word in _CODE_WORDS or word.startswith(_CODE_STEMS)


def _has_code_cue(words: list[str]) -> bool:
    for index, word in enumerate(words):
        if not _is_code_word(word):
            continue
        neighbours = words[max(0, index - 1) : index] + words[index + 1 : index + 2]
        if word.startswith("code") and any(w in _ERROR_WORDS for w in neighbours):
            continue
        return True
    return False


def _edges_ok(text: str, start: int, end: int) -> bool:
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in _BOUNDARY_BEFORE):
        return False
    if end < len(text):
        after = text[end]
        if after.isalnum():
            return False
        if after in _BOUNDARY_AFTER and end + 1 < len(text) and text[end + 1].isalnum():
            return False
    return True


def find_codes(scan: Scan) -> Iterator[Finding]:
    """Every one-time code in ``scan.text``."""
    text = scan.text
    for start, end in scan.spans(_DIGITS):
        if not _edges_ok(text, start, end) and not text[start:end].isdigit():
            # "809 482913": the grouped match took the error code; the code is the digits after it.
            separator = next(i for i in range(start, end) if not text[i].isdigit())
            regroup = next(scan.spans_in(_SINGLE, separator + 1, min(len(text), end + 8)), None)
            if regroup is None:
                continue
            start, end = regroup
        if not _edges_ok(text, start, end) or scan.is_protected(start, end):
            continue
        value = text[start:end]
        grouped = not value.isdigit()
        before = scan.words_before(start, 6)
        # A code word belongs to the nearest number after it: "code ... 482913 ... error 13801".
        for index in range(len(before) - 1, -1, -1):
            if any(c.isdigit() for c in before[index]):
                before = before[index + 1 :]
                break
        if before and before[-1] in FACT_CUES:
            continue  # "ext 4521", "ticket 1234567": the word right before says what it is
        if len(before) >= 2 and before[-1].startswith("code") and before[-2] in _ERROR_WORDS:
            continue  # "error code 530032": an application's error code, however long
        if any(w in FACT_CUES for w in before[-3:]) and not any(_is_code_word(w) for w in before[-2:]):
            continue
        after = scan.words_after(end, 4)
        # "419283 is the code": a cue after the number counts only when the number is its subject.
        cued = _has_code_cue(before) or (bool(after) and after[0] in _COPULAS and _has_code_cue(after[1:]))
        if cued or scan.screen.strict_digits or (not grouped and len(value) >= 6):
            yield Finding(start, end, "one_time_code")


_RECOVERY_CUE = compile_user(
    r"(?:recovery|backup|scratch|restore|bitlocker|emergency|reserve)[ -]?(?:codes?|keys?)"
    r"|wiederherstellungs?(?:code|schlüssel|schluessel)s?|notfallcodes?|backup-?codes?"
    r"|codes? de (?:récupération|recuperation|secours)|cl[ée] de récupération"
    r"|c[óo]digos? de (?:recuperaci[óo]n|respaldo|recupera[çc][ãa]o|backup)|codici? di (?:recupero|backup)"
    r"|herstel(?:code|sleutel)s?|kody? (?:odzyskiwania|zapasowe?)|код\pL* восстановления|резервн\pL* код\pL*",
    name="redact:codes:recovery-cue",
    ignore_case=True,
)
_RECOVERY_VALUE = compile_user(
    r"[A-Za-z0-9]{3,10}(?:-[A-Za-z0-9]{3,10}){1,9}|\d{6,12}", name="redact:codes:recovery-value"
)
_RECOVERY_SHAPE = compile_user(r"[A-Za-z0-9]{4,5}(?:-[A-Za-z0-9]{4,5}){2,7}", name="redact:codes:recovery-shape")
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_DIGITS, _RECOVERY_CUE, _RECOVERY_SHAPE)


def find_recovery_codes(scan: Scan) -> Iterator[Finding]:
    """Recovery and backup codes: after a recovery cue, or by their dash-grouped shape."""
    text = scan.text
    for _, cue_end in scan.spans(_RECOVERY_CUE):
        window_end = min(len(text), cue_end + 240)
        for stop in ".!?\n":
            found = text.find(stop, cue_end, window_end)
            if found != -1 and not (stop == "." and found + 1 < len(text) and text[found + 1].isalnum()):
                window_end = found
        for start, end in scan.spans_in(_RECOVERY_VALUE, cue_end, window_end):
            if any(c.isdigit() for c in text[start:end]) and _edges_ok(text, start, end):
                yield Finding(start, end, "one_time_code")
    for start, end in scan.spans(_RECOVERY_SHAPE):
        token = text[start:end]
        groups = token.split("-")
        if (
            len({len(g) for g in groups}) == 1
            and any(c.isdigit() for c in token)
            and any(c.isalpha() for c in token)
            and _edges_ok(text, start, end)
            and not scan.is_protected(start, end)
        ):
            yield Finding(start, end, "secret")
