"""Load ``vocab.toml`` once and compile it into regex tables.

The vocabulary is data so it can grow without touching matcher code; this module is the only
place that knows the file layout. Everything it returns is immutable, so one compiled
vocabulary is shared by every extractor and thread.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["AliasRule", "MatchChecks", "Vocabulary", "WeightedRule", "alias_regex", "load_vocabulary"]

#: A letter or digit: aliases must not touch one on either side ("win" is not in "wine").
#: (Literal aliases are looked up by words, not by this pattern; it documents the rule.)
_BOUNDARY = r"\b"
# Macro names in vocab.toml, which is package data, not user text.
_MACRO = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True, slots=True)
class MatchChecks:
    """What RE2 cannot say inside a pattern, checked in Python on each match instead.

    ``not_after``: a pattern that must not match right where the match ends (was a negative
    lookahead). ``needs_after``: a pattern that must occur at or after the match's start (was
    ``(?=.*X)``; it may overlap the match). ``not_prefix``: literal texts that must not end
    right before the match (was a negative lookbehind).
    """

    not_after: str | None = None
    needs_after: str | None = None
    not_prefix: tuple[str, ...] = ()


def _checks(item: dict[str, Any], macros: dict[str, str]) -> MatchChecks | None:
    if not any(key in item for key in ("not_after", "needs_after", "not_prefix")):
        return None
    not_after = item.get("not_after")
    needs_after = item.get("needs_after")
    return MatchChecks(
        not_after=_expand(not_after, macros) if not_after else None,
        needs_after=_expand(needs_after, macros) if needs_after else None,
        not_prefix=tuple(item.get("not_prefix", ())),
    )


@dataclass(frozen=True, slots=True)
class AliasRule:
    """One way of naming a label (an alias or a pattern) for the ``os`` or ``client`` field."""

    id: str
    label: str
    source: str
    priority: int = 1
    literal: str | None = None
    triggers: tuple[str, ...] = ()
    not_before: str | None = None
    also: tuple[str, ...] = ()
    checks: MatchChecks | None = None


@dataclass(frozen=True, slots=True)
class WeightedRule:
    """A weighted regex rule: a symptom phrase, a vendor message, an intent cue or a signal.

    ``label`` is what the rule means (a symptom, or the cue group for intents and signals).
    """

    id: str
    label: str
    source: str
    weight: int
    client: str | None = None
    triggers: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    checks: MatchChecks | None = None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The compiled contents of ``vocab.toml``."""

    os_rules: tuple[AliasRule, ...]
    os_short_answers: tuple[AliasRule, ...]
    client_rules: tuple[AliasRule, ...]
    builtin_aliases: tuple[str, ...]
    builtin_by_os: dict[str, str]
    builtin_default: frozenset[str]
    symptom_rules: tuple[WeightedRule, ...]
    symptom_short_answers: tuple[WeightedRule, ...]
    message_rules: tuple[WeightedRule, ...]
    codes: dict[str, tuple[str, str]]
    intent_rules: dict[str, tuple[WeightedRule, ...]]
    signal_rules: dict[str, tuple[WeightedRule, ...]]
    fuzzy_targets: dict[str, tuple[str, str]]
    fuzzy_stopwords: frozenset[str]
    macros: dict[str, str]


def alias_regex(alias: str, not_before: str | None = None) -> str:
    """Regex for a literal alias: word-bounded; a space also matches "-", "_" or nothing."""
    parts = [re.escape(word) for word in alias.split(" ")]
    body = r"[\s_\-]?".join(parts)
    del not_before  # checked after the word lookup (AliasIndex), not inside the pattern
    return f"{_BOUNDARY}{body}{_BOUNDARY}"


def _expand(source: str, macros: dict[str, str]) -> str:
    return _MACRO.sub(lambda m: macros[m.group(1)], source)


def _alias_rules(field: str, entries: list[dict[str, Any]], macros: dict[str, str]) -> list[AliasRule]:
    rules: list[AliasRule] = []
    for entry in entries:
        label = entry["label"]
        priority = int(entry.get("priority", 1))
        not_before: dict[str, str] = entry.get("not_before", {})
        for alias in entry.get("aliases", []):
            rules.append(
                AliasRule(
                    id=f"{field}:{label}:{alias}",
                    label=label,
                    source=alias_regex(alias, not_before.get(alias)),
                    priority=priority,
                    literal=alias,
                    not_before=not_before.get(alias),
                )
            )
        for pattern in entry.get("patterns", []):
            rules.append(
                AliasRule(
                    pattern["id"],
                    label,
                    _expand(pattern["re"], macros),
                    priority,
                    triggers=tuple(pattern.get("any", ())),
                    checks=_checks(pattern, macros),
                )
            )
    return rules


def _also(item: dict[str, Any], gates: dict[str, list[str]]) -> tuple[str, ...]:
    name = item.get("also")
    return tuple(gates[name]) if name else ()


def _weighted(
    entries: list[dict[str, Any]], macros: dict[str, str], key: str, gates: dict[str, list[str]]
) -> list[WeightedRule]:
    rules: list[WeightedRule] = []
    for entry in entries:
        for pattern in entry.get(key, []):
            weight = int(pattern.get("w", 2))
            rules.append(
                WeightedRule(
                    pattern["id"],
                    entry["label"],
                    _expand(pattern["re"], macros),
                    weight,
                    triggers=tuple(pattern.get("any", ())),
                    also=_also(pattern, gates),
                    checks=_checks(pattern, macros),
                )
            )
    return rules


def _cues(
    items: list[dict[str, Any]], macros: dict[str, str], label: str, gates: dict[str, list[str]]
) -> tuple[WeightedRule, ...]:
    return tuple(
        WeightedRule(
            item["id"],
            label,
            _expand(item["re"], macros),
            2,
            triggers=tuple(item.get("any", ())),
            also=_also(item, gates),
            checks=_checks(item, macros),
        )
        for item in items
    )


@cache
def load_vocabulary() -> Vocabulary:
    """Read and compile ``vocab.toml`` (cached: the file is read once per process)."""
    raw = resources.files(__package__).joinpath("vocab.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    macros: dict[str, str] = data["macros"]
    gates: dict[str, list[str]] = data["gates"]
    os_entries: list[dict[str, Any]] = data["os"]
    client_entries: list[dict[str, Any]] = data["client"]
    os_short = [
        AliasRule(item["id"], entry["label"], _expand(item["re"], macros))
        for entry in os_entries
        for item in entry.get("short_answers", [])
    ]
    messages = [
        WeightedRule(
            m["id"],
            m["symptom"],
            _expand(m["re"], macros),
            4,
            m.get("client"),
            tuple(m.get("any", ())),
            checks=_checks(m, macros),
        )
        for m in data["message"]
    ]
    codes: dict[str, tuple[str, str]] = {}
    for family, table in data["codes"].items():
        for code, symptom in table.items():
            codes[code.lower()] = (family, symptom)
    fuzzy: dict[str, tuple[str, str]] = {}
    for field, entries in (("os", os_entries), ("client", client_entries)):
        for entry in entries:
            for name in entry.get("fuzzy", []):
                fuzzy[name] = (field, entry["label"])
    intent = {key: _cues(value, macros, key, gates) for key, value in data["intent"].items()}
    signals = {key: _cues(value, macros, key, gates) for key, value in data["signals"].items()}
    builtin = data["builtin"]
    return Vocabulary(
        os_rules=tuple(_alias_rules("os", os_entries, macros)),
        os_short_answers=tuple(os_short),
        client_rules=tuple(_alias_rules("client", client_entries, macros)),
        builtin_aliases=tuple(builtin["aliases"]),
        builtin_by_os=dict(builtin["by_os"]),
        builtin_default=frozenset(builtin["default_for"]),
        symptom_rules=tuple(_weighted(data["symptom"], macros, "patterns", gates)),
        symptom_short_answers=tuple(_weighted(data["symptom"], macros, "short_answers", gates)),
        message_rules=tuple(messages),
        codes=codes,
        intent_rules=intent,
        signal_rules=signals,
        fuzzy_targets=fuzzy,
        fuzzy_stopwords=frozenset(data["fuzzy"]["stopwords"]),
        macros=macros,
    )
