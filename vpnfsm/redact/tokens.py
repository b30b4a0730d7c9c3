"""Access tokens and keys, by their published formats and by the names they are pasted under.

Formats: AWS access key ids (``AKIA``/``ASIA``/... + 16), GitHub tokens
(``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``, ``github_pat_``), Slack tokens
(``xoxb-``, ``xoxp-``, ...) and webhook URLs, Google API keys (``AIza``),
Stripe keys, GitLab tokens (``glpat-``), JWTs (three base64url parts, the first
``eyJ``), ``Bearer``/``Basic`` authorization values, PEM private-key blocks,
credentials inside URLs (``scheme://user:secret@host``), query parameters and
``key=value`` / JSON pairs whose key names a secret (``password``, ``token``,
``api_key``, ``client_secret``, ``AWS_SECRET_ACCESS_KEY``, ``PSK``, ...), a value
after "api key" / "token" words, and long key-like strings (24+ letters and
digits that are not plain hex: hex strings are serials and thumbprints).
"""

from __future__ import annotations

from collections.abc import Iterator

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding, Kind
from vpnfsm.redact._scan import Scan
from vpnfsm.redact._values import read_value
from vpnfsm.redact._words import NOT_A_VALUE

__all__ = ["SCANNED", "find_long_keys", "find_tokens"]

# (name, pattern, kind): the whole match is the secret.
_FORMATS: tuple[tuple[str, str, Kind], ...] = (
    ("aws-key-id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b", "access_token"),
    ("github", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})", "access_token"),
    ("slack", r"\bxox[abposr]-[A-Za-z0-9-]{10,250}", "access_token"),
    ("google", r"\bAIza[0-9A-Za-z_-]{35}", "access_token"),
    ("stripe", r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,247}", "access_token"),
    ("gitlab", r"\bglpat-[0-9A-Za-z_-]{20,64}", "access_token"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "access_token"),
    (
        "pem",
        r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z ]{0,40}PRIVATE KEY"
        r"(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,-]*)",
        "secret",
    ),
)

# (name, pattern, kind): group 1 is the secret.
_VALUES: tuple[tuple[str, str, Kind], ...] = (
    ("slack-webhook", r"hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9/_-]{8,200})", "access_token"),
    ("bearer", r"(?i)\bbearer\s+(?:token\s*[=:]?\s*)?([A-Za-z0-9._~+/=-]{8,})", "access_token"),
    ("basic", r"(?i)\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})", "secret"),
    ("auth-header", r"(?i)\b(?:x-api-key|api-key|x-auth-token|private-token)\s*:\s*(\S{6,})", "access_token"),
    ("url-credentials", r"(?i)\b[a-z][a-z0-9+.-]{1,20}://([^/\s:@]{1,128}:[^/\s@]{1,256})@", "secret"),
    (
        "query",
        r"(?i)[?&;]([a-z0-9_.-]{0,40}(?:token|key|secret|password|passwd|pwd|pass|sig|signature|auth|code"
        r"|session|sid|otp|credential)[a-z0-9_.-]{0,40})=([^&\s#\"']{1,})",
        "access_token",
    ),
)

# key=value, key: value, "key": "value" where the key names a secret.
_PAIR = compile_user(
    r"(?i)[\"']?([a-z0-9_.-]{0,60}(?:pass(?:word|wd|wort|phrase)?|pwd|secret|token|api[_-]?key|apikey"
    r"|private[_-]?key|access[_-]?key|credential|psk|kennwort|motdepasse|contrase[nñ]a|senha|wachtwoord"
    r"|has[lł]o|пароль|session[_-]?id|cookie)[a-z0-9_.-]{0,60})[\"']?\s*(?:=|:)\s*"
    r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,;&}\]\"']{1,})",
    name="redact:tokens:key-value",
)
#: Keys that name a secret but hold a harmless setting.
_HARMLESS_KEY_ENDS = (
    "_expiry",
    "_expires",
    "_ttl",
    "_url",
    "_uri",
    "_file",
    "_path",
    "_length",
    "_type",
    "_policy",
    "_prompt",
    "_manager",
    "_hint",
    "_endpoint",
    "_lifetime",
    "_timeout",
    "_format",
    "_name",
    "_required",
    "-prompt",
    "-manager",
    "_rotation",
    "_age",
    "_min",
    "_max",
    "_count",
)
_PASSWORD_KEYS = ("pass", "pwd", "kennwort", "motdepasse", "contrase", "senha", "wachtwoord", "has", "пароль", "psk")

# A value after "api key", "token", "access token" words: it must look like a key.
_TOKEN_CUE = compile_user(
    r"(?i)\b(?:api[ _-]?key|apikey|api[ -]schlüssel|api-token|access[ _-]?token|auth[ _-]?token|refresh[ _-]?token"
    r"|secret[ _-]?key|private[ _-]?key|token|clé api|clave (?:de )?api|chiave api|chave (?:de )?api"
    r"|klucz api|ключ api|api-ключ)\b",
    name="redact:tokens:cue",
)
_LONG_KEY = compile_user(r"[A-Za-z0-9_+/-]{24,}={0,2}", name="redact:tokens:long-key")

_compiled_formats = tuple((compile_user(p, name=f"redact:tokens:{n}"), k) for n, p, k in _FORMATS)
_compiled_values = tuple((compile_user(p, name=f"redact:tokens:{n}"), k, n) for n, p, k in _VALUES)
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (
    _PAIR,
    _TOKEN_CUE,
    _LONG_KEY,
    *(pattern for pattern, _ in _compiled_formats),
    *(pattern for pattern, _, _ in _compiled_values),
)


def _pair_kind(key: str) -> Kind:
    low = key.lower()
    if any(word in low for word in ("token", "key", "session", "cookie", "api")) and "pass" not in low:
        return "access_token"
    if "secret" in low and not any(low.startswith(w) or f"_{w}" in low for w in _PASSWORD_KEYS):
        return "secret"
    return "password"


def _find_pairs(scan: Scan) -> Iterator[Finding]:
    text = scan.text
    for match in scan.matches(_PAIR):
        key = match.group(1) or ""
        if key.lower().endswith(_HARMLESS_KEY_ENDS):
            continue
        start, end = match.span(2)
        value = text[start:end]
        if value[:1] in "\"'":
            start, end = start + 1, end - 1
            value = value[1:-1]
        elif value.lower() in NOT_A_VALUE or (text[match.end(1) : start].strip(" \"'") == ":" and len(value) < 4):
            continue
        if not value or value.lower() in ("null", "none", "true", "false", "***", "") or value.startswith("["):
            continue
        yield Finding(start, end, _pair_kind(key))


def _is_long_key(token: str) -> bool:
    if sum(c.isdigit() for c in token) < 2 or not any(c.isalpha() for c in token):
        return False
    if all(c in "0123456789abcdefABCDEF" for c in token):
        return False  # serials, thumbprints, hashes
    if token.upper() == token and "_" in token:
        return False  # CONSTANT_NAMES_LIKE_THIS_2
    return not ("/" in token and token.count("/") > 2 and not any(c.isdigit() for c in token.split("/")[-1]))


def find_tokens(scan: Scan) -> Iterator[Finding]:
    """Every token, key and credential in ``scan.text``."""
    text = scan.text
    for pattern, kind in _compiled_formats:
        for start, end in scan.spans(pattern):
            yield Finding(start, end, kind)
    for pattern, kind, name in _compiled_values:
        for match in scan.matches(pattern):
            group = 2 if name == "query" else 1
            yield Finding(match.start(group), match.end(group), kind)
    yield from _find_pairs(scan)
    for _, cue_end in scan.spans(_TOKEN_CUE):
        read = read_value(text, cue_end)
        if read.span is None:
            continue
        start, end = read.span
        value = text[start:end]
        if len(value) >= 8 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            yield Finding(start, end, "access_token")


def find_long_keys(scan: Scan) -> Iterator[Finding]:
    """Long key-like strings without a known format (the last resort: a tie goes to any other kind)."""
    text = scan.text
    for start, end in scan.spans(_LONG_KEY):
        if scan.bounded(start, end) and _is_long_key(text[start:end]) and not scan.is_protected(start, end):
            yield Finding(start, end, "access_token")
