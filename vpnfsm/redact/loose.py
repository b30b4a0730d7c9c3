"""Password-like words without a cue, while the conversation is about signing in.

Taken only when the screen is strict (the bot asked about a password, sign-in,
codes or recovery) or the message itself talks about typing a password or a
failed sign-in ("I typed Qx8!pLm2 three times"). A word is password-like when
it has 8+ characters, a lower-case letter and at least three of lower case,
upper case, digits and signs -- and is not a fact (version, host, path, error
code: those are protected) or a technical term (``MS-CHAPv2``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import MATCH_BUDGET, Scan
from vpnfsm.redact._values import character_classes, looks_like_password

__all__ = ["SCANNED", "find_loose_passwords"]

_WORD_CHAR = r"[^\s\"'()<>\[\]{},;=]"
_WORD = compile_user(_WORD_CHAR + "{8,64}", name="redact:loose:word")
# ``_WORD``'s matches are the pieces of each run of word characters: 64 characters at a time
# from the run's start, a piece shorter than 8 not taken. A word of ASCII letters alone is never
# password-like, so only runs of 8 or more that hold another character need reading: this
# finds them whole. The first such character decides which alternative can match (it sits
# after exactly i letters), so the match starts at the run's start; the greedy tail takes the
# rest of the run.
_OTHER_CHAR = r"[^\s\"'()<>\[\]{},;=A-Za-z]"
_ODD_RUN = compile_user(
    "|".join(
        [f"[A-Za-z]{{7,}}{_OTHER_CHAR}{_WORD_CHAR}*"]
        + [f"[A-Za-z]{{{i}}}{_OTHER_CHAR}{_WORD_CHAR}{{{7 - i},}}" for i in range(6, -1, -1)]
    ),
    name="redact:loose:odd-run",
)
_PIECE = 64
_MIN_WORD = 8
_SIGN_IN_TALK = compile_user(
    r"(?i)\b(?:typed|type|entered|enter|tried|trying|log ?in|login|logon|sign(?:ed)? ?in|signin"
    r"|credentials|password|passwort|kennwort|eingegeben|getippt|versucht|anmeld\pL*|tapé|saisi|essayé"
    r"|connexion|escrib[íi]|ingres[ée]|prob[ée]|digitei|tentei|digitato|provato|ingetypt|geprobeerd"
    r"|wpisa[łl]\pL*|pr[óo]bowa[łl]\pL*|ввел\pL*|ввёл\pL*|пробовал\pL*|логин\pL*)\b",
    name="redact:loose:sign-in-talk",
)
_TRAILING = ".,:;"
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_WORD, _ODD_RUN, _SIGN_IN_TALK)


#: ASCII letters and digits (categories L and N): never an edge mark, known without a lookup.
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _is_edge_mark(char: str) -> bool:
    # Markdown and quoting around a word (**OpenVPN**, `NordLynx`, 「…」, a full-width comma):
    # the marks are not part of what the user typed as a word.
    if char in _ASCII_ALNUM:  # nearly every word ends in one
        return False
    return unicodedata.category(char)[0] in "PS" and char not in "!$%&+=?@^"


def _has_lower(word: str) -> bool:
    """Whether ``word`` has a lower-case letter (in ASCII: one that upper-casing changes)."""
    if word.isascii():
        return word != word.upper()
    return any(c.islower() for c in word)


def _candidates(scan: Scan) -> Iterator[tuple[int, int]]:
    """``_WORD``'s matches in order, less (mostly) those made of ASCII letters alone, which are never taken."""
    if not scan.encoded.ascii or len(scan.text) >= _MIN_WORD * (MATCH_BUDGET + 1):
        # Pieces are counted in characters, which RE2 and Python count alike only in ASCII; and a
        # text this long may hold more words than the match budget, whose cut must stay where it was.
        yield from scan.spans(_WORD)
        return
    for run_start, run_end in scan.spans(_ODD_RUN):
        for start in range(run_start, run_end - _MIN_WORD + 1, _PIECE):
            yield start, min(start + _PIECE, run_end)


def find_loose_passwords(scan: Scan) -> Iterator[Finding]:
    """Password-like words, when the screen is strict or the message is about signing in."""
    text = scan.text
    if scan.lacks(_WORD) or (not scan.screen.strict and not scan.occurs(_SIGN_IN_TALK)):
        return
    for start, end in _candidates(scan):
        while end > start and (text[end - 1] in _TRAILING or _is_edge_mark(text[end - 1])):
            end -= 1
        while start < end and _is_edge_mark(text[start]):
            start += 1
        word = text[start:end]
        # Letters alone use at most two classes (lower and upper case): prose, skipped cheaply.
        if len(word) < 8 or word.isalpha() or not _has_lower(word) or character_classes(word) < 3:
            continue
        if any(unicodedata.category(c) == "Lo" for c in word):
            continue  # a run of Chinese or Japanese text has no spaces: a sentence, not a word
        if not looks_like_password(word, min_length=8, min_classes=3) or scan.is_protected(start, end):
            continue
        if "." in word.strip(".") and all(part.isalnum() for part in word.split(".")):
            continue  # a file or host name: client.conf, FortiClient.exe
        yield Finding(start, end, "password")
