"""What redaction finds: the kinds of secret, their placeholders, and one finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["PLACEHOLDERS", "Finding", "Kind", "Screen"]

#: Every kind of span redaction removes.
Kind = Literal[
    "password",
    "one_time_code",
    "card_number",
    "phone_number",
    "access_token",
    "email_address",
    "id_number",
    "bank_account",
    "secret",
]

#: The typed placeholder that replaces a span of each kind, so a technician
#: still reads that the user gave (say) a code, without the code.
PLACEHOLDERS: Mapping[Kind, str] = {
    "password": "[password]",
    "one_time_code": "[one-time code]",
    "card_number": "[card number]",
    "phone_number": "[phone number]",
    "access_token": "[access token]",
    "email_address": "[email address]",
    "id_number": "[id number]",
    "bank_account": "[bank account]",
    "secret": "[secret]",
}

#: Kinds the user is told about once per session ("that looked like a password or code").
CREDENTIAL_KINDS: frozenset[Kind] = frozenset({"password", "one_time_code", "access_token", "secret"})


@dataclass(frozen=True, slots=True)
class Finding:
    """A span ``text[start:end]`` that is a secret of ``kind``."""

    start: int
    end: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class Screen:
    """How strictly a message is screened.

    Attributes:
        strict: the bot's last question was near secrets (sign-in, codes,
            recovery, a password flow): password-like words and short digit
            groups without a cue are taken as secrets too.
        after_cue: the user's previous line ended in a password cue ("my new
            password is"), so this line's first word is the password.
        error_code_question: the bot asked for an error code: digit groups
            without a code word are the answer, never taken as codes even
            when the screen is strict ("13801" after "login failed").

    """

    strict: bool = False
    after_cue: bool = False
    error_code_question: bool = False

    @property
    def strict_digits(self) -> bool:
        """Whether a 4-8 digit group without a code word is taken as a one-time code."""
        return self.strict and not self.error_code_question
