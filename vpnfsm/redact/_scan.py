"""The text being redacted, with the helpers every detector shares (no patterns of its own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import InitVar, dataclass, field

from vpnfsm._patterns import Scan as Encoded
from vpnfsm._patterns import UserMatch, UserPattern
from vpnfsm.redact._kinds import Screen
from vpnfsm.redact._prefilter import Prefilter

#: Matches one pattern may yield in one message. Each match costs Python work,
#: so a flood of candidates ("password is x " x 1000) would cost time linear
#: in the text but with a large factor; past the budget the rest of the
#: message is cut (see ``Scan.flood_from``), never left unexamined.
MATCH_BUDGET = 128
#: Calls of an expensive validator (libphonenumber's parser: ~0.1 ms each) per message.
VALIDATION_BUDGET = 16

__all__ = ["MATCH_BUDGET", "VALIDATION_BUDGET", "Scan", "is_word_char"]


def is_word_char(char: str) -> bool:
    """Whether ``char`` continues a word (letters and digits of any script, ``_``)."""
    return char.isalnum() or char == "_"


@dataclass
class Scan:
    """One message under redaction.

    Attributes:
        text: the (capped) message.
        screen: how strictly to screen it.
        flood_from: where a pattern ran out of its match budget (the text
            is cut there), or ``None``.
        covered: which characters belong to facts a technician needs (IP
            addresses, versions, error codes, ...); weak detectors never cut
            into them. ``mark_facts`` fills it the first time a detector asks
            (most messages have no candidate that needs it).
        encoded: the text as RE2 reads it, encoded once for every pattern.
        present: patterns known to match somewhere in the text, and
        absent: patterns known to match nowhere (both asked of ``prefilter``
            in one pass); the detectors skip the absent ones.

    """

    text: str
    screen: Screen
    prefilter: InitVar[Prefilter | None] = None
    mark_facts: Callable[[Scan], None] | None = field(default=None, repr=False, compare=False)
    covered: bytearray = field(init=False)
    encoded: Encoded = field(init=False)
    present: frozenset[UserPattern] = field(init=False)
    absent: frozenset[UserPattern] = field(init=False)
    flood_from: int | None = None
    validations: dict[str, int] = field(default_factory=dict)

    def __post_init__(self, prefilter: Prefilter | None) -> None:
        # One byte per character: marking and asking stay linear however many facts a text has.
        self.covered = bytearray(len(self.text))
        self.encoded = Encoded(self.text)
        if prefilter is None:
            self.present = self.absent = frozenset()
        else:
            self.present, self.absent = prefilter.read(self.encoded)

    def lacks(self, pattern: UserPattern) -> bool:
        """Whether ``pattern`` is known to match nowhere in the text (no search needed)."""
        return pattern in self.absent

    def occurs(self, pattern: UserPattern) -> bool:
        """Whether ``pattern`` matches somewhere in the text (searched only when the prefilter cannot say)."""
        if pattern in self.present:
            return True
        return pattern not in self.absent and pattern.search(self.encoded) is not None

    def lacks_all(self, patterns: frozenset[UserPattern]) -> bool:
        """Whether no pattern of ``patterns`` matches anywhere in the text."""
        return self.absent.issuperset(patterns)

    def matches(self, pattern: UserPattern) -> Iterator[UserMatch]:
        """``pattern``'s matches in the text, at most :data:`MATCH_BUDGET` of them.

        When a pattern has more, the first match left over marks where the
        text stops being read (``flood_from``): redaction cuts the message
        there rather than let a secret through unexamined.
        """
        if pattern in self.absent:
            return iter(())
        return self._matches(pattern)

    def _matches(self, pattern: UserPattern) -> Iterator[UserMatch]:
        for count, match in enumerate(pattern.finditer(self.encoded)):
            if count >= MATCH_BUDGET:
                start = match.start()
                self.flood_from = start if self.flood_from is None else min(self.flood_from, start)
                return
            yield match

    def spans(self, pattern: UserPattern) -> Iterator[tuple[int, int]]:
        """The spans of :meth:`matches` (same budget, same cut), for a detector that needs no groups."""
        if pattern in self.absent:
            return iter(())
        return self._spans(pattern)

    def _spans(self, pattern: UserPattern) -> Iterator[tuple[int, int]]:
        for count, span in enumerate(pattern.spans(self.encoded)):
            if count >= MATCH_BUDGET:
                start = span[0]
                self.flood_from = start if self.flood_from is None else min(self.flood_from, start)
                return
            yield span

    def spans_in(self, pattern: UserPattern, pos: int, endpos: int) -> Iterator[tuple[int, int]]:
        """``pattern``'s match spans inside ``text[pos:endpos]`` (a short window after a cue).

        The window is sliced rather than passed as ``pos``: the RE2 binding
        converts a start offset by walking the text from its beginning, which
        would make every windowed search cost the whole text.
        """
        for match in pattern.finditer(self.text[pos:endpos]):
            yield pos + match.start(), pos + match.end()

    def afford_validation(self, start: int, *, pool: str) -> bool:
        """Spend one expensive validation (from ``pool``) on a candidate at ``start``; when none are left, cut there."""
        left = self.validations.get(pool, VALIDATION_BUDGET)
        if left <= 0:
            self.flood_from = start if self.flood_from is None else min(self.flood_from, start)
            return False
        self.validations[pool] = left - 1
        return True

    def protect(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` as a fact weak detectors must leave alone."""
        self.covered[start:end] = b"\x01" * (end - start)

    def is_protected(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a protected fact."""
        if self.mark_facts is not None:
            mark, self.mark_facts = self.mark_facts, None
            mark(self)
        return 1 in self.covered[start:end]

    def bounded(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` starts and ends at word edges."""
        text = self.text
        if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
            return False
        return not (end < len(text) and is_word_char(text[end]) and is_word_char(text[end - 1]))

    def words_before(self, start: int, count: int, *, window: int = 60) -> list[str]:
        """Up to ``count`` lower-cased words right before ``start``, in the same clause, nearest last."""
        head = self.text[max(0, start - window) : start]
        for stop in ".!?;\n":
            head = head.rsplit(stop, 1)[-1]
        words = [w.strip("\"'()[]{}:=,#-").lower() for w in head.split()]
        return [w for w in words if w][-count:]

    def words_after(self, end: int, count: int, *, window: int = 50) -> list[str]:
        """Up to ``count`` lower-cased words right after ``end``, in the same clause."""
        tail = self.text[end : end + window]
        for stop in ".!?;\n":
            tail = tail.split(stop, 1)[0]
        words = [w.strip("\"'()[]{}:=,#-").lower() for w in tail.split()]
        return [w for w in words if w][:count]
