"""Remove secrets and personal data from a message before anything else reads it.

The turn redacts each user message once, on entry (``vpnfsm/_turn.py``); the
extractor, flows, session, history, handoff summary, tags, ticket payloads and
logs only ever see the result. Each removed span becomes a typed placeholder
(:data:`PLACEHOLDERS`: ``[password]``, ``[one-time code]``, ``[card number]``,
``[phone number]``, ``[access token]``, ``[email address]``, ``[id number]``,
``[bank account]``, ``[secret]``), so a technician still reads *that* a code was
given. One module per kind family, each with its cue and validator:

=====================  ==========================================================
``passwords``          password / PIN / passphrase / Wi-Fi key / secret-answer cues in
                       en, de, fr, es, it, pt, nl, pl, ru; a cue left open at the end
``codes``              one-time codes near code words; recovery and backup codes
``tokens``             AWS, GitHub, Slack, Google, Stripe, GitLab, JWT, Bearer/Basic,
                       PEM blocks, URL credentials, secret-named parameters and pairs
``cards``              card numbers (Luhn, python-stdnum)
``ids``                IBANs and national ids (python-stdnum)
``phones``             phone numbers (phonenumbers)
``emails``             e-mail addresses
``loose``              password-like words without a cue, when talk is about signing in
``facts``              what must survive: error codes, versions, hosts, IPs, MACs, ...
``context``            which questions are near secrets (strict screening)
=====================  ==========================================================

Every pattern is RE2 (``vpnfsm/_patterns.py``): linear time, and the text is
capped at :data:`MAX_REDACT_CHARS`. One ``RE2::Set`` pass (``_prefilter``) first says
which patterns occur at all; detectors with nothing to read are not run.
"""

from __future__ import annotations

from vpnfsm.redact._kinds import PLACEHOLDERS, Finding, Kind, Screen
from vpnfsm.redact.context import screen_for
from vpnfsm.redact.core import MAX_REDACT_CHARS, Redaction, redact, redact_message

__all__ = [
    "MAX_REDACT_CHARS",
    "PLACEHOLDERS",
    "Finding",
    "Kind",
    "Redaction",
    "Screen",
    "redact",
    "redact_message",
    "screen_for",
]
