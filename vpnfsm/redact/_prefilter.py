r"""One linear pass that says which of the detectors' patterns occur in a message at all.

Nearly every chat message ("Windows", "no", "error 809") holds nothing any detector
looks for, yet each of some forty patterns would search the whole text and pay a Python
round trip for it. The prefilter asks one ``RE2::Set`` (:class:`PatternSet`) about all
of them at once; a pattern it reports absent has no match anywhere in the text, so its
detector has nothing to do.

The answer is exact, not a heuristic: the set holds the very patterns the detectors
run, each with its own case rule, over the same whole text. Patterns searched on a
window cut from the text (``Scan.spans_in``) are not members: a slice has new edges,
where ``\b`` or ``^`` may match although they do not in the whole text.
"""

from __future__ import annotations

from collections.abc import Iterable

from vpnfsm._patterns import PatternSet, UserPattern, compile_user
from vpnfsm._patterns import Scan as Encoded

__all__ = ["Prefilter"]

# Matches every text (the empty match at its start). ``RE2::Set`` reports an internal
# failure (its DFA out of memory) as "nothing matched"; a result without this member is
# that failure, and then every pattern is searched as if there were no prefilter.
_EVERYWHERE = compile_user("", name="redact:prefilter:everywhere")
#: Distinct answers remembered (each two small sets).
_MAX_ANSWERS = 256


class Prefilter:
    """Which of a fixed group of patterns occur in a text, in one RE2 pass."""

    __slots__ = ("_all_absent", "_answers", "_members", "_none", "_set")

    def __init__(self, patterns: Iterable[UserPattern]) -> None:
        """Build the set of ``patterns`` (a pattern listed twice is one member)."""
        unique = tuple(dict.fromkeys(patterns))
        self._members = (_EVERYWHERE, *unique)
        self._set = PatternSet.of(self._members)
        self._none: frozenset[UserPattern] = frozenset()
        #: Every member (when the text matches none of them, all are absent).
        self._all_absent = frozenset(unique)
        # Answers by the members found: building two sets per message costs more than the set
        # pass itself, and messages repeat few combinations. Bounded, so odd texts cannot grow it.
        self._answers: dict[tuple[int, ...], tuple[frozenset[UserPattern], frozenset[UserPattern]]] = {}

    @property
    def patterns(self) -> frozenset[UserPattern]:
        """The patterns the prefilter answers for."""
        return self._all_absent

    def read(self, text: Encoded) -> tuple[frozenset[UserPattern], frozenset[UserPattern]]:
        """The members that match somewhere in ``text``, and those that match nowhere.

        When the set failed, both are empty: nothing is known either way.
        """
        found = self._set.matching(text)
        if not found or found[0] != 0:
            return self._none, self._none
        if len(found) == 1:
            return self._none, self._all_absent
        key = tuple(found)
        answer = self._answers.get(key)
        if answer is None:
            members = self._members
            present = frozenset([members[index] for index in found[1:]])
            answer = (present, self._all_absent.difference(present))
            if len(self._answers) < _MAX_ANSWERS:
                self._answers[key] = answer
        return answer
