"""Passwords, PINs, passphrases, Wi-Fi keys and secret answers, found after a cue word.

The cue is a word for "password" in one of the supported languages (en, de,
fr, es, it, pt, nl, pl, ru, with common typos), the value is what follows
after fillers and a copula ("the password I use is X", "Passwort lautet X",
"mot de passe : X", "hasło to X", "пароль: X"). The validator is the shape:
after a real copula any word that is not "not / wrong / expired / manager ..."
is the value; without one ("пароль Matryoshka!88") it must look like a
password. A cue at the very end of a message ("my new password is") is
reported, so the turn can screen the next message for the value.
"""

from __future__ import annotations

from collections.abc import Iterator

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding, Kind
from vpnfsm.redact._scan import Scan
from vpnfsm.redact._values import read_value
from vpnfsm.redact._words import NEW_WORDS

__all__ = ["SCANNED", "PasswordReport", "find_passwords"]

# Each alternative is a cue; the named groups say how its value is read. Longer cues come
# first: RE2 takes the first alternative that matches at a position ("password" before "pass").
_CUES = compile_user(
    r"(?P<phrase>pass ?phrases?|passphrasen?|phrase secr[eè]te|frase (?:de )?contrase[nñ]a)"
    r"|(?P<answer>secret answer|security (?:question )?answer|answers? to (?:my |the )?security question"
    r"|maiden name|geheime antwort|sicherheitsantwort|réponse secrète|respuesta secreta)"
    r"|(?P<key>wpa2? ?(?:key|psk)|wi-?fi (?:key|code)|wlan[- ]?(?:key|schlüssel|schluessel)|network key"
    r"|netzwerkschlüssel|pre-?shared key|shared secret|clé wi-?fi|clave wi-?fi|client secret|secret)"
    r"|(?P<word>pass(?:word|wd|wort|wrd)s?|pasword|passowrd|passwrod|paswort|pword|pwd|pw|kennwort"
    r"|mots? de passe|mdp|contrase[nñ]as?|senhas?|wachtwoord(?:en)?|has[lł]o|hasła|hasla"
    r"|парол[ьяеи]м?|parola d.ordine|password)"
    r"|(?P<pin>pin(?:-?code)?|pin-nummer|code pin|numer pin|пин(?:-код)?)"
    r"|(?P<weak>pass|clave|login)",
    name="redact:passwords:cues",
    ignore_case=True,
)

# "creds are jdoe / X", "login: jdoe:X" -- the value is the part after the user name.
_PAIR = compile_user(
    r"(?:creds|credentials|login|logon|user/pass(?:word)?|username/password)\s*(?:are|is|:|=)?\s*"
    r"[^\s/:]{1,64}\s*[/:]\s*(\S{1,128})",
    name="redact:passwords:user-pair",
    ignore_case=True,
)

#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_CUES, _PAIR)

_KINDS: dict[str, Kind] = {
    "phrase": "password",
    "answer": "secret",
    "key": "secret",
    "pin": "password",
    "weak": "password",
    "word": "password",
}


class PasswordReport:
    """What the password detector saw besides its findings: a cue left open at the end."""

    def __init__(self) -> None:
        """Start with no open cue."""
        self.ends_with_cue = False


def find_passwords(scan: Scan, report: PasswordReport) -> Iterator[Finding]:
    """Every password-like value after a cue in ``scan.text``."""
    text = scan.text
    for match in scan.matches(_CUES):
        start, end = match.span()
        if not scan.bounded(start, end):
            continue
        group = str(match.lastgroup or "word")
        kind = _KINDS[group]
        if group == "key" and match.group(0).lower() == "secret" and text[end : end + 1] in "_-":
            continue  # secret_key=..., a pair the token detector reads
        read = read_value(
            text,
            end,
            words={"phrase": 8, "answer": 4}.get(group, 1),
        )
        if read.span is None:
            before = scan.words_before(start, 1)
            announced = read.announced or bool(before and before[-1] in NEW_WORDS)
            if read.at_end and announced and group in ("word", "phrase"):
                report.ends_with_cue = True
            continue
        value_start, value_end = read.span
        value = text[value_start:value_end]
        if group == "weak" and not read.announced:
            continue
        if group == "pin" and not (4 <= sum(c.isdigit() for c in value) <= 12 and value.replace(" ", "").isalnum()):
            continue
        if group == "weak" and match.group(0).lower() in ("login", "clave") and not read.announced:
            continue
        yield Finding(value_start, value_end, kind)
    for match in scan.matches(_PAIR):
        value_start, value_end = match.span(1)
        value = text[value_start:value_end].rstrip(".,;")
        if value and len(value) >= 4:
            yield Finding(value_start, value_start + len(value), "password")


def first_word_password(scan: Scan) -> Iterator[Finding]:
    """The message's first word, when the previous line ended in a password cue."""
    # One word alone is the password; in a longer line the first word must look like one
    # ("sorry wrong window" is not a password).
    read = read_value(scan.text, 0, announced=True, need_shape=len(scan.text.split()) > 1)
    if read.span is not None:
        yield Finding(read.span[0], read.span[1], "password")
