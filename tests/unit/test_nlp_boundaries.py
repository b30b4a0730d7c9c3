"""Intent boundaries and everyday symptom phrasing, written the way employees type.

The expectations are what a good helpdesk agent would read from the message (taxonomy item 5
of issue 13): sign-in MFA, lock-outs, expiry and reset mails are password resets unless a VPN
is named; outbox/sync/delivery is e-mail; an incidental mention is not the intent.
"""

from __future__ import annotations

import pytest

from vpnfsm.nlp import RuleExtractor


@pytest.fixture(scope="module")
def ex() -> RuleExtractor:
    return RuleExtractor()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("authenticator app on my new phone doesnt have the work account anymore", "password_reset"),
        ("the 2fa code by sms never comes when i log into office365", "password_reset"),
        ("got a new phone, MFA app is empty now, how do i get back in??", "password_reset"),
        ("account locked after too many attempts pls unlock", "password_reset"),
        ("my password expired and it wont let me change it", "password_reset"),
        ("reset password email never arrives, checked spam already", "password_reset"),
        ("forgot pw, clicked the reset link thing but no mail came", "password_reset"),
        ("Passwort vergessen, die reset mail kommt nicht an", "password_reset"),
        ("mails stuck in the outbox since this morning", "email"),
        ("outlook stopped syncing with exchange after the update", "email"),
        ("not receiving any emails since yesterday", "email"),
        ("550 5.1.1 recipient rejected when i send to a customer", "email"),
        ("my e-mail is jan.kowalski@firma.example btw, the printer on 3rd floor is jammed", "general"),
        ("outlook works fine but the vpn keeps dropping every 10 min", "vpn"),
        ("anyconnect asks for the duo push and it never shows up on my phone", "vpn"),
        ("windows update fails with 0x800f0922 again", "general"),
        ("wifi says connected but no internet on my laptop", "general"),
    ],
)
def test_intent_boundaries(ex: RuleExtractor, text: str, intent: str) -> None:
    assert ex.extract(text).intent == intent


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("vpn speeds are awful since the update, like 2mbit", "slow"),
        ("the vpn wont hold the connection more than 5 min", "disconnects"),
        ("on vpn i get 'name or service not known' for the intranet hosts", "dns"),
        ("VPN连接后网速特别慢", "slow"),
        ("vpn постоянно пропадает, каждые 10 минут", "disconnects"),
    ],
)
def test_everyday_symptoms(ex: RuleExtractor, text: str, symptom: str) -> None:
    got = ex.extract(text)
    assert (got.intent, got.symptom) == ("vpn", symptom)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("vpn keeps disconnecting and when its up its super slow", "disconnects", "slow"),
        ("globalprotect cert error, and before that it kept dropping", "certificate", "disconnects"),
    ],
)
def test_two_symptoms(ex: RuleExtractor, text: str, first: str, second: str) -> None:
    got = ex.extract(text)
    assert (got.symptom, got.second_symptom) == (first, second)


def test_aside_has_low_intent_confidence_and_a_cue_full(ex: RuleExtractor) -> None:
    # A cue phrase reads as confident as the rules ever are; nothing said reads low.
    cue = ex.extract("vpn keeps dropping").intent_confidence
    assert cue >= 0.9
    assert ex.extract("hmm ok whatever").intent_confidence < cue
