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

import importlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, overload

import re2

# The C++ binding itself. google-re2's public wrapper encodes the whole text and maps offsets
# in Python on every call, so a rule table that searches one message many times would cost
# O(n) per call; here a message is encoded once (Scan) and each call is one RE2 match.
# The binding is untyped, hence Any.
_re2: Any = importlib.import_module("re2._re2")
_ANCHOR: Any = getattr(re2, "_Anchor")  # noqa: B009 - private name, kept in one place

__all__ = [
    "MAX_SCAN_CHARS",
    "PatternError",
    "PatternSet",
    "Scan",
    "UserMatch",
    "UserPattern",
    "compile_user",
    "compiled_names",
    "scan_window",
    "translate",
]

#: The longest text a pattern reads for meaning (extraction, flow vocabularies). A pasted log
#: longer than this is read as its head and tail: the user's own words and the first error
#: come first, the final error last. It also bounds what the worst message can cost: every
#: rule may open on a message made of every vocabulary word, and then each reads this much.
#: (Redaction reads the whole message: a secret may be anywhere.)
MAX_SCAN_CHARS = 1024

_UNANCHORED = _ANCHOR.UNANCHORED
_AT_START = _ANCHOR.ANCHOR_START
_BOTH = _ANCHOR.ANCHOR_BOTH
_NO_SPAN = (-1, -1)

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


class Scan:
    """A text prepared once for many RE2 calls: its UTF-8 bytes and the offset mapping.

    RE2 matches bytes. For ASCII text (nearly every chat message) byte and character offsets
    are the same and nothing more is kept; otherwise offsets are converted incrementally, so
    the matches of one scan, read left to right, cost one pass over the text in all.
    """

    __slots__ = ("_byte_at", "_char_at", "ascii", "data", "text")

    def __init__(self, text: str) -> None:
        """Encode ``text`` (lone surrogates pass through as bytes RE2 never matches as letters)."""
        self.text = text
        self.ascii = text.isascii()
        self.data = text.encode("ascii") if self.ascii else text.encode("utf-8", "surrogatepass")
        self._char_at = (0, 0)  # the last (byte offset, char offset) pair converted
        self._byte_at = (0, 0)  # the last (char offset, byte offset) pair converted

    def char(self, offset: int) -> int:
        """The character offset of byte ``offset``."""
        if self.ascii or offset <= 0:
            return offset
        last_byte, last_char = self._char_at
        if offset < last_byte:
            last_byte = last_char = 0
        char = last_char + len(self.data[last_byte:offset].decode("utf-8", "surrogatepass"))
        self._char_at = (offset, char)
        return char

    def byte(self, offset: int) -> int:
        """The byte offset of character ``offset``."""
        if self.ascii or offset <= 0:
            return offset
        offset = min(offset, len(self.text))
        last_char, last_byte = self._byte_at
        if offset < last_char:
            last_char = last_byte = 0
        byte = last_byte + len(self.text[last_char:offset].encode("utf-8", "surrogatepass"))
        self._byte_at = (offset, byte)
        return byte


def _scan(text: str | Scan) -> Scan:
    return text if isinstance(text, Scan) else Scan(text)


class UserMatch:
    """One match, with the ``re.Match`` methods vpnfsm uses (offsets are characters)."""

    __slots__ = ("_pattern", "_scan", "_spans")

    def __init__(self, pattern: UserPattern, scan: Scan, spans: Sequence[tuple[int, int]]) -> None:
        """A match of ``pattern`` in ``scan`` at byte ``spans`` (one per group, group 0 first)."""
        self._pattern = pattern
        self._scan = scan
        self._spans = spans

    def _index(self, group: int | str) -> int:
        return self._pattern.groupindex[group] if isinstance(group, str) else group

    def span(self, group: int | str = 0) -> tuple[int, int]:
        """``(start, end)`` of ``group`` in characters; ``(-1, -1)`` when it did not take part."""
        start, end = self._spans[self._index(group)]
        if start < 0:
            return _NO_SPAN
        return self._scan.char(start), self._scan.char(end)

    def start(self, group: int | str = 0) -> int:
        """Where ``group`` starts (characters)."""
        return self.span(group)[0]

    def end(self, group: int | str = 0) -> int:
        """Where ``group`` ends (characters)."""
        return self.span(group)[1]

    @overload
    def group(self) -> str: ...
    @overload
    def group(self, group: Literal[0]) -> str: ...
    @overload
    def group(self, group: int | str) -> str | None: ...

    def group(self, group: int | str = 0) -> str | None:
        """The text ``group`` matched (group 0: the whole match), ``None`` when it did not take part."""
        start, end = self._spans[self._index(group)]
        if start < 0:
            return None
        if self._scan.ascii:
            return self._scan.text[start:end]
        return self._scan.data[start:end].decode("utf-8", "surrogatepass")

    def groups(self) -> tuple[str | None, ...]:
        """Every group's text, group 1 first."""
        return tuple(self.group(i) for i in range(1, len(self._spans)))

    def groupdict(self) -> dict[str, str | None]:
        """Named groups' texts."""
        return {name: self.group(index) for name, index in self._pattern.groupindex.items()}

    @property
    def string(self) -> str:
        """The text searched."""
        return self._scan.text

    @property
    def lastindex(self) -> int | None:
        """The index of the last group that closed (as ``re``): the one ending last, outermost first."""
        best: int | None = None
        best_end = -1
        for index in range(1, len(self._spans)):
            end = self._spans[index][1]
            if self._spans[index][0] >= 0 and end > best_end:
                best, best_end = index, end
        return best

    @property
    def lastgroup(self) -> str | None:
        """The name of :attr:`lastindex`'s group, if it has one."""
        index = self.lastindex
        if index is None:
            return None
        return self._pattern.group_names.get(index)


def _expand(template: str, match: UserMatch) -> str:
    r"""``template`` with ``\1``..``\99`` and ``\g<name>`` replaced by the groups (as ``re.sub``)."""
    if "\\" not in template:
        return template
    out: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        if char != "\\" or i + 1 == len(template):
            out.append(char)
            i += 1
            continue
        nxt = template[i + 1]
        if nxt.isdigit():
            j = i + 2 if not template[i + 2 : i + 3].isdigit() else i + 3
            out.append(match.group(int(template[i + 1 : j])) or "")
            i = j
        elif nxt == "g" and template.startswith("<", i + 2) and ">" in template[i + 3 :]:
            close = template.index(">", i + 3)
            name = template[i + 3 : close]
            out.append(match.group(int(name) if name.isdigit() else name) or "")
            i = close + 1
        elif nxt == "\\":
            out.append("\\")
            i += 2
        else:
            out.append(template[i : i + 2])
            i += 2
    return "".join(out)


class UserPattern:
    """An RE2 pattern with the ``re.Pattern`` methods vpnfsm uses; offsets are characters.

    Every method takes a ``str`` or a :class:`Scan`; pass a scan when the same long text is
    searched many times (a message's rules), so it is encoded once.
    """

    __slots__ = ("_re", "group_names", "groupindex", "groups", "ignore_case", "pattern")

    def __init__(self, source: str, *, ignore_case: bool) -> None:
        """Compile ``source`` (already translated) with RE2.

        Raises:
            PatternError: RE2 refuses it.

        """
        compiled = _re2.RE2(source.encode("utf-8"), _options(ignore_case=ignore_case))
        if not compiled.ok():
            raise PatternError(compiled.error().decode("utf-8", "replace"))
        self._re = compiled
        self.pattern = source
        #: Compiled case-insensitively (a :class:`PatternSet` of compiled patterns needs to know).
        self.ignore_case = ignore_case
        self.groups: int = compiled.NumberOfCapturingGroups()
        self.groupindex: dict[str, int] = {
            name.decode("utf-8"): index for name, index in compiled.NamedCapturingGroups()
        }
        #: group index -> name, for ``UserMatch.lastgroup``.
        self.group_names: dict[int, str] = {index: name for name, index in self.groupindex.items()}

    def _run(self, anchor: object, text: str | Scan, pos: int, endpos: int | None) -> UserMatch | None:
        scan = _scan(text)
        stop = len(scan.data) if endpos is None else scan.byte(endpos)
        start = scan.byte(pos)
        if start > stop:
            return None
        spans = self._re.Match(anchor, scan.data, start, stop)
        if spans[0][0] < 0:
            return None
        return UserMatch(self, scan, spans)

    def search(self, text: str | Scan, pos: int = 0, endpos: int | None = None) -> UserMatch | None:
        """The leftmost match at or after ``pos``."""
        return self._run(_UNANCHORED, text, pos, endpos)

    def match(self, text: str | Scan, pos: int = 0, endpos: int | None = None) -> UserMatch | None:
        """A match that starts exactly at ``pos``."""
        return self._run(_AT_START, text, pos, endpos)

    def fullmatch(self, text: str | Scan, pos: int = 0, endpos: int | None = None) -> UserMatch | None:
        """A match of all of ``text[pos:endpos]``."""
        return self._run(_BOTH, text, pos, endpos)

    def finditer(self, text: str | Scan, pos: int = 0) -> Iterator[UserMatch]:
        """Non-overlapping matches, left to right (linear in the text in all)."""
        scan = _scan(text)
        data = scan.data
        stop = len(data)
        at = scan.byte(pos)
        run = self._re.Match
        while at <= stop:
            spans = run(_UNANCHORED, data, at, stop)
            start, end = spans[0]
            if start < 0:
                return
            yield UserMatch(self, scan, spans)
            # An empty match must not stop progress: step over one character.
            at = end if end > start else _next_char(data, end)

    def spans(self, text: str | Scan, pos: int = 0) -> Iterator[tuple[int, int]]:
        """The ``(start, end)`` of each match :meth:`finditer` yields, in characters.

        For a caller that needs only where the matches are: no match object per match.
        """
        scan = _scan(text)
        data = scan.data
        stop = len(data)
        at = scan.byte(pos)
        run = self._re.Match
        ascii_text = scan.ascii
        while at <= stop:
            start, end = run(_UNANCHORED, data, at, stop)[0]
            if start < 0:
                return
            yield (start, end) if ascii_text else (scan.char(start), scan.char(end))
            at = end if end > start else _next_char(data, end)

    def findall(self, text: str | Scan) -> list[str]:
        """The text of every match (of group 1 when the pattern has exactly one group)."""
        group = 1 if self.groups == 1 else 0
        return [match.group(group) or "" for match in self.finditer(text)]

    def subn(self, repl: str | Callable[[UserMatch], str], text: str | Scan, count: int = 0) -> tuple[str, int]:
        r"""``text`` with matches replaced (``\1``/``\g<name>`` expand), and how many."""
        scan = _scan(text)
        pieces: list[str] = []
        last = 0
        done = 0
        for match in self.finditer(scan):
            start, end = match.span()
            pieces.append(scan.text[last:start])
            pieces.append(repl(match) if callable(repl) else _expand(repl, match))
            last = end
            done += 1
            if count and done >= count:
                break
        if not done:
            return scan.text, 0
        pieces.append(scan.text[last:])
        return "".join(pieces), done

    def sub(self, repl: str | Callable[[UserMatch], str], text: str | Scan, count: int = 0) -> str:
        """``text`` with matches replaced (see :meth:`subn`)."""
        return self.subn(repl, text, count)[0]


def _next_char(data: bytes, at: int) -> int:
    # Past one UTF-8 character: continuation bytes are 0b10xxxxxx.
    at += 1
    while at < len(data) and data[at] & 0xC0 == 0x80:
        at += 1
    return at


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
        pattern = UserPattern(translate(source), ignore_case=ignore_case)
    except PatternError as exc:
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
        for name, source in sources:
            compile_user(source, name=name, ignore_case=ignore_case)  # the same check, a clear error
        self._size = len(sources)
        self._set = _compile_set([translate(source) for _, source in sources], ignore_case=ignore_case)

    @classmethod
    def of(cls, patterns: Sequence[UserPattern]) -> PatternSet:
        """A set of patterns already compiled by :func:`compile_user`; index i is ``patterns[i]``.

        Each member matches exactly as it does alone: one compiled case-insensitively is
        added as ``(?i:...)`` (the set itself is case-sensitive), so "does ``patterns[i]``
        match somewhere in the text" is answered exactly, not approximately.
        """
        built = cls([])
        built._size = len(patterns)
        built._set = _compile_set(
            [f"(?i:{p.pattern})" if p.ignore_case else p.pattern for p in patterns], ignore_case=False
        )
        return built

    def __len__(self) -> int:
        """How many patterns the set holds."""
        return self._size

    def matching(self, text: str | Scan) -> list[int]:
        """Indices of the patterns that occur somewhere in ``text``, ascending."""
        if self._set is None:
            return []
        found: list[int] = self._set.Match(_scan(text).data)
        return sorted(found)


def _compile_set(sources: Sequence[str], *, ignore_case: bool) -> Any:
    """An ``RE2::Set`` of translated ``sources`` (``None`` when there are none)."""
    if not sources:
        return None
    built = _re2.Set(_UNANCHORED, _options(ignore_case=ignore_case))
    for index, source in enumerate(sources):
        added = built.Add(source.encode("utf-8"))
        if added != index:
            raise PatternError(f"RE2 refuses a pattern of the set: {source!r}")
    if not built.Compile():
        raise PatternError("RE2 could not compile the pattern set (out of memory?)")
    return built


def scan_window(text: str, limit: int = MAX_SCAN_CHARS) -> str:
    """``text`` itself when short; else its head and tail joined by a newline.

    A pasted log says what went wrong at its start (the command, the first
    error) and at its end (the final error); the middle is repetition.
    """
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + "\n" + text[-(limit - half - 1) :]
