"""What ``vpnfsm verify`` checks about knowledge articles' scopes.

Every article of a flow's table declares, for each key of the table, the
values it is written for (``when``), the values it must never reach
(``excludes``) or that it fits any value (``any``); labels must be the
taxonomy's (or the flow's own vocabulary). Then every combination of known
facts the extractor can produce (each key unknown or any of its labels; for
error codes, the codes articles name plus one no article names) is played
through the real selection rule for both attempts:

* some article must fit (at least the generic fallback);
* the chosen article must keep at least :data:`MIN_STEPS` steps for the
  user's OS once other platforms' steps are left out; otherwise its declared
  scope admits an OS its content does not serve: a counterexample;
* combinations that only ever get the generic fallback are listed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vpnfsm._patterns import compile_user
from vpnfsm.flows.knowledge import Article, KnowledgeTable, load_table
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff.tags import SLOT_VOCABULARY

__all__ = ["MIN_STEPS", "ScopeProblem", "ScopeReport", "check_scopes", "check_table", "labels_for"]

#: Fewest steps an article may show a user after other platforms' steps are left out.
MIN_STEPS = 2
#: A code no article names, to check unknown codes still get steps.
UNLISTED_CODE = "99999"
_CODE = compile_user(r"-?\d{1,5}|0x[0-9A-Fa-f]{8}", name="scope:code-label")


@dataclass(frozen=True)
class ScopeProblem:
    """One scope violation, with the facts that show it."""

    article: str
    message: str
    facts: Mapping[str, str | None] = field(default_factory=dict)

    def format(self) -> str:
        """One line for ``vpnfsm verify``."""
        known = {key: value for key, value in self.facts.items() if value is not None}
        return f"scope: article {self.article}: {self.message}" + (f"; counterexample: {known}" if known else "")


@dataclass(frozen=True)
class ScopeReport:
    """The scope check of one table: combinations tried, problems, fallback-only combinations."""

    articles: int
    combinations: int
    problems: tuple[ScopeProblem, ...]
    fallback_only: tuple[Mapping[str, str | None], ...]

    @property
    def ok(self) -> bool:
        """No problem found (fallback-only combinations are listed, not failures)."""
        return not self.problems


def labels_for(spec: FlowSpec, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The labels each key of a table may name: the taxonomy's, or the flow's own vocabulary."""
    labels: dict[str, tuple[str, ...]] = {}
    for key in keys:
        if key in spec.vocabulary:
            labels[key] = tuple(spec.vocabulary[key])
        elif key in SLOT_VOCABULARY:
            labels[key] = tuple(SLOT_VOCABULARY[key])
        else:
            labels[key] = ()  # open-ended (error codes): checked by shape
    return labels


def _declaration_problems(
    article: Article, keys: Sequence[str], labels: Mapping[str, tuple[str, ...]]
) -> list[ScopeProblem]:
    problems: list[ScopeProblem] = []
    declared = set(article.when) | set(article.excludes) | set(article.any)
    missing = [key for key in keys if key not in declared]
    if missing:
        problems.append(ScopeProblem(article.id, f"does not declare its scope for {missing} (when, excludes or any)"))
    for part, table in (("when", article.when), ("excludes", article.excludes)):
        for key, values in table.items():
            for value in sorted(values):
                known = labels.get(key, ())
                if (known and value not in known) or (not known and not _CODE.fullmatch(value)):
                    problems.append(ScopeProblem(article.id, f"{part} names {key}={value!r}, not a label"))
    return problems


def check_table(table: KnowledgeTable, spec: FlowSpec) -> ScopeReport:
    """Check every article's scope declaration and every combination of facts against ``table``."""
    keys = tuple(spec.slots)
    labels = labels_for(spec, keys)
    problems: list[ScopeProblem] = []
    for article in table.articles:
        problems += _declaration_problems(article, keys, labels)
    axes: list[list[str | None]] = []
    for key in keys:
        values: list[str | None] = [None, *labels[key]]
        if not labels[key]:
            named = sorted({v for a in table.articles for v in a.when.get(key, ())})
            values += [*named, UNLISTED_CODE]
        axes.append(values)
    fallback_only: list[Mapping[str, str | None]] = []
    combinations = 0
    shown_count: dict[tuple[str, str | None], int] = {}
    for combo in itertools.product(*axes):
        combinations += 1
        facts = dict(zip(keys, combo, strict=True))
        first = table.best(facts)
        if first is None:
            problems.append(ScopeProblem("-", "no article fits, not even a generic one", facts))
            continue
        second = table.best(facts, exclude=[first.id])
        chosen = [first] if second is None else [first, second]
        if any(value is not None for value in combo) and all(not a.when for a in chosen):
            fallback_only.append(facts)
        for article in chosen:
            pair = (article.id, facts.get("os"))
            if pair in shown_count:  # only the OS decides which steps are shown: one problem per pair
                continue
            shown = shown_count[pair] = len(article.steps_for(facts, table.platforms))
            if shown < MIN_STEPS:
                problems.append(
                    ScopeProblem(
                        article.id,
                        f"reaches os={facts.get('os')} but only {shown} of its steps are for that platform "
                        "(exclude it in the article's scope, or write steps that fit)",
                        facts,
                    )
                )
    return ScopeReport(
        articles=len(table.articles),
        combinations=combinations,
        problems=tuple(problems),
        fallback_only=tuple(fallback_only),
    )


def check_scopes(spec: FlowSpec) -> ScopeReport:
    """:func:`check_table` on the flow's shipped knowledge table."""
    return check_table(load_table(spec.knowledge), spec)
