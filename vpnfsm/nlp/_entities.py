"""Rule-based matchers for the ``os`` and ``client`` slots.

Each alias or pattern in ``vocab.toml`` is one alternative of a single compiled regex, so a
message is scanned once per slot. Mentions are then read in context: a negated mention
("not windows") is dropped, a correction ("actually it's a mac") wins, a mention after
"works fine on" is only a fallback, and a higher ``priority`` beats a lower one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vpnfsm.nlp._fuzzy import fuzzy_hits
from vpnfsm.nlp._vocab import AliasRule, Vocabulary, alias_regex, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit

__all__ = ["DEFAULT_CHOICES", "ClientMatcher", "OsMatcher", "compile_alternatives"]

#: The order options are offered in when a prompt lists them ("the first" = the first here).
DEFAULT_CHOICES: dict[str, tuple[str, ...]] = {
    "os": ("windows", "macos", "linux", "ios", "android", "chromeos"),
    "client": (
        "anyconnect", "globalprotect", "forticlient", "openvpn", "wireguard", "windows_builtin",
        "ivanti", "zscaler", "checkpoint", "ipsec_other", "other",
    ),
    "symptom": (
        "cannot_connect", "auth_failure", "mfa", "certificate", "connected_no_access", "dns",
        "disconnects", "slow", "client_error",
    ),
}

# "not", "isn't", "don't use", "instead of" ... right before a mention negates it.
_NEGATED_BEFORE = re.compile(
    r"(?:\bnot|\bno|n['’]t|\bnever|\binstead\s+of|\brather\s+than|\bother\s+than|\bexcept"
    r"|\bswitched\s+(?:away\s+)?from|\bmoved\s+(?:away\s+)?from|\bmigrated\s+from|\bused\s+to\s+(?:use|be\s+on|have)"
    r"|\bno\s+longer)"
    r"(?:\s+(?:on|using|use|an?|the|my|with|from|running|it['’]?s|is|a|really|even|any|have|got))*\s*[,:]?\s*$"
)
# "works on X but not on Y": the "not" is about working, Y is the device with the problem.
_BUT_NOT_BEFORE = re.compile(r"\bbut\s+not\s+(?:on\s+|with\s+|from\s+|in\s+)?(?:my\s+|the\s+)?$")
_WORKS_ON_BEFORE = re.compile(
    r"\b(?:works?|working|worked|fine|ok|okay)\s+(?:fine\s+|ok\s+|okay\s+|well\s+|perfectly\s+)?"
    r"(?:on|with|from|in)\s+(?:my\s+|the\s+|a\s+)?$"
)
_CORRECTION = re.compile(
    r"\b(?:actually|i\s+mean|sorry|correction|wait|oops|my\s+bad|scratch\s+that|rather)\b"
)
_ORDINAL = re.compile(
    r"^\W*(?:it['’]?s\s+|i\s+(?:use|have|picked?|chose)\s+)?(?:the\s+)?(?:(?:option|number|choice|no\.?)\s*#?\s*)?"
    r"(first|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|5th|6th|last|#?[1-6])"
    r"(?:\s+(?:one|option|choice))?\W*$"
)
_ORDINAL_INDEX = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "sixth": 5, "6th": 5,
}
_BEFORE_WINDOW = 30


def compile_alternatives(sources: Sequence[str]) -> re.Pattern[str]:
    """One regex whose alternatives are ``sources``, each in a group named ``r<index>``."""
    return re.compile("|".join(f"(?P<r{i}>{source})" for i, source in enumerate(sources)))


@dataclass(frozen=True, slots=True)
class _Mention:
    rule: AliasRule
    start: int
    end: int
    demoted: bool
    corrected: bool


def _read_mentions(
    pattern: re.Pattern[str], rules: Sequence[AliasRule], folded: str
) -> list[_Mention]:
    mentions: list[_Mention] = []
    correction = _CORRECTION.search(folded)
    correction_at = correction.end() if correction else len(folded) + 1
    for match in pattern.finditer(folded):
        start = match.start()
        before = folded[max(0, start - _BEFORE_WINDOW) : start]
        if _NEGATED_BEFORE.search(before) and not _BUT_NOT_BEFORE.search(before):
            continue
        rule = rules[int((match.lastgroup or "r0")[1:])]
        mentions.append(
            _Mention(rule, start, match.end(), bool(_WORKS_ON_BEFORE.search(before)), start >= correction_at)
        )
    return mentions


def _best(mentions: list[_Mention]) -> _Mention | None:
    if not mentions:
        return None
    corrected = [m for m in mentions if m.corrected]
    if corrected:
        return corrected[-1]
    pool = [m for m in mentions if not m.demoted] or mentions
    top = max(m.rule.priority for m in pool)
    return next(m for m in pool if m.rule.priority == top)


def _ordinal_choice(folded: str, order: Sequence[str]) -> tuple[str, int, int] | None:
    match = _ORDINAL.match(folded)
    if not match or not order:
        return None
    word = match.group(1).lstrip("#")
    index = len(order) - 1 if word == "last" else _ORDINAL_INDEX.get(word, int(word) - 1 if word.isdigit() else 0)
    if index >= len(order):
        return None
    return order[index], match.start(1), match.end(1)


class _AliasMatcher:
    """Shared logic of the os and client matchers."""

    field: str

    def __init__(self, rules: Sequence[AliasRule], choices: Sequence[str]) -> None:
        # Longer sources first: at one position "cisco secure client" beats "cisco".
        self._rules = tuple(sorted(rules, key=lambda r: -len(r.literal or r.source)))
        self._pattern = compile_alternatives([r.source for r in self._rules])
        self._choices = tuple(choices)

    def _exact(self, folded: str) -> Hit | None:
        best = _best(_read_mentions(self._pattern, self._rules, folded))
        if best is None:
            return None
        return Hit(best.rule.label, best.rule.id, best.start, best.end)

    def _fallbacks(self, folded: str, turn: Turn) -> Hit | None:
        if turn.pending == self.field:
            choice = _ordinal_choice(folded, self._choices)
            if choice:
                return Hit(choice[0], f"{self.field}:choice:ordinal", choice[1], choice[2])
        for label, name, start, end in fuzzy_hits(folded, self.field):
            before = folded[max(0, start - _BEFORE_WINDOW) : start]
            if not _NEGATED_BEFORE.search(before):
                return Hit(label, f"{self.field}:{label}:fuzzy:{name}", start, end, weight=1)
        return None


class OsMatcher(_AliasMatcher):
    """Finds the operating system family (taxonomy ``os``)."""

    field = "os"

    def __init__(self, vocab: Vocabulary | None = None, *, choices: Sequence[str] | None = None) -> None:
        """Compile the OS vocabulary (``vocab`` defaults to the packaged ``vocab.toml``)."""
        vocab = vocab or load_vocabulary()
        super().__init__(vocab.os_rules, choices or DEFAULT_CHOICES["os"])
        self._short = tuple((r, re.compile(r.source)) for r in vocab.os_short_answers)

    def match(self, text: str, folded: str, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the OS the message names, reading bare versions as answers at ``*_ASK_OS``."""
        hit = self._exact(folded)
        if hit is not None:
            return hit
        if turn.pending == "os":
            for rule, pattern in self._short:
                found = pattern.search(folded)
                if found:
                    return Hit(rule.label, rule.id, found.start(), found.end())
        return self._fallbacks(folded, turn)


class ClientMatcher(_AliasMatcher):
    """Finds the VPN client (taxonomy ``client``), resolving "built-in"/IKEv2 by the OS."""

    field = "client"

    def __init__(self, vocab: Vocabulary | None = None, *, choices: Sequence[str] | None = None) -> None:
        """Compile the client vocabulary (``vocab`` defaults to the packaged ``vocab.toml``)."""
        vocab = vocab or load_vocabulary()
        super().__init__(vocab.client_rules, choices or DEFAULT_CHOICES["client"])
        aliases = sorted(vocab.builtin_aliases, key=len, reverse=True)
        self._builtin_aliases = tuple(aliases)
        self._builtin = compile_alternatives([alias_regex(a) for a in aliases])
        self._by_os = vocab.builtin_by_os
        self._default = vocab.builtin_default

    def match(self, text: str, folded: str, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the client the message names; the OS decides what "built-in" means."""
        hit = self._exact(folded)
        if hit is not None:
            return hit
        builtin = self._match_builtin(folded, known.get("os"))
        if builtin is not None:
            return builtin
        return self._fallbacks(folded, turn)

    def _match_builtin(self, folded: str, os_label: str | None) -> Hit | None:
        for match in self._builtin.finditer(folded):
            alias = self._builtin_aliases[int((match.lastgroup or "r0")[1:])]
            before = folded[max(0, match.start() - _BEFORE_WINDOW) : match.start()]
            if _NEGATED_BEFORE.search(before):
                continue
            label = self._by_os.get(os_label) if os_label else None
            if label is None and alias in self._default:
                label = "windows_builtin"
            if label is not None:
                return Hit(label, f"client:builtin:{alias}", match.start(), match.end())
        return None
