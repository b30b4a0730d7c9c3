"""Rule-based matchers for the ``os`` and ``client`` slots.

Literal aliases are looked up word by word and patterns run behind word gates (see
:mod:`vpnfsm.nlp._rules`). Mentions are then read in context: a negated mention
("not windows") is dropped, a correction ("actually it's a mac") wins, a mention after
"works fine on" is only a fallback, and a higher ``priority`` beats a lower one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from vpnfsm._patterns import compile_user
from vpnfsm.nlp._fuzzy import fuzzy_hits
from vpnfsm.nlp._rules import MAX_MENTIONS, AliasIndex, GatedRules
from vpnfsm.nlp._vocab import AliasRule, Vocabulary, load_vocabulary
from vpnfsm.nlp.context import Turn
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["DEFAULT_CHOICES", "ClientMatcher", "OsMatcher", "ordinal_choice"]

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
_NEGATED_BEFORE = compile_user(
    r"(?:\bnot|\bno|n['\x{2019}]t|\bnever|\binstead\s+of|\brather\s+than|\bother\s+than|\bexcept"
    r"|\bswitched\s+(?:away\s+)?from|\bmoved\s+(?:away\s+)?from|\bmigrated\s+from|\bused\s+to\s+(?:use|be\s+on|have)"
    r"|\bno\s+longer)"
    r"(?:\s+(?:on|using|use|an?|the|my|with|from|running|it['\x{2019}]?s|is|a|really|even|any|have|got))*\s*$",
    name="entity:negated-before",
)
# "works on X but not on Y": the "not" is about working, Y is the device with the problem.
_BUT_NOT_BEFORE = compile_user(
    r"\bbut\s+not\s+(?:on\s+|with\s+|from\s+|in\s+)?(?:my\s+|the\s+)?$", name="entity:but-not-before"
)
_WORKS_ON_BEFORE = compile_user(
    r"\b(?:works?|working|worked|fine|ok|okay)\s+(?:fine\s+|ok\s+|okay\s+|well\s+|perfectly\s+)?"
    r"(?:on|with|from|in)\s+(?:my\s+|the\s+|a\s+)?$",
    name="entity:works-on-before",
)
# Cheap substring tests that must pass before the negation / "works on" regexes run.
_NEGATION_HINTS = (
    "no", "n't", "n\u2019t", "never", "instead", "rather", "other", "except", "from", "used to",
)
_WORKS_HINTS = frozenset({"works", "work", "working", "worked", "fine", "ok", "okay", "well", "perfectly"})
# One scan for every word that can change how a mention reads (negation, "works on", server).
_CONTEXT_HINT = compile_user(
    r"no|n['\x{2019}]t|never|instead|rather|other|except|from|used|work|fine|ok|well|perfectly|server|gateway|router|firewall|host|headend",
    name="entity:context-hint",
)
_SERVER_HINTS = frozenset({"server", "server:", "gateway", "router", "firewall", "host", "host:", "headend"})
_SERVER_BEFORE = compile_user(
    r"\b(?:server|gateway|router|firewall|host|headend)(?:\s+(?:os|runs|is|on|running))*\s*[:=]?\s*(?:on\s+)?$",
    name="entity:server-before",
)
_CORRECTION = compile_user(
    r"\b(?:actually|i\s+mean|sorry|correction|wait|oops|my\s+bad|scratch\s+that|rather)\b|\bno\s*[,!.;:-]",
    name="entity:correction",
)
_ORDINAL = compile_user(
    r"^\W*(?:it['\x{2019}]?s\s+|i\s+(?:use|have|picked?|chose)\s+)?(?:the\s+)?(?:(?:option|number|choice|no\.?)\s*#?\s*)?"
    r"(first|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|5th|6th|last|#?[1-6])"
    r"(?:\s+(?:one|option|choice))?\W*$",
    name="entity:ordinal",
)
_ORDINAL_INDEX = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "sixth": 5, "6th": 5,
}
_BEFORE_WINDOW = 30


class _Mention(NamedTuple):
    rule: AliasRule
    start: int
    end: int
    demoted: bool
    corrected: bool


def _read_mentions(found: list[tuple[AliasRule, int, int]], folded: str) -> list[_Mention]:
    """Drop negated mentions; mark the ones after a correction and after "works fine on"."""
    mentions: list[_Mention] = []
    correction_at = len(folded) + 1
    if found and len(found) > 1:
        correction = _CORRECTION.search(folded)
        correction_at = correction.end() if correction else correction_at
    last_start = -1
    for rule, start, end in found:
        if start == last_start:
            continue  # "windows 10" as pattern and "windows" as alias: one mention
        last_start = start
        window = max(0, start - _BEFORE_WINDOW)
        before = folded[window:start]
        if _CONTEXT_HINT.search(before) is None:
            # The common case: nothing before the mention can negate, demote or excuse it.
            mentions.append(_Mention(rule, start, end, False, start >= correction_at))
            continue
        if negated_before(folded, window, start) and not (
            "but" in before and _BUT_NOT_BEFORE.search(before)
        ):
            continue
        words = before.split()
        demoted = bool(_WORKS_HINTS.intersection(words)) and (
            _WORKS_ON_BEFORE.search(before) is not None
        )
        if not demoted and _SERVER_HINTS.intersection(words):
            # "Server: Ubuntu 22.04, client: Windows 11": the server's system is not the user's.
            demoted = _SERVER_BEFORE.search(before) is not None
        mentions.append(_Mention(rule, start, end, demoted, start >= correction_at))
    return mentions


def negated_before(folded: str, window: int, start: int) -> bool:
    """Whether a negation ("not", "isn't", "instead of" ...) ends right before ``start``."""
    before = folded[window:start]
    if not any(hint in before for hint in _NEGATION_HINTS):
        return False  # the common case, decided by a few substring tests
    # Searched as its own text, so the pattern's "$" is the mention's start.
    return _NEGATED_BEFORE.search(before) is not None


def _best(mentions: list[_Mention]) -> _Mention | None:
    if not mentions:
        return None
    corrected = [m for m in mentions if m.corrected]
    if corrected:
        return corrected[-1]
    pool = [m for m in mentions if not m.demoted] or mentions
    top = max(m.rule.priority for m in pool)
    return next(m for m in pool if m.rule.priority == top)


def ordinal_choice(folded: str, order: Sequence[str]) -> tuple[str, int, int] | None:
    """Read "the first", "2nd", "option 3", "last" as a pick from ``order``: (label, start, end)."""
    match = _ORDINAL.match(folded)
    if not match or not order:
        return None
    word = (match.group(1) or "").lstrip("#")
    fallback = int(word) - 1 if word.isdigit() else 0
    index = len(order) - 1 if word == "last" else _ORDINAL_INDEX.get(word, fallback)
    if index >= len(order):
        return None
    return order[index], match.start(1), match.end(1)


class _AliasMatcher:
    """Shared logic of the os and client matchers."""

    field: str

    def __init__(self, rules: Sequence[AliasRule], choices: Sequence[str]) -> None:
        self._index = AliasIndex(rules)
        self._patterns: GatedRules[AliasRule] = GatedRules([r for r in rules if r.literal is None])
        self._choices = tuple(choices)

    def _exact(self, msg: Message) -> Hit | None:
        found = [(m.rule, m.start, m.end) for m in self._index.find(msg)]
        gates = self._patterns.open(msg)
        if not found and not gates:
            return None
        for gate in gates:
            for seen, match in enumerate(gate.finditer(msg.scan)):
                if seen >= MAX_MENTIONS:
                    break
                found.append((gate.rule, match.start(), match.end()))
        if len(found) > 1:
            found.sort(key=lambda item: (item[1], -item[2]))
        best = _best(_read_mentions(found, msg.folded))
        if best is None:
            return None
        return Hit(best.rule.label, best.rule.id, best.start, best.end)

    def _fallbacks(self, msg: Message, turn: Turn) -> Hit | None:
        folded = msg.folded
        if turn.pending == self.field:
            choice = ordinal_choice(folded, self._choices)
            if choice:
                return Hit(choice[0], f"{self.field}:choice:ordinal", choice[1], choice[2])
        for label, name, start, end in fuzzy_hits(msg, self.field):
            if not negated_before(folded, max(0, start - _BEFORE_WINDOW), start):
                return Hit(label, f"{self.field}:{label}:fuzzy:{name}", start, end, weight=1)
        return None


class OsMatcher(_AliasMatcher):
    """Finds the operating system family (taxonomy ``os``)."""

    field = "os"

    def __init__(self, vocab: Vocabulary | None = None, *, choices: Sequence[str] | None = None) -> None:
        """Compile the OS vocabulary (``vocab`` defaults to the packaged ``vocab.toml``)."""
        vocab = vocab or load_vocabulary()
        super().__init__(vocab.os_rules, choices or DEFAULT_CHOICES["os"])
        self._short = tuple((r, compile_user(r.source, name=r.id)) for r in vocab.os_short_answers)

    def match(self, msg: Message, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the OS the message names, reading bare versions as answers at ``*_ASK_OS``."""
        hit = self._exact(msg)
        if hit is not None:
            return hit
        if turn.pending == "os":
            for rule, pattern in self._short:
                found = pattern.search(msg.scan)
                if found:
                    return Hit(rule.label, rule.id, found.start(), found.end())
        return self._fallbacks(msg, turn)


class ClientMatcher(_AliasMatcher):
    """Finds the VPN client (taxonomy ``client``), resolving "built-in"/IKEv2 by the OS."""

    field = "client"

    def __init__(self, vocab: Vocabulary | None = None, *, choices: Sequence[str] | None = None) -> None:
        """Compile the client vocabulary (``vocab`` defaults to the packaged ``vocab.toml``)."""
        vocab = vocab or load_vocabulary()
        super().__init__(vocab.client_rules, choices or DEFAULT_CHOICES["client"])
        self._builtin = AliasIndex(
            [
                AliasRule(f"client:builtin:{alias}", "builtin", "", literal=alias)
                for alias in vocab.builtin_aliases
            ]
        )
        self._by_os = vocab.builtin_by_os
        self._default = vocab.builtin_default

    def match(self, msg: Message, turn: Turn, known: Mapping[str, str]) -> Hit | None:
        """Return the client the message names; the OS decides what "built-in" means."""
        hit = self._exact(msg)
        if hit is not None:
            return hit
        builtin = self._match_builtin(msg, known.get("os"))
        if builtin is not None:
            return builtin
        return self._fallbacks(msg, turn)

    def _match_builtin(self, msg: Message, os_label: str | None) -> Hit | None:
        folded = msg.folded
        for mention in self._builtin.find(msg):
            if negated_before(folded, max(0, mention.start - _BEFORE_WINDOW), mention.start):
                continue
            alias = mention.rule.literal or ""
            label = self._by_os.get(os_label) if os_label else None
            if label is None and alias in self._default:
                label = "windows_builtin"
            if label is not None:
                return Hit(label, mention.rule.id, mention.start, mention.end)
        return None
