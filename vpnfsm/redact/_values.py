"""Reading the value that follows a cue: fillers, copulas, quotes, and what a password looks like.

Shared by the password, secret and token detectors. Every loop here walks at
most a fixed number of words after one cue, so the cost per cue is bounded
and the whole scan stays linear in the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnfsm.redact._words import CLAUSE_ENDS, COPULAS, FILLERS, NOT_A_VALUE, WEAK_COPULAS
from vpnfsm.redact.facts import TECHNICAL_WORDS

__all__ = ["AfterCue", "character_classes", "looks_like_password", "read_value"]

#: Words looked at after a cue before giving up.
_MAX_WORDS = 7
_QUOTES = {'"': '"', "'": "'", "“": "”", "«": "»", "„": "“", "`": "`"}
_TRAILING = ".,;:)]}>"
#: Plain words after a one-word value that may continue it as a passphrase.
_PLAIN_MORE = 5
#: Small words that never belong to a plain-word passphrase (the sentence goes on).
_FUNCTION_WORDS = frozenset(
    {
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "without",
        "of",
        "by",
        "to",
        "into",
        "via",
        "is",
        "was",
        "are",
        "be",
        "been",
        "it",
        "its",
        "it's",
        "i",
        "my",
        "me",
        "you",
        "the",
        "a",
        "an",
        "this",
        "that",
        "not",
        "no",
        "doesnt",
        "doesn't",
        "dont",
        "don't",
        "isnt",
        "isn't",
        "wont",
        "won't",
        "cant",
        "can't",
        "but",
        "and",
        "or",
        "so",
        "if",
        "because",
        "when",
        "then",
        "now",
        "still",
        "again",
        "please",
        "pls",
        "thanks",
        "anyway",
        "right",
        "wrong",
        "expired",
        "locked",
        "invalid",
        "incorrect",
        "vpn",
        "account",
        "also",
    }
)
#: Words that end a plain-word passphrase: what the rest of a support message talks about.
_NOT_PASSPHRASE = frozenset(
    {
        "windows",
        "mac",
        "macos",
        "linux",
        "ubuntu",
        "iphone",
        "ipad",
        "android",
        "outlook",
        "teams",
        "anyconnect",
        "globalprotect",
        "forticlient",
        "openvpn",
        "wireguard",
        "since",
        "yesterday",
        "today",
        "anymore",
        "says",
        "said",
        "shows",
        "gives",
        "error",
        "login",
        "portal",
        "laptop",
        "phone",
        "work",
        "works",
        "worked",
        "office",
        "home",
        "time",
        "times",
        "twice",
        "once",
        "week",
        "month",
        "morning",
        "ago",
        "last",
        "three",
        "two",
        "four",
        "five",
        "many",
        "several",
        "tried",
        "typed",
        "entered",
    }
)
_LEADING = "([{<"


@dataclass(frozen=True, slots=True)
class AfterCue:
    """What follows a cue: a value span, or that the text ended right after the cue.

    ``at_end`` is true when only fillers and copulas came before the end of
    the text (the user will send the value next); ``announced`` whether a
    copula was among them.
    """

    span: tuple[int, int] | None
    at_end: bool = False
    announced: bool = False


def character_classes(word: str) -> int:
    """How many of lower case, upper case, digits and other signs ``word`` uses."""
    lower = any(c.islower() for c in word)
    upper = any(c.isupper() for c in word)
    digit = any(c.isdigit() for c in word)
    other = any(not c.isalnum() for c in word)
    return lower + upper + digit + other


def looks_like_password(word: str, *, min_length: int = 6, min_classes: int = 2) -> bool:
    """Whether ``word`` has the shape of a password: long enough, mixed, not a technical term."""
    if len(word) < min_length or word.lower() in TECHNICAL_WORDS or word.lower() in NOT_A_VALUE:
        return False
    if "://" in word or word.startswith(("/", "\\", "[")):
        return False
    if "@" in word and "." in word.split("@", 1)[1]:
        return False  # an e-mail address, which has its own kind
    has_letter = any(c.isalpha() for c in word)
    has_other = any(c.isdigit() or not c.isalnum() for c in word)
    return has_letter and has_other and character_classes(word) >= min_classes


def _skip_space(text: str, i: int, end: int) -> int:
    while i < end and text[i] in " \t\r":
        i += 1
    return i


def read_value(
    text: str,
    pos: int,
    *,
    announced: bool = False,
    words: int = 1,
    need_shape: bool = False,
    stop_at_newline: bool = True,
) -> AfterCue:
    """The value after a cue that ends at ``pos``.

    Args:
        text: the message.
        pos: where the cue ends.
        announced: a copula was already seen (the previous line ended in a cue).
        words: how many words a value may have (a passphrase, a secret answer).
        need_shape: the value must look like a password even after a copula.
        stop_at_newline: a line break ends the search (pasted config: one pair a line).

    """
    limit = min(len(text), pos + 400)
    i = pos
    weak = False
    for _ in range(_MAX_WORDS + 2):
        i = _skip_space(text, i, limit)
        if i >= limit or (text[i] == "\n" and stop_at_newline):
            tail_blank = not text[i:limit].strip() and limit == len(text)
            return AfterCue(None, at_end=tail_blank, announced=announced)
        if text[i] == "\n":
            i += 1
            continue
        char = text[i]
        if char in _QUOTES and i == pos and char in "\"'":
            i += 1  # the quote closing a JSON key the cue was in: "password": "X"
            continue
        if char in _QUOTES:
            close = text.find(_QUOTES[char], i + 1, min(limit, i + 200))
            if close > i + 1 and "\n" not in text[i + 1 : close]:
                return AfterCue((i + 1, close), announced=True)
            i += 1
            continue
        if char in ":=" or (char in "-\u2013\u2014," and (i + 1 >= limit or text[i + 1].isspace())):
            announced = True
            weak = char in "-\u2013\u2014,"
            i += 1
            if text.startswith(">", i):  # "=>"
                i += 1
            continue
        token_end = i
        while token_end < limit and not text[token_end].isspace():
            token_end += 1
        token = text[i:token_end]
        if token.startswith("-"):  # "pass-through": the cue was half of a compound word
            return AfterCue(None)
        core_start, core_end = i, token_end
        while core_end > core_start and text[core_end - 1] in _TRAILING:
            core_end -= 1
        while core_start < core_end and text[core_start] in _LEADING:
            core_start += 1
        core = text[core_start:core_end]
        low = core.lower()
        ends_with_colon = token.endswith((":", "="))
        if low in COPULAS or (ends_with_colon and low.rstrip(":=") in COPULAS):
            announced = True
            weak = low in WEAK_COPULAS
            i = token_end
            continue
        if low in FILLERS:
            i = token_end
            if ends_with_colon:
                announced, weak = True, False
            continue
        if not core or low in NOT_A_VALUE:
            return AfterCue(None)
        if (need_shape or weak or not announced) and not looks_like_password(core):
            return AfterCue(None)
        end = core_end
        if words > 1:
            end = _extend(text, core_end, limit, words - 1)
        elif announced and not weak and core.isalpha() and core.islower():
            # "my password is blue ocean window lamp": a plain word after a real copula may be
            # the first of a passphrase; following plain words belong to it.
            end = _extend(text, core_end, limit, _PLAIN_MORE, plain=True)
        return AfterCue((core_start, end), announced=announced)
    return AfterCue(None)


def _extend(text: str, end: int, limit: int, more: int, *, plain: bool = False) -> int:
    """Extend a multi-word value over up to ``more`` words, stopping at a clause end.

    ``plain``: only lower-case words that are not fillers, stop words or
    product names count (a passphrase of plain words, not the rest of the sentence).
    """
    if end < limit and text[end] in ".,;!?\n":
        return end
    i = end
    for _ in range(more):
        j = _skip_space(text, i, limit)
        if j >= limit or text[j] in "\n":
            break
        k = j
        while k < limit and not text[k].isspace():
            k += 1
        word = text[j:k]
        core_end = k
        while core_end > j and text[core_end - 1] in ".,;!?":
            core_end -= 1
        bare = word.lower().strip(".,;!?")
        if bare in CLAUSE_ENDS or core_end == j:
            break
        if plain and not (
            text[j:core_end].isalpha()
            and text[j:core_end].islower()
            and bare not in _FUNCTION_WORDS
            and bare not in _NOT_PASSPHRASE
        ):
            break
        end = core_end
        if core_end < k:  # the word ended the clause
            break
        i = k
    return end
