r"""The one place where user text meets a regular expression: RE2, linear time by construction.

Python's ``re`` backtracks: one rule with nested or adjacent quantifiers lets a
190-character message pin a worker for days. RE2 (``google-re2``) matches in
time linear in the text for every pattern it accepts, and it refuses the
constructs that cannot be matched that way (lookaround, backreferences), so a
pattern that compiles here is safe by construction. Every pattern that sees
user text -- vocabulary, codes, redaction, flow vocabularies -- is compiled by
:func:`compile_user` (or added to a :class:`PatternSet`), and
``tests/unit/test_patterns_re2.py`` checks that and prints the count.

Two differences from ``re`` matter to rule authors:

* RE2's ``\w``/``\b`` are ASCII. :func:`compile_user` rewrites ``\w`` and
  ``\W`` to their Unicode meaning (letters, digits, underscore) so "Passwort"
  and "пароль" are words; ``\b`` stays ASCII, so rules for non-Latin words
  write their edges as classes (``(?:^|[^\pL\pN])``).
* Lookahead and lookbehind do not exist: rules express them as a gate checked
  in Python after the match (a second pattern that must or must not match).

Every text a pattern sees is also capped (:func:`scan_window`), so even
linear work is bounded per message.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

import re2

__all__ = [
    "MAX_SCAN_CHARS",
    "PatternError",
    "PatternSet",
    "UserPattern",
    "compile_user",
    "compiled_names",
    "scan_window",
    "translate",
]

#: The longest text any pattern sees. A pasted log longer than this is read as
#: its head and tail (where the error and the user's own words are).
MAX_SCAN_CHARS = 8192

if TYPE_CHECKING:
    #: The compiled pattern type (RE2 over ``str``).
    UserPattern: TypeAlias = re2._Regexp[str]
else:
    UserPattern = re2._Regexp

_lock = threading.Lock()
_names: set[str] = set()


class PatternError(ValueError):
    """A pattern RE2 cannot compile (lookaround, backreference, bad syntax)."""


def _options(*, ignore_case: bool) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is our error to report, not a line on stderr
    options.case_sensitive = not ignore_case
    return options


_WORD = r"\pL\pN_"


def translate(source: str) -> str:
    r"""``source`` with ``\w``/``\W`` given their Unicode meaning (RE2's are ASCII).

    Raises:
        PatternError: ``\W`` inside a character class (no RE2 equivalent).

    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            nxt = source[i + 1]
            if nxt == "w":
                out.append(_WORD if in_class else f"[{_WORD}]")
            elif nxt == "W":
                if in_class:
                    raise PatternError(rf"\W inside a character class has no RE2 form: {source!r}")
                out.append(f"[^{_WORD}]")
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            # A ']' right after '[' or '[^' is a literal member, not the end.
            if source.startswith("^", i + 1):
                out.append("^")
                i += 1
            if source.startswith("]", i + 1):
                out.append("]")
                i += 1
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def compile_user(source: str, *, name: str, ignore_case: bool = False) -> UserPattern:
    """Compile a pattern that will see user text, with RE2.

    Args:
        source: the pattern, in the RE2 subset of Python's syntax.
        name: where it comes from (a rule id, ``module:purpose``); listed by
            :func:`compiled_names` for the RE2 coverage test.
        ignore_case: match case-insensitively (same as a leading ``(?i)``).

    Raises:
        PatternError: RE2 refuses the pattern; the message names the rule.

    """
    try:
        pattern = re2.compile(translate(source), _options(ignore_case=ignore_case))
    except re2.error as exc:
        raise PatternError(f"pattern {name!r} is not linear-time (RE2 refuses it: {exc}): {source!r}") from exc
    with _lock:
        _names.add(name)
    return pattern


def compiled_names() -> frozenset[str]:
    """Names of every pattern compiled so far in this process."""
    with _lock:
        return frozenset(_names)


class PatternSet:
    """Many patterns matched in one linear pass: which of them occur in a text.

    Built on ``RE2::Set``; a rule table asks the set first and runs only the
    rules that matched for their spans, so a message costs one pass plus the
    few hits instead of one search per rule.
    """

    def __init__(self, sources: Sequence[tuple[str, str]], *, ignore_case: bool = False) -> None:
        """``sources`` are ``(name, pattern)`` pairs; index i in a result is ``sources[i]``.

        Raises:
            PatternError: RE2 refuses one of the patterns.

        """
        self._size = len(sources)
        self._set: re2.Set | None = None
        if not sources:
            return
        built = re2.Set.SearchSet(_options(ignore_case=ignore_case))
        for index, (name, source) in enumerate(sources):
            compile_user(source, name=name, ignore_case=ignore_case)  # the same check, a clear error
            added = built.Add(translate(source))
            assert added == index
        built.Compile()
        self._set = built

    def __len__(self) -> int:
        """How many patterns the set holds."""
        return self._size

    def matching(self, text: str) -> list[int]:
        """Indices of the patterns that occur somewhere in ``text``, ascending."""
        if self._set is None:
            return []
        found = self._set.Match(text)
        # The binding returns a list of indices, or None for no match (typed bool by the stubs).
        return sorted(found) if isinstance(found, list) else []


def scan_window(text: str, limit: int = MAX_SCAN_CHARS) -> str:
    """``text`` itself when short; else its head and tail joined by a newline.

    A pasted log says what went wrong at its start (the command, the first
    error) and at its end (the final error); the middle is repetition.
    """
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + "\n" + text[-(limit - half - 1) :]
