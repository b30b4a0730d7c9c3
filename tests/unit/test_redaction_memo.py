"""The entry redaction memo: same answers as redacting afresh, never a secret kept, bounded."""

from __future__ import annotations

from vpnfsm.redact import Screen, redact_message
from vpnfsm.redact._memo import RedactionMemo

SHORT_ANSWERS = ["no", "win11", "globalprotect", "yes that fixed it", "error 809", "ubuntu 22.04", "idk lol"]
SECRETS = ["pw is Hunter2!!x", "my pin is 4711", "code 482913 from the app", "jan.novak@example.com"]


def test_answers_equal_a_fresh_redaction_under_every_screen() -> None:
    memo = RedactionMemo()
    screens = [Screen(), Screen(strict=True), Screen(after_cue=True), Screen(error_code_question=True)]
    for _ in range(2):
        for text in SHORT_ANSWERS + SECRETS:
            for screen in screens:
                assert memo.redact_message(text, screen=screen) == redact_message(text, screen=screen)
    assert memo.hits > 0


def test_a_text_with_anything_redacted_is_never_remembered() -> None:
    memo = RedactionMemo()
    for text in SECRETS:
        assert memo.redact_message(text, screen=Screen()).findings
    assert len(memo) == 0
    # Under a screen that takes it for a password, a clean-looking word is not kept either.
    assert memo.redact_message("Tr0ub4dor&3x", screen=Screen(after_cue=True)).findings
    assert len(memo) == 0


def test_long_texts_pass_through_and_the_memo_stays_bounded() -> None:
    memo = RedactionMemo(size=3, max_chars=20)
    memo.redact_message("a message that is longer than twenty characters", screen=Screen())
    assert len(memo) == 0
    assert memo.hits == memo.misses == 0
    for text in ("one", "two", "three", "four", "five"):
        memo.redact_message(text, screen=Screen())
    assert len(memo) == 3
