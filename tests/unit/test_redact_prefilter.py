"""The redaction prefilter: one RE2 pass that says exactly which detector patterns occur in a message.

A detector skips a pattern the prefilter reports absent, so "absent" must mean "no match
anywhere", for every member, case-insensitive ones and non-ASCII text included; and every
pattern the detectors search the whole text with must be a member, or it costs a search
on every message again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.secrets_corpus import fact_cases, secret_cases
from vpnfsm._patterns import PatternSet, UserPattern, compile_user
from vpnfsm._patterns import Scan as Encoded
from vpnfsm.benchmarks.core_bench import CONVERSATIONS
from vpnfsm.benchmarks.redact_bench import NORMAL_MESSAGE
from vpnfsm.redact import Screen, loose, phones, redact_message
from vpnfsm.redact import core as redact_core
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._prefilter import Prefilter
from vpnfsm.redact._scan import Scan
from vpnfsm.redact.facts import protect_facts
from vpnfsm.redact.passwords import PasswordReport, find_passwords

_PREFILTER = redact_core._PREFILTER


def _corpus_texts() -> list[str]:
    texts = [NORMAL_MESSAGE, *(m for conversation in CONVERSATIONS for m in conversation)]
    for case in secret_cases():
        texts += [*case.before, *case.messages]
    for fact in fact_cases():
        texts += [*fact.before, *fact.messages]
    return texts


_TEXTS = _corpus_texts()


def _assert_exact(text: str) -> None:
    present, absent = _PREFILTER.read(Encoded(text))
    for pattern in _PREFILTER.patterns:
        assert (pattern in absent) == (pattern.search(text) is None), (pattern.pattern[:60], text[:80])
        assert (pattern in present) != (pattern in absent)


def test_absent_means_no_match_anywhere_on_the_corpora() -> None:
    for text in _TEXTS:
        _assert_exact(text)
        _assert_exact(text.upper())  # case-insensitive members answer as they match alone


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*" ".join(_TEXTS[:400]).split(), "PASSWORD", "Пароль", "\u200b", "é"]), max_size=12))
def test_absent_means_no_match_anywhere_on_mixes(words: list[str]) -> None:
    _assert_exact(" ".join(words))


def _spy(monkeypatch: pytest.MonkeyPatch, seen: set[UserPattern]) -> None:
    """Record every pattern a detector asks the scan about (through any of its methods)."""
    for name in ("matches", "spans", "lacks", "occurs"):
        method = getattr(Scan, name)

        def spy(self: Scan, pattern: UserPattern, method: Callable[[Scan, UserPattern], object] = method) -> object:
            seen.add(pattern)
            return method(self, pattern)

        monkeypatch.setattr(Scan, name, spy)


def test_every_pattern_searched_over_the_whole_text_is_a_member(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[UserPattern] = set()
    _spy(monkeypatch, seen)
    for text in _TEXTS:
        for screen in (Screen(), Screen(strict=True, after_cue=True)):
            redact_message(text, screen=screen)
    assert seen
    assert seen <= _PREFILTER.patterns, sorted(p.pattern[:40] for p in seen - _PREFILTER.patterns)


def _table() -> list[tuple[Callable[[Scan], Iterator[Finding]], frozenset[UserPattern]]]:
    def passwords(scan: Scan) -> Iterator[Finding]:
        return find_passwords(scan, PasswordReport())

    return [(passwords, redact_core._PASSWORD_PATTERNS), *redact_core._DETECTORS]


def test_each_detector_reads_the_text_only_through_the_patterns_it_is_skipped_by(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # core skips a detector when none of its patterns occur: that is only safe if the detector
    # searches the whole text through no other pattern and finds nothing without a match.
    seen: set[UserPattern] = set()
    _spy(monkeypatch, seen)
    for detector, scanned in _table():
        for text in _TEXTS:
            for screen in (Screen(), Screen(strict=True)):
                seen.clear()
                scan = Scan(text, screen)  # no prefilter: every pattern is searched
                found = list(detector(scan))
                assert seen <= scanned, (detector.__name__, sorted(p.pattern[:40] for p in seen - scanned))
                if found:
                    assert not Scan(text, screen, _PREFILTER).lacks_all(scanned), (detector.__name__, text)


def test_a_failed_set_pass_means_every_pattern_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    # RE2::Set reports its DFA running out of memory as "no match": that must never skip a detector.
    text = "my password is Kettle!Rain42, call +49 170 1234567"
    expected = redact_message(text)
    monkeypatch.setattr(PatternSet, "matching", lambda self, text: [])
    assert _PREFILTER.read(Encoded(text)) == (frozenset(), frozenset())
    assert redact_message(text) == expected
    assert "Kettle" not in expected.text


def test_a_scan_without_prefilter_searches_everything() -> None:
    scan = Scan("anything", Screen())
    assert scan.absent == frozenset()


def test_pattern_set_of_compiled_patterns_keeps_each_case_rule() -> None:
    loud = compile_user("vpn", name="test:prefilter:loud", ignore_case=True)
    exact = compile_user("Win", name="test:prefilter:exact")
    found = PatternSet.of([loud, exact])
    assert found.matching("VPN on win") == [0]
    assert found.matching("vpn on Win") == [0, 1]
    assert Prefilter([loud, exact, loud]).patterns == {loud, exact}


_WORDISH = st.text(alphabet="abcXYZ1!.-_/@é \t\n\"'()[]{}<>,;=", max_size=300)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_WORDISH, st.builds(lambda n, tail: "a" * n + tail, st.integers(60, 200), _WORDISH)))
def test_loose_candidates_are_the_words_that_are_not_ascii_letters_alone(text: str) -> None:
    # The loose detector reads only runs holding something other than ASCII letters; the
    # pieces it reads must be exactly the word pattern's matches, in order, and none it needs
    # may be missing.
    words = list(loose._WORD.spans(text))
    candidates = list(loose._candidates(Scan(text, Screen(), _PREFILTER)))
    assert all(span in words for span in candidates)
    assert candidates == sorted(candidates)
    needed = [(a, b) for a, b in words if not (text[a:b].isascii() and text[a:b].isalpha())]
    assert all(span in candidates for span in needed)


_PHONEISH = st.lists(
    st.sampled_from(["call", "CALL", "Handy:", "téléphone", "ТЕЛЕФОН", "mobile", "me", "on", "(0)", "0170", "1234567",
                     "555-0173", "(202)", "+49", "07700", "900123", "code", "x", "\n", "İ", "ß"]),
    max_size=20,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_PHONEISH.map(" ".join), st.sampled_from(_TEXTS)))
def test_national_numbers_are_skipped_only_where_none_could_be_taken(text: str) -> None:
    def found() -> tuple[list[Finding], int | None]:
        scan = Scan(text, Screen(), _PREFILTER, protect_facts)
        return list(phones.find_phones(scan)), scan.flood_from

    gated = found()
    gate = phones._may_hold_national
    phones._may_hold_national = lambda scan: True  # type: ignore[assignment]  # read every candidate
    try:
        assert found() == gated
    finally:
        phones._may_hold_national = gate  # type: ignore[assignment]
