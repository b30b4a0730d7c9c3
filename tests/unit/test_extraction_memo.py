"""The extraction memo: same readings as the extractor, bounded, and only for short texts."""

from __future__ import annotations

from vpnfsm.nlp import RuleExtractor
from vpnfsm.nlp._memo import MemoExtractor
from vpnfsm.nlp.model import Extraction


class _Counting:
    def __init__(self) -> None:
        self.inner = RuleExtractor()
        self.calls = 0

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        self.calls += 1
        return self.inner.extract(text, context=context)


SHORT_ANSWERS = [
    ("windows", "VPN_ASK_OS"),
    ("win 11", "VPN_ASK_OS"),
    ("nope", "VPN_CHECK_RESULT"),
    ("no", "VPN_ASK_ERROR"),
    ("idk tbh", "VPN_ASK_CLIENT"),
    ("yes that fixed it thx", "VPN_CHECK_RESULT"),
    ("no", None),
]


def test_memo_reads_every_text_as_the_extractor_does() -> None:
    plain = RuleExtractor()
    memo = MemoExtractor(RuleExtractor())
    for _ in range(2):
        for text, context in SHORT_ANSWERS:
            assert memo.extract(text, context=context) == plain.extract(text, context=context)


def test_the_same_text_in_another_state_is_read_again() -> None:
    inner = _Counting()
    memo = MemoExtractor(inner)
    memo.extract("no", context="VPN_ASK_ERROR")
    memo.extract("no", context="VPN_CHECK_RESULT")
    memo.extract("no", context="VPN_ASK_ERROR")
    assert inner.calls == 2
    assert (memo.hits, memo.misses) == (1, 2)


def test_long_messages_are_never_remembered() -> None:
    inner = _Counting()
    memo = MemoExtractor(inner, max_chars=64)
    pasted = "GlobalProtect log: 2024-03-01 09:14:02 portal status: error, gateway unreachable (retry 3 of 3)"
    memo.extract(pasted)
    memo.extract(pasted)
    assert inner.calls == 2
    assert len(memo) == 0
    assert memo.hits == memo.misses == 0


def test_memory_stays_bounded_and_the_least_recent_goes_first() -> None:
    inner = _Counting()
    memo = MemoExtractor(inner, size=3)
    for text in ("mac", "ubuntu", "win10", "ios"):
        memo.extract(text, context="VPN_ASK_OS")
    assert len(memo) == 3
    memo.extract("ios", context="VPN_ASK_OS")  # still there
    assert inner.calls == 4
    memo.extract("mac", context="VPN_ASK_OS")  # pushed out by the fourth
    assert inner.calls == 5
    assert memo.hit_rate == 1 / 6
