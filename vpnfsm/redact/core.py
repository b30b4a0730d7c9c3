"""The redaction pass: run every detector, keep the spans that do not overlap, write placeholders.

Order of precedence between overlapping findings: the one that starts first,
then the longer one (a phone number beats the digit group inside it, a URL's
credentials beat the "e-mail address" ``secret@host`` inside them). Every value
found as a password, token or secret is also removed wherever else it occurs
in the same message ("I changed it to X ... my new password is X").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import re2

from vpnfsm._patterns import UserPattern, compile_user
from vpnfsm.redact import cards, codes, emails, facts, ids, loose, passwords, phones, tokens
from vpnfsm.redact._kinds import CREDENTIAL_KINDS, PLACEHOLDERS, Finding, Kind, Screen
from vpnfsm.redact._prefilter import Prefilter
from vpnfsm.redact._scan import Scan
from vpnfsm.redact.cards import find_cards
from vpnfsm.redact.codes import find_codes, find_recovery_codes
from vpnfsm.redact.emails import find_emails
from vpnfsm.redact.facts import protect_facts
from vpnfsm.redact.ids import find_ibans, find_national_ids
from vpnfsm.redact.loose import find_loose_passwords
from vpnfsm.redact.passwords import PasswordReport, find_passwords, first_word_password
from vpnfsm.redact.phones import find_phones
from vpnfsm.redact.tokens import find_long_keys, find_tokens

__all__ = ["MAX_REDACT_CHARS", "Redaction", "redact", "redact_message"]

#: The longest text redaction reads. Past it the text is cut (and says so): a
#: secret beyond the cap must not survive because nobody looked at it. A text
#: is also cut where one pattern ran out of its match budget (``_scan.MATCH_BUDGET``).
MAX_REDACT_CHARS = 32_768
CUT_MARK = " [text cut]"

_PLACEHOLDER = compile_user("|".join(re2.escape(p) for p in PLACEHOLDERS.values()), name="redact:placeholders")

_Detector = Callable[[Scan], Iterator[Finding]]

#: The detectors, most specific first (a tie on position and length goes to the earlier one),
#: each with the patterns its module reads the text through (``SCANNED``): a detector finds
#: nothing unless one of them occurs, so when none does it is not called at all.
_DETECTORS: tuple[tuple[_Detector, frozenset[UserPattern]], ...] = tuple(
    (detector, frozenset(scanned))
    for detector, scanned in (
        (find_tokens, tokens.SCANNED),
        (find_emails, emails.SCANNED),
        (find_ibans, ids.SCANNED),
        (find_cards, cards.SCANNED),
        (find_national_ids, ids.SCANNED),
        (find_phones, phones.SCANNED),
        (find_recovery_codes, codes.SCANNED),
        (find_codes, codes.SCANNED),
        (find_loose_passwords, loose.SCANNED),
        (find_long_keys, tokens.SCANNED),
    )
)
_PASSWORD_PATTERNS = frozenset(passwords.SCANNED)
_DETECTOR_PATTERNS = frozenset().union(*(scanned for _, scanned in _DETECTORS))
#: Every pattern the detectors search the whole text with: one RE2 pass over the message tells
#: which occur at all, and the detectors skip the rest (most messages hold none of them).
_PREFILTER = Prefilter(
    (
        _PLACEHOLDER,
        *facts.SCANNED,
        *passwords.SCANNED,
        *tokens.SCANNED,
        *emails.SCANNED,
        *ids.SCANNED,
        *cards.SCANNED,
        *phones.SCANNED,
        *codes.SCANNED,
        *loose.SCANNED,
    )
)
#: The screen of a message nobody said anything about (frozen, so one serves every call).
_PLAIN_SCREEN = Screen()
#: Found values shorter than this are not searched for elsewhere in the text ("1234" may be a port too).
_PROPAGATE_MIN = 6


@dataclass(frozen=True, slots=True)
class Redaction:
    """A message after redaction.

    Attributes:
        text: the message with each secret replaced by its typed placeholder.
        reading: ``text`` with the placeholders blanked out (same length), which
            is what the extractor and the flows read: a placeholder can never
            fill a slot or count as a word.
        findings: the spans replaced, in ``text`` coordinates.
        ends_with_cue: the message ended in a password cue with no value
            ("my new password is"); the next message's first word is screened.

    """

    text: str
    reading: str
    findings: tuple[Finding, ...]
    ends_with_cue: bool

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of secret removed."""
        return frozenset(finding.kind for finding in self.findings)

    @property
    def removed_credential(self) -> bool:
        """Whether a password, code, token or other credential was removed."""
        return bool(self.kinds & CREDENTIAL_KINDS)


def _select(findings: list[Finding]) -> list[Finding]:
    findings.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    reach = 0
    for finding in findings:
        if finding.end <= finding.start or finding.start < reach:
            continue
        kept.append(finding)
        reach = finding.end
    return kept


def _propagate(text: str, findings: list[Finding]) -> list[Finding]:
    extra: list[Finding] = []
    seen: set[str] = set()
    for finding in findings:
        value = text[finding.start : finding.end]
        if finding.kind not in CREDENTIAL_KINDS or len(value) < _PROPAGATE_MIN or value in seen or len(seen) >= 16:
            continue
        seen.add(value)
        at = text.find(value)
        while at != -1:
            extra.append(Finding(at, at + len(value), finding.kind))
            at = text.find(value, at + len(value))
    return findings + extra


def redact_message(text: str, *, screen: Screen | None = None) -> Redaction:
    """Redact one message under ``screen`` (default: not strict, no open cue)."""
    screen = screen or _PLAIN_SCREEN
    cut = len(text) > MAX_REDACT_CHARS
    if cut:
        text = text[:MAX_REDACT_CHARS]
    scan = Scan(text, screen, _PREFILTER, protect_facts)
    placed_before = _placeholders(scan)
    report = PasswordReport()
    found: list[Finding] = [] if scan.lacks_all(_PASSWORD_PATTERNS) else list(find_passwords(scan, report))
    if screen.after_cue:
        found.extend(first_word_password(scan))
    if not scan.lacks_all(_DETECTOR_PATTERNS):  # most messages: none occurs, no detector has work
        for detector, scanned in _DETECTORS:
            if not scan.lacks_all(scanned):
                found.extend(detector(scan))
    if scan.flood_from is not None:  # past it the text was not fully read: cut it there
        text = text[: scan.flood_from]
        found = [f for f in found if f.end <= scan.flood_from]
        cut = True
    if placed_before is not None and 1 in placed_before[: len(text)]:
        # A placeholder is never a secret: redacting twice changes nothing.
        found = [f for f in found if 1 not in placed_before[f.start : f.end]]
    if not found:  # most messages: nothing to replace, the text is its own reading
        tail = CUT_MARK if cut else ""
        return Redaction(text + tail, text + " " * len(tail), (), ends_with_cue=report.ends_with_cue)
    kept = _select(_propagate(text, _select(found)))
    parts: list[str] = []
    blanked: list[str] = []
    placed: list[Finding] = []
    position = 0
    shift = 0
    for finding in kept:
        placeholder = PLACEHOLDERS[finding.kind]
        parts.append(text[position : finding.start])
        blanked.append(text[position : finding.start])
        parts.append(placeholder)
        blanked.append(" " * len(placeholder))
        start = finding.start + shift
        placed.append(Finding(start, start + len(placeholder), finding.kind))
        shift += len(placeholder) - (finding.end - finding.start)
        position = finding.end
    parts.append(text[position:])
    blanked.append(text[position:])
    if cut:
        parts.append(CUT_MARK)
        blanked.append(" " * len(CUT_MARK))
    return Redaction(
        text="".join(parts),
        reading="".join(blanked),
        findings=tuple(placed),
        ends_with_cue=report.ends_with_cue and not kept_after_cue(kept, text),
    )


def _placeholders(scan: Scan) -> bytearray | None:
    """Which characters belong to placeholders already in the text (``None``: there are none)."""
    if scan.lacks(_PLACEHOLDER):
        return None
    placed = bytearray(len(scan.text))
    for start, end in scan.spans(_PLACEHOLDER):
        placed[start:end] = b"\x01" * (end - start)
    return placed


def kept_after_cue(kept: list[Finding], text: str) -> bool:
    """Whether the last finding sits at the very end of ``text`` (the open cue got its value)."""
    return bool(kept) and not text[kept[-1].end :].strip()


def redact(text: str, *, screen: Screen | None = None) -> str:
    """``text`` with secrets and personal data replaced by typed placeholders.

    Idempotent: placeholders are never taken for secrets, so redacting a
    redacted text changes nothing.
    """
    return redact_message(text, screen=screen).text
