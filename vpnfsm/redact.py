"""Remove secrets and personal data from text before it is stored, logged or ticketed.

This is the single redaction point: the turn logic stores only ``redact(message)``
in the history and the session tail, and the handoff summary, tags, Jira payload
and delivery logs are built from that. What is redacted (also listed in
``docs/operations.md``):

- passwords, passphrases, PINs and secrets written after a cue ("my password
  is ...", "pw: ...", "passcode = '...'"), quoted values included;
- one-time codes: 4-8 digits after a cue ("OTP", "verification code", "PIN"),
  and any standalone 6-8 digit number;
- API keys and tokens after a cue ("token: ...", "api key ..."), bearer and
  basic ``Authorization`` values, JWTs, credentials inside URLs
  (``https://user:secret@host``) and long key-like strings;
- e-mail addresses and phone numbers.

VPN error codes (``809``, ``-7200``, ``0x80070005``), versions and product
names are left alone: they are the facts a technician needs.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "redact"]

REDACTED = "[redacted]"

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "password is hunter2", "pw: x", "passcode = y" -> keep the cue, drop the value.
    (
        re.compile(
            r"(?i)\b(pass(?:word|wd|phrase|code)?|pwd|pw|pin|secret)\b(\s*(?:is|was|=|:)\s*|\s+)"
            r"(?!(?:is|was|expired|reset|wrong|right|correct|incorrect|for|of|and|but|not|still)\b)"
            r"(\"[^\"]*\"|'[^']*'|\S+)"
        ),
        r"\1\2" + REDACTED,
    ),
    # "token: abc", "api key is xyz" -> the value after the cue.
    (
        re.compile(
            r"(?i)\b((?:api[ _-]?)?(?:token|key)|apikey|client[ _-]secret)\b(\s*(?:is|=|:)\s*)"
            r"(?!(?:expired|invalid|wrong|missing)\b)(\"[^\"]*\"|'[^']*'|\S{6,})"
        ),
        r"\1\2" + REDACTED,
    ),
    # Credentials inside URLs: scheme://user:secret@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"), r"\1" + REDACTED + "@"),
    # Authorization: Basic <base64>.
    (re.compile(r"(?i)\bbasic\s+[A-Za-z0-9+/]{8,}={0,2}"), "Basic " + REDACTED),
    # One-time codes: digits right after a cue word ("error code 13801" is not one).
    (
        re.compile(
            r"(?i)\b(otp|one[- ]time (?:code|password)|(?:verification|security|sms|mfa|2fa|auth|"
            r"authenticator|login) code|pin)\b(\s*(?:is|was|=|:)?\s*)(\d{4,8})\b"
        ),
        r"\1\2" + REDACTED,
    ),
    # Bearer tokens and JWTs.
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), REDACTED),
    # Long key-like strings (API keys, session tokens): 24+ mixed characters.
    (re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}\b"), REDACTED),
    # E-mail addresses.
    (re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), REDACTED),
    # Phone numbers: +country or 9+ digits with separators; never 3-5 digit error codes.
    (re.compile(r"(?<![\w-])\+\d[\d ()./-]{7,}\d\b|\b\d{3}[ ./-]\d{3,4}[ ./-]\d{3,4}\b"), REDACTED),
    # Standalone 6-8 digit numbers are one-time codes more often than anything
    # a VPN shows (RAS codes have 3 digits, IKE codes 5).
    (re.compile(r"(?<![\w.-])\d{6,8}(?![\w.-])"), REDACTED),
)


# Every rule above needs one of these; most chat messages ("Windows", "no")
# have none, and one search is far cheaper than running every rule.
_MAYBE_SECRET = re.compile(
    r"(?i)\d{4}|@|\+\d|pass|pwd|pw\b|pin\b|secret|otp|code|bearer|eyJ|[A-Za-z0-9_-]{24}"
)


def redact(text: str) -> str:
    """``text`` with secrets and personal data replaced by ``[redacted]``."""
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
