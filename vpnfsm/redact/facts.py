"""Facts a technician needs, which redaction must never destroy.

Two kinds of data live here. *Shapes* (IP and MAC addresses, versions and
builds, dates and times, hex and negative error codes, KB and ticket ids, host
names, file paths, colon-hex serials) are marked protected before any weak
detector runs, so a digit group inside ``10.20.30.40`` or ``6.2.1-45`` is
never taken for a code or a phone number. *Cue words* (``ticket``, ``build``,
``port``, ``event``, ...) right before a number say it is a reference, not a
one-time code.
"""

from __future__ import annotations

from vpnfsm._patterns import compile_user
from vpnfsm.redact._scan import Scan

__all__ = ["FACT_BUDGET", "FACT_CUES", "SCANNED", "TECHNICAL_WORDS", "protect_facts"]

_SHAPES = compile_user(
    r"(?:"
    r"\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?"  # IPv4, with a port
    r"|[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5,19}"  # MAC addresses, colon-hex serials
    r"|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}::?[0-9A-Fa-f]{0,4}"  # IPv6
    r"|v?\d{1,6}(?:\.\d{1,6}){1,4}(?:[-+][0-9A-Za-z]{1,12})?"  # versions and builds: 6.2.1-45, 19045.4291
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"  # ISO dates (and times)
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}"  # 15.03.2024, 03/15/2024
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # times
    r"|0x[0-9A-Fa-f]{1,16}"  # HRESULTs and other hex codes
    r"|-\d{1,10}"  # FortiClient and HRESULT-as-integer codes: -7200, -2147023671
    r"|(?:KB|INC|REQ|RITM|CHG|PRB|TASK|SR|CS|TKT)\d{3,12}"  # KB articles, ticket ids
    r"|[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){1,8}\.[A-Za-z]{2,24}(?::\d{1,5})?"  # host names
    r"|[A-Za-z]:\\[^\n\"'<>|?*]{1,240}"  # Windows paths
    r"|/(?:etc|var|usr|opt|home|tmp|Library|Applications|Users|System)/[^\s\"']{1,240}"  # Unix paths
    r"|(?:DESKTOP|LAPTOP|WIN|PC|SRV|NB)-[A-Z0-9]{4,15}"  # default Windows host names
    r")",
    name="redact:facts:shapes",
)

_VERSION = compile_user(r"\d{1,6}(?:\.\d{1,6}){1,4}(?:[-+][0-9A-Za-z]{1,12})?", name="redact:facts:version")

#: The patterns this module searches the whole text with (``core``'s prefilter says whether they occur).
SCANNED = (_SHAPES,)

#: Facts marked per message.
FACT_BUDGET = 256

#: Words right before a number that make it a reference, not a secret.
FACT_CUES: frozenset[str] = frozenset(
    {
        "ticket",
        "tickets",
        "tkt",
        "case",
        "inc",
        "incident",
        "req",
        "request",
        "change",
        "chg",
        "build",
        "version",
        "ver",
        "release",
        "kb",
        "article",
        "event",
        "id",
        "port",
        "ports",
        "error",
        "err",
        "errors",
        "fehler",
        "erreur",
        "errore",
        "błąd",
        "ошибка",
        "serial",
        "order",
        "invoice",
        "po",
        "ext",
        "extension",
        "room",
        "line",
        "mtu",
        "udp",
        "tcp",
        "step",
        "page",
        "number",
        "nr",
        "no",
        "#",
        "code:",
        "status",
        "exit",
        "asset",
        "tag",
        "inventory",
        "model",
        "firmware",
        "bios",
        "kernel",
        "pid",
        "uid",
        "gid",
        "vlan",
        "ssid",
        "zip",
        "postcode",
        "since",
        "year",
        "jahr",
        "année",
        "año",
        "anno",
        "ano",
        "jaar",
        "rok",
        "год",
        "ref",
        "reference",
        "referenz",
        "référence",
        "referencia",
        "riferimento",
        "nummer",
        "numéro",
        "número",
        "numero",
        "numer",
        "номер",
        "sr",
        "ritm",
        "ticketnummer",
        "fallnummer",
        "vorgang",
    }
)

#: Technical words that look password-like (mixed classes, 8+ characters) but are not secrets.
TECHNICAL_WORDS: frozenset[str] = frozenset(
    {
        "ms-chapv2",
        "mschapv2",
        "peap-mschapv2",
        "eap-mschapv2",
        "eap-tls",
        "eap-ttls",
        "ikev2",
        "l2tp/ipsec",
        "ssl-vpn",
        "aes-256",
        "aes-128",
        "sha-256",
        "sha-512",
        "x86_64",
        "arm64",
        "wpa2-enterprise",
        "wpa3-enterprise",
        "wpa2-personal",
        "802.1x",
        "ipv4/ipv6",
        "windows11",
        "windows10",
        "win11",
        "win10",
        "macos14",
        "ios17",
        "android14",
        "utf-8",
        "sha1/rsa",
        "ecdhe-rsa",
        "tls1.2",
        "tls1.3",
        "dtls1.2",
        "chacha20-poly1305",
        "rsa-2048",
        "rsa-4096",
    }
)


def protect_facts(scan: Scan) -> None:
    """Mark every fact shape in the text as protected."""
    if scan.lacks(_SHAPES):
        return
    text = scan.text
    # Past the budget facts are simply not protected: the weak detectors may then remove more
    # than they should from a huge log, but nothing is left unexamined (no cut, no leak).
    for count, (start, end) in enumerate(_SHAPES.spans(scan.encoded)):
        if count >= FACT_BUDGET:
            return
        # "-7200" is a code only where a word does not run into it ("827-361" is one group);
        # after a word ("Ubuntu-22.04") the shape may be a version: look just after the dash.
        if text[start] == "-" and start > 0 and not (text[start - 1].isspace() or text[start - 1] in "(:=,\"'"):
            version = next(scan.spans_in(_VERSION, start + 1, min(len(text), start + 40)), None)
            if version is not None and version[0] == start + 1:
                scan.protect(*version)
            continue
        if end > start and scan.bounded(start, end):
            scan.protect(start, end)
