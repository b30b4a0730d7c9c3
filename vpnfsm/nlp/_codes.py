"""Error codes by product shape, and never a version, port, year, address, time or count.

Shapes: Windows RAS (3 digits, "809"), IKE (5 digits, "13801"), FortiClient negatives
("-14", "-7200"), HRESULTs ("0x80070005") and any number introduced by "error"/"code".
A bare number counts only when it is a code with a documented meaning, or when the bot just
asked for the code. Numbers glued to versions ("5.1.4"), addresses ("192.168.1.10"), times
("10:30"), units ("98%", "10 minutes") or words like "port", "version", "Windows" never do.
"""

from __future__ import annotations

import re

from vpnfsm.nlp._vocab import Vocabulary, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["CodeMatcher", "implied_client"]

_DIGIT = re.compile(r"\d")
_NUMBER = r"(?:0x[0-9a-f]{4,8}|-?\d{1,10})"
# "error 809", "error code: 691", "code=13801", "err #720", "error number -14".
_CUED = re.compile(
    r"(?<![a-z])(?P<cue>error|err|code|fehler|erreur|status)s?\b"
    r"(?:\s*(?:code|no\.?|number|num|#|id))?\s*(?:is|was|of|=|:|#|-(?=\s)|\()?\s*[:#(\[]?\s*"
    rf"(?P<num>{_NUMBER})(?![\w.,:/]?\d)(?![a-z%°])"
)
# "809 error", "(-14)" as FortiClient dialogs print it, "0x80070005" anywhere.
_AFTER = re.compile(rf"(?<![\w.\-:/])(?P<num>{_NUMBER})\s+(?:error|err)\b")
_PARENS = re.compile(r"\((?P<num>-\d{1,5})\)")
_HEX = re.compile(r"(?<![0-9a-z])(?P<num>0x[0-9a-f]{4,8})(?![0-9a-z])")
_BARE = re.compile(r"(?<![\w.\-:/,#$€£+])(?P<num>-?\d{1,6})(?![\w%°]|[.,:/]\d)")
# Words before a number that make it something else than a code.
_NOT_CODE_BEFORE = re.compile(
    r"\b(?:port|ports|version|ver|v|build|release|floor|room|ext|extension|windows|win|macos|os|ios|"
    r"android|ubuntu|fedora|debian|pixel|iphone|ipad|galaxy|since|year|in|every|for|about|after|"
    r"within|than|top|page|line|step|steps|option|ticket|incident|case|inc|req|kb|mb|gb|"
    r"update|patch|firmware|sonoma|chrome|office|outlook|mtu|vlan|id|pin|otp|passcode|code\s+is|"
    r"verification\s+code|authenticator\s+code|zip|area|phone|number|from|last|past|"
    r"over|under|around|approx|server|seconds|minutes|sso)"
    r"\s*[:#]?\s*$"
)
_NOT_CODE_AFTER = re.compile(
    r"\s*(?:%|percent|ms|s\b|sec|secs|seconds?|mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|"
    r"times|x\b|mb|gb|kb|tb|mbps|kbps|gbps|px|users?|people|am\b|pm\b|dpi|hz|ghz|mhz|°|degrees|"
    r"tries|attempts|retries|devices?|laptops?|machines?|pcs?|computers?|sites?|of\b|/\d|lts|"
    r"bit|bits|bytes?|inch|mm|cm|gb|ram|cores?|monitors?)"
)
# Cue words that do not introduce an error code ("verification code 123456").
_OTHER_CODE = re.compile(
    r"(?:verification|authenticator|auth|otp|one[- ]time|security|sms|mfa|2fa|zip|area|postal|pin|"
    r"exit|return|access|activation|qr|source|country|promo|discount|tracking|bar|status\s+page)\s*$"
)
_WINDOWS_CONTEXT = re.compile(
    r"\bwindows\b|\bwin\s?1[01]\b|\bw1[01]\b|\bras\b|\brasdial\b|\bbuilt[- ]?in\b|\bnative\b|\bikev2\b|"
    r"\bsstp\b|\bl2tp\b|\bpptp\b|\balways[- ]?on\b"
)


# Gate keys (first four letters) of the cue words: no cue word, no cue scan.
_CUE_KEYS = frozenset({"erro", "err", "code", "fehl", "erre", "stat"})
# (pattern, rule id, a substring every match contains)
_SHAPES = (
    (_HEX, "code:hresult", "0x"),
    (_PARENS, "code:parenthesized", "(-"),
    (_AFTER, "code:before-error", "err"),
)


def _normalize(raw: str) -> str:
    """Normalize a code as products show it: "0x" + upper-case hex digits, or the plain number."""
    if raw.startswith("0x"):
        return "0x" + raw[2:].upper()
    return raw


def implied_client(code: str, family: str | None, folded: str) -> str | None:
    """Return the client a code points to, conservatively.

    Windows RAS/IKE codes mean the built-in client only when the text speaks of Windows or a
    built-in profile; FortiClient's documented negative codes mean FortiClient.
    """
    if family in ("windows_ras", "windows_ike"):
        return "windows_builtin" if _WINDOWS_CONTEXT.search(folded) else None
    if family == "forticlient":
        return "forticlient"
    return None


class CodeMatcher:
    """Finds the error code and, from the code table, the symptom and client it implies."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        """Load the table of known codes from ``vocab``."""
        self._codes = (vocab or load_vocabulary()).codes

    def family(self, code: str) -> tuple[str, str] | None:
        """(family, symptom) for a documented code, else ``None``."""
        found = self._codes.get(code.lower())
        if found is None and code.isdigit() and len(code) == 3 and 600 <= int(code) <= 899:
            return ("windows_ras", "")
        return found

    def find(self, msg: Message, turn: Turn) -> Hit | None:
        """Return the first error code in the message (value normalized), or ``None``."""
        folded = msg.folded
        if not _DIGIT.search(folded):
            return None
        cued = _CUED.finditer(folded) if not _CUE_KEYS.isdisjoint(msg.keys) else ()
        for match in cued:
            start = match.start("cue")
            if _OTHER_CODE.search(folded, max(0, start - 25), start):
                continue
            num = match.group("num")
            if not num.startswith(("0x", "-")) and len(num) == 4 and num.startswith(("19", "20")):
                continue  # "error since 2024" style years
            if num.strip("-0") == "" or _NOT_CODE_AFTER.match(folded, match.end("num")):
                continue  # "error code 0" is success; "an error 5 minutes after" is a time
            return self._hit(num, "code:cued", match.start("num"), match.end("num"), folded)
        for pattern, rule, marker in _SHAPES:
            if marker not in folded:
                continue  # a substring test is far cheaper than a regex scan
            found = pattern.search(folded)
            if found:
                return self._hit(found.group("num"), rule, found.start("num"), found.end("num"), folded)
        return self._bare(folded, turn)

    def _bare(self, folded: str, turn: Turn) -> Hit | None:
        asked = turn.pending == "error_code"
        for match in _BARE.finditer(folded):
            num = match.group("num")
            start, end = match.span("num")
            known = self._codes.get(num)
            negative = num.startswith("-")
            if not (asked or known or negative):
                continue
            if _NOT_CODE_BEFORE.search(folded, max(0, start - 25), start):
                continue
            if _NOT_CODE_AFTER.match(folded, end):
                continue
            if negative and not (known or asked):
                continue
            rule = "code:answer" if asked and not known else "code:known"
            return self._hit(num, rule, start, end, folded)
        return None

    def _hit(self, raw: str, rule: str, start: int, end: int, folded: str) -> Hit:
        code = _normalize(raw)
        found = self.family(code)
        family, symptom = found if found else (None, "")
        hint = implied_client(code, family, folded)
        return Hit(code, rule, start, end, weight=2 if symptom else 0, hint=hint)

    def implied_symptom(self, code: str) -> str | None:
        """Return the symptom a documented code means, if any."""
        found = self.family(code)
        return found[1] or None if found else None
