"""Hypothesis properties of redaction.

1. A random secret of each kind, inserted (with its cue, if the kind needs one)
   at a random word boundary of a real-looking message, is always removed, and
   the extraction of the rest of the message is what it would be without the
   secret's value.
2. Over generated conversations sprinkled with secrets, no slot, tag or ticket
   payload field ever holds a redacted span (neither the secret nor a placeholder).
3. Redaction is idempotent and never raises, for any text.
"""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn
from stdnum.us import ssn

from vpnfsm import Assistant, MemoryStore
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.jira import build_issue_body
from vpnfsm.handoff.tags import tags_for
from vpnfsm.handoff.tenants import load_tenants, ticket_fields
from vpnfsm.nlp.extractor import RuleExtractor
from vpnfsm.redact import PLACEHOLDERS, redact, redact_message

EXTRACTOR = RuleExtractor()
FIELDS = ("intent", "os", "client", "symptom", "error_code", "human", "reset", "dont_know", "result")

#: Messages the way employees write them; the secret goes between two of their words.
MESSAGES = [
    "vpn keeps dropping on windows 11 with globalprotect",
    "anyconnect on my mac says login failed since this morning",
    "forticlient stuck at 40% then -7200",
    "cant connect, error 809 on the builtin windows vpn",
    "wireguard on ubuntu connects but i cant reach the intranet",
    "globalprotect 6.2.1 on macos, gateway vpn-gw01.corp.example.net not reachable",
    "ikev2 fails with 13801 on my surface",
    "openvpn on my iphone times out",
    "the vpn is super slow today, port 443 to 10.20.30.40",
    "i get 0x80070005 when i start the vpn",
    "vpn ok but outlook keeps asking",
    "no duo push on my phone when i connect to the vpn",
]

_SAFE_SYMBOLS = "!#$%&*+?@^~_"
_TAIL = string.ascii_letters + string.digits + _SAFE_SYMBOLS


@st.composite
def passwords(draw: st.DrawFn) -> tuple[str, str]:
    """(cue, value): a password after a cue in one of the supported languages."""
    cue = draw(
        st.sampled_from(
            ["my password is", "pw:", "password =", "the password i use is", "mot de passe :", "Passwort ist",
             "mi contraseña es", "la mia password è", "minha senha é", "mijn wachtwoord is", "moje hasło to",
             "пароль:", "passwd="]
        )
    )
    value = (
        draw(st.sampled_from(string.ascii_letters))
        + draw(st.sampled_from(string.digits))
        + draw(st.sampled_from("!#$%&*"))
        + draw(st.text(_TAIL, min_size=5, max_size=12))
        + draw(st.sampled_from(string.ascii_letters + string.digits))
    )
    return cue, value


@st.composite
def codes(draw: st.DrawFn) -> tuple[str, str]:
    """(cue, value): a one-time code after a code word."""
    cue = draw(
        st.sampled_from(
            ["the code on my phone is", "verification code:", "2FA code", "sms code", "otp", "authenticator shows",
             "código de verificación", "Bestätigungscode", "код из смс"]
        )
    )
    digits = draw(st.text(string.digits, min_size=6, max_size=6))
    grouped = draw(st.booleans())
    return cue, (digits[:3] + " " + digits[3:]) if grouped else digits


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, str]:
    """("", card number): 16 digits passing Luhn, plain, spaced or dashed."""
    # First digit an issuer's: Mastercard 2 and 5, Visa 4, Discover 6.
    body = draw(st.sampled_from("2456")) + draw(st.text(string.digits, min_size=14, max_size=14))
    number = body + luhn.calc_check_digit(body)
    separator = draw(st.sampled_from(["", " ", "-"]))
    return "", separator.join(number[i : i + 4] for i in range(0, 16, 4))


@st.composite
def tokens(draw: st.DrawFn) -> tuple[str, str]:
    """("", token) in a published format."""
    alnum = string.ascii_letters + string.digits
    kind = draw(st.sampled_from(["github", "aws", "slack", "jwt", "bearer"]))
    if kind == "github":
        return "", "ghp_" + draw(st.text(alnum, min_size=36, max_size=36))
    if kind == "aws":
        return "", "AKIA" + draw(st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16))
    if kind == "slack":
        return "", "xoxb-" + draw(st.text(string.digits, min_size=10, max_size=12)) + "-" + draw(
            st.text(alnum, min_size=24, max_size=24)
        )
    part = st.text(alnum + "-_", min_size=8, max_size=30)
    if kind == "jwt":
        return "", "eyJ" + draw(part) + "." + draw(part) + "." + draw(part)
    return "Authorization: Bearer", draw(st.text(alnum, min_size=20, max_size=40))


@st.composite
def emails(draw: st.DrawFn) -> tuple[str, str]:
    """("", address)."""
    local = draw(st.text(string.ascii_lowercase + string.digits, min_size=3, max_size=12))
    return "", f"{local}.{draw(st.text(string.ascii_lowercase, min_size=2, max_size=8))}@example.org"


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """("call me on", an international mobile number)."""
    prefix = draw(st.sampled_from(["+49 170", "+44 7700", "+33 6", "+34 612", "+48 601", "+31 6", "+39 347"]))
    return "call me on", prefix + " " + draw(st.text(string.digits, min_size=7, max_size=7))


@st.composite
def ibans(draw: st.DrawFn) -> tuple[str, str]:
    """("", a German IBAN with valid check digits)."""
    bban = draw(st.text(string.digits, min_size=18, max_size=18))
    return "", "DE" + iban.calc_check_digits("DE00" + bban) + bban


@st.composite
def ssns(draw: st.DrawFn) -> tuple[str, str]:
    """("", a valid US SSN written ddd-dd-dddd)."""
    area = draw(st.integers(1, 665).filter(lambda a: a != 666))
    value = f"{area:03d}-{draw(st.integers(1, 99)):02d}-{draw(st.integers(1, 9999)):04d}"
    return "", value if ssn.is_valid(value) else "536-90-4399"


@st.composite
def pem_blocks(draw: st.DrawFn) -> tuple[str, str]:
    """("", a private key block); the secret checked is its body."""
    body = draw(st.text(string.ascii_letters + string.digits + "+/", min_size=40, max_size=64))
    return "", f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"


KINDS = {
    "password": passwords(),
    "one-time code": codes(),
    "card number": cards(),
    "access token": tokens(),
    "email address": emails(),
    "phone number": phones(),
    "bank account": ibans(),
    "id number": ssns(),
    "private key": pem_blocks(),
}


def _fields(text: str) -> tuple[object, ...]:
    extraction = EXTRACTOR.extract(text)
    return tuple(getattr(extraction, name) for name in FIELDS)


def _secret_part(value: str) -> str:
    # For a PEM block the secret is the body; for a phone the subscriber part.
    if value.startswith("-----BEGIN"):
        return value.split("\n")[1]
    return value.split(" ", 2)[-1] if value.startswith("+") else value


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(sorted(KINDS)), message=st.sampled_from(MESSAGES))
def test_an_inserted_secret_is_removed_and_the_rest_reads_the_same(
    data: st.DataObject, kind: str, message: str
) -> None:
    cue, value = data.draw(KINDS[kind])
    words = message.split(" ")
    at = data.draw(st.integers(0, len(words)))
    before, after = " ".join(words[:at]), " ".join(words[at:])
    inserted = " ".join(part for part in (before, cue, value, after) if part)
    without_value = " ".join(part for part in (before, cue, after) if part)
    redaction = redact_message(inserted)
    assert _secret_part(value) not in redaction.text, (kind, inserted, redaction.text)
    assert _fields(" ".join(redaction.reading.split())) == _fields(without_value), (inserted, redaction.reading)


SPRINKLED = [
    "my password is Kettle!Rain42", "the code on my phone is 482913", "card 4111 1111 1111 1111",
    "token ghp_4fKq9ZbT2mWx7YcR1nLp8sVd3hJe6uAo0iGk", "call me on +49 170 1234567", "mail me at kim@example.org",
    "Qx8!pLm2zz", "739201", "2FA code 482 913", "IBAN DE89 3704 0044 0532 0130 00",
]
ANSWERS = [
    "vpn broken", "i forgot my password", "Windows 11", "GlobalProtect", "it won't connect", "error 809",
    "13801", "no code", "no", "still broken", "locked out", "text messages", "authenticator app",
    "new phone, mfa broken", "agent please", "start over",
]
SECRET_VALUES = [
    "Kettle!Rain42", "482913", "4111 1111 1111 1111", "ghp_4fKq9ZbT2mWx7YcR1nLp8sVd3hJe6uAo0iGk", "1234567",
    "kim@example.org", "Qx8!pLm2zz", "739201", "482 913", "DE89 3704 0044 0532 0130 00",
]
TENANTS = load_tenants(EXAMPLE_TENANTS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ANSWERS + SPRINKLED), min_size=1, max_size=10))
def test_no_slot_tag_or_payload_field_holds_a_redacted_span(conversation: list[str]) -> None:
    bot = Assistant(MemoryStore())
    reply = bot.handle(conversation[0], tenant="acme")
    for message in [*conversation[1:], "vpn still broken, human please"]:
        reply = bot.handle(message, session_id=reply.session_id, tenant="acme")
        for value in reply.slots.values():
            assert value is None or not _holds_redacted(value), reply.slots
    summary = reply.handoff_summary
    if summary is None:
        return
    tags = tags_for(summary)
    fields = ticket_fields(TENANTS.get("acme"), tags, attempts=summary.attempts)
    structured = [*summary.slots.values(), *summary.slot_text.values(), *tags]
    for api in (2, 3):
        body = build_issue_body(summary, tags, fields, api=api)
        for name, field in body["fields"].items():
            if name != "description":  # the transcript excerpt shows placeholders, as it should
                structured.append(json.dumps(field))
    for value in structured:
        assert value is None or not _holds_redacted(str(value)), value


def _holds_redacted(value: str) -> bool:
    return any(p in value for p in PLACEHOLDERS.values()) or any(s in value for s in SECRET_VALUES)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400) | st.sampled_from(SPRINKLED + MESSAGES))
def test_redaction_is_idempotent_and_total(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
