"""Error codes by product shape, and never a version, port, year, address, time or count.

Shapes: Windows RAS (3 digits, "809"), IKE (5 digits, "13801"), FortiClient negatives
("-14", "-7200"), HRESULTs ("0x80070005") and any number introduced by "error"/"code".
A bare number counts only when it is a code with a documented meaning, or when the bot just
asked for the code. Numbers glued to versions ("5.1.4"), addresses ("192.168.1.10"), times
("10:30"), units ("98%", "10 minutes") or words like "port", "version", "Windows" never do.

The patterns are RE2 (linear time): the character a number must not touch on its left is
matched as part of the pattern (``(?:^|[^a-z])``, the number itself in a group), and what
must not follow it is checked on the text after the match (:func:`_clean_tail`).
"""

from __future__ import annotations

from vpnfsm._patterns import Scan, UserMatch, UserPattern, compile_user
from vpnfsm.nlp._vocab import Vocabulary, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["CodeMatcher", "implied_client"]

_NUMBER = r"(?:0x[0-9a-f]{4,8}|-?\d{1,10})"
# "error 809", "error code: 691", "code=13801", "err #720", "error number -14".
_CUED = compile_user(
    r"(?:^|[^a-z])(?P<cue>error|err|code|fehler|erreur|status)s?\b"
    r"(?:\s*(?:code|no\.?|number|num|#|id))?\s*(?:is|was|of|=|:|#|-\s|\()?\s*[:#(\[]?\s*"
    rf"(?P<num>{_NUMBER})",
    name="code:cued",
)
# What a cued number must not run into: more digits ("809.1", "12,345") or a unit or letter.
_CUED_TAIL = compile_user(r"[\w.,:/]?\d|[a-z%°]", name="code:cued-tail")
# "809 error", "(-14)" as FortiClient dialogs print it, "0x80070005" anywhere.
_AFTER = compile_user(rf"(?:^|[^\w.\-:/])(?P<num>{_NUMBER})\s+(?:error|err)\b", name="code:before-error")
_PARENS = compile_user(r"\((?P<num>-\d{1,5})\)", name="code:parenthesized")
_HEX = compile_user(r"(?:^|[^0-9a-z])(?P<num>0x[0-9a-f]{4,8})", name="code:hresult")
_HEX_TAIL = compile_user(r"[0-9a-z]", name="code:hresult-tail")
_BARE = compile_user(r"(?:^|[^\w.\-:/,#$€£+])(?P<num>-?\d{1,6})", name="code:bare")
_BARE_TAIL = compile_user(r"[\w%°]|[.,:/]\d", name="code:bare-tail")
# Words before a number that make it something else than a code.
_NOT_CODE_BEFORE = compile_user(
    r"\b(?:port|ports|version|ver|v|build|release|floor|room|ext|extension|windows|win|macos|os|ios|"
    r"android|ubuntu|fedora|debian|pixel|iphone|ipad|galaxy|since|year|in|every|for|about|after|"
    r"within|than|top|page|line|step|steps|option|ticket|incident|case|inc|req|kb|mb|gb|"
    r"update|patch|firmware|sonoma|chrome|office|outlook|mtu|vlan|id|pin|otp|passcode|code\s+is|"
    r"verification\s+code|authenticator\s+code|zip|area|phone|number|from|last|past|"
    r"over|under|around|approx|server|seconds|minutes|sso)"
    r"\s*[:#]?\s*$",
    name="code:not-code-before",
)
_NOT_CODE_AFTER = compile_user(
    r"\s*(?:%|percent|ms|s\b|sec|secs|seconds?|mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|"
    r"times|x\b|mb|gb|kb|tb|mbps|kbps|gbps|px|users?|people|am\b|pm\b|dpi|hz|ghz|mhz|°|degrees|"
    r"tries|attempts|retries|devices?|laptops?|machines?|pcs?|computers?|sites?|of\b|/\d|lts|"
    r"bit|bits|bytes?|inch|mm|cm|gb|ram|cores?|monitors?)",
    name="code:not-code-after",
)
# Cue words that do not introduce an error code ("verification code 123456").
_OTHER_CODE = compile_user(
    r"(?:verification|authenticator|auth|otp|one[- ]time|security|sms|mfa|2fa|zip|area|postal|pin|"
    r"exit|return|access|activation|qr|source|country|promo|discount|tracking|bar|status\s+page)\s*$",
    name="code:other-code",
)
# A phone number ("+49 170 1234567", "(415) 555-0132"): digit groups joined by spaces,
# dashes, dots or parentheses, with seven digits or more besides the group looked at. Its groups
# are not codes.
_PHONE = compile_user(r"\+?\(?\d{1,4}\)?(?:[ ./-]{1,2}\(?\d{2,8}\)?){1,5}", name="code:phone")
_PHONE_DIGITS = 7
_WINDOWS_CONTEXT = compile_user(
    r"\bwindows\b|\bwin\s?1[01]\b|\bw1[01]\b|\bras\b|\brasdial\b|\bbuilt[- ]?in\b|\bnative\b|\bikev2\b|"
    r"\bsstp\b|\bl2tp\b|\bpptp\b|\balways[- ]?on\b",
    name="code:windows-context",
)


# Gate keys (first four letters) of the cue words: no cue word, no cue scan.
_CUE_KEYS = frozenset({"erro", "err", "code", "fehl", "erre", "stat"})
# (pattern, what must not follow the number, rule id, a substring every match contains)
_SHAPES: tuple[tuple[UserPattern, UserPattern | None, str, str], ...] = (
    (_HEX, _HEX_TAIL, "code:hresult", "0x"),
    (_PARENS, None, "code:parenthesized", "(-"),
    (_AFTER, None, "code:before-error", "err"),
)
#: Matches of one shape rejected by their tail before the shape gives up on a message.
_MAX_REJECTED = 8
#: The digits an ASCII message can hold (a code has at least one).
_ASCII_DIGITS = frozenset("0123456789")
#: Numbers a message's bare-number scan looks at: a paste of a thousand numbers costs what a
#: paste of a few dozen does (the code a user means is among the first ones they type).
_MAX_BARE = 48


def _num_span(match: UserMatch, pattern: UserPattern) -> tuple[int, int]:
    group = pattern.groupindex["num"]
    return match.start(group), match.end(group)


def _clean_tail(scan: Scan, end: int, tail: UserPattern | None) -> bool:
    """Whether the number ending at ``end`` is not glued to what ``tail`` describes."""
    return tail is None or tail.match(scan, end) is None


def _not_code_after(folded: str, end: int) -> bool:
    """Whether a unit or count word follows the number ("5 minutes", "98%")."""
    # A unit is the next word: a short window keeps the check constant-time.
    return _NOT_CODE_AFTER.match(folded[end : end + 24]) is not None


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


def _in_phone_number(folded: str, start: int, end: int) -> bool:
    """Whether the number at ``start:end`` is one group of a phone number."""
    window_start = max(0, start - 24)
    window = folded[window_start : end + 24]  # a phone number is short: the check stays constant-time
    for match in _PHONE.finditer(window):
        if match.start() + window_start <= start and end <= match.end() + window_start:
            # Seven digits besides this number's own: "+44 7700 809" is a code after a cut-off number.
            digits = sum(char.isdigit() for char in (match.group() or "")) - (end - start)
            return digits >= _PHONE_DIGITS
    return False


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
        # Every code has a digit. For ASCII text (nearly every message) one C-level set test
        # says so; other text keeps the per-character test (str.isdigit knows every script).
        if _ASCII_DIGITS.isdisjoint(folded) if folded.isascii() else not any(c.isdigit() for c in folded):
            return None
        scan = msg.scan
        if not _CUE_KEYS.isdisjoint(msg.keys):
            hit = self._cued(scan)
            if hit is not None:
                return hit
        for pattern, tail, rule, marker in _SHAPES:
            if marker not in folded:
                continue  # a substring test is far cheaper than a regex scan
            for rejected, found in enumerate(pattern.finditer(scan)):
                if rejected >= _MAX_REJECTED:
                    break
                start, end = _num_span(found, pattern)
                if _clean_tail(scan, end, tail):
                    return self._hit(folded[start:end], rule, start, end, folded)
        return self._bare(scan, turn)

    def _cued(self, scan: Scan) -> Hit | None:
        folded = scan.text
        cue_group = _CUED.groupindex["cue"]
        for seen, match in enumerate(_CUED.finditer(scan)):
            if seen >= _MAX_BARE:
                break
            start = match.start(cue_group)
            num_start, num_end = _num_span(match, _CUED)
            if not _clean_tail(scan, num_end, _CUED_TAIL):
                continue  # "error 809.1", "code 5x": not a code
            if _OTHER_CODE.search(folded[max(0, start - 25) : start]):
                continue
            num = folded[num_start:num_end]
            if not num.startswith(("0x", "-")) and len(num) == 4 and num.startswith(("19", "20")):
                continue  # "error since 2024" style years
            if num.strip("-0") == "" or _not_code_after(folded, num_end):
                continue  # "error code 0" is success; "an error 5 minutes after" is a time
            return self._hit(num, "code:cued", num_start, num_end, folded)
        return None

    def _bare(self, scan: Scan, turn: Turn) -> Hit | None:
        folded = scan.text
        asked = turn.pending == "error_code"
        for seen, match in enumerate(_BARE.finditer(scan)):
            if seen >= _MAX_BARE:
                break
            start, end = _num_span(match, _BARE)
            if not _clean_tail(scan, end, _BARE_TAIL):
                continue
            num = folded[start:end]
            known = self._codes.get(num)
            negative = num.startswith("-")
            if not (asked or known or negative):
                continue
            if _NOT_CODE_BEFORE.search(folded[max(0, start - 25) : start]):
                continue
            if _not_code_after(folded, end) or _in_phone_number(folded, start, end):
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
