"""Troubleshooting steps as data: load a knowledge table and pick the best article.

An article applies when every fact named in its ``when`` table matches (a
fact the article does not name matches anything; an unknown fact matches
nothing the article names). The most specific applicable article wins:
error code 8, client 4, symptom 2, OS 1 — so a known error code beats
everything, and a client-specific article beats a symptom-only one. Ties go
to the earlier article. A retry takes the best article not given yet.

Scope: every article declares, for each key of its table, whether it is
written for some values (``when``), for every value except some
(``excludes``: never shown to a user whose known fact is listed) or for any
value (``any``). A step that names another platform's tools (the table's
``[platforms]`` markers, e.g. ``services.msc`` for Windows) is left out for a
user whose OS is known to be different, unless the step also names the
user's platform. ``vpnfsm verify`` checks both (see
:mod:`vpnfsm.dialogue.scope`).

Those weights are the VPN table's. Another flow's table declares its own
keys and weights in a top-level ``[weights]`` table (e.g. ``problem = 2``,
``mail_app = 1``); a table without one uses :data:`WEIGHTS`, so the VPN
table needs no change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

__all__ = [
    "WEIGHTS",
    "Article",
    "KnowledgeTable",
    "Platform",
    "load_table",
    "parse_data",
    "parse_table",
    "register_table",
]

# Stands for every value of a fact that no article names (never a real value: not a str).
_UNLISTED = object()

#: Specificity weight of each fact an article can be keyed on.
WEIGHTS: Mapping[str, int] = {"error_code": 8, "client": 4, "symptom": 2, "os": 1}


@dataclass(frozen=True)
class Platform:
    """How a step shows it is for one OS: the tools it names and the names of the OS."""

    os: str
    markers: tuple[str, ...]
    names: tuple[str, ...]

    def named_in(self, step: str) -> bool:
        """Whether ``step`` names this platform as a word ("On Windows", "on a Mac", not "machine")."""
        lowered = step.lower()
        for name in self.names:
            word = name.lower()
            start = lowered.find(word)
            while start >= 0:
                end = start + len(word)
                before = lowered[start - 1] if start else " "
                after = lowered[end] if end < len(lowered) else " "
                if not (before.isalnum() or after.isalnum()):
                    return True
                start = lowered.find(word, start + 1)
        return False

    def marked_in(self, step: str) -> bool:
        """Whether ``step`` uses one of this platform's own tools."""
        lowered = step.lower()
        return any(marker.lower() in lowered for marker in self.markers)


@dataclass(frozen=True)
class Article:
    """One set of steps, keyed by the facts it is written for."""

    id: str
    title: str
    steps: tuple[str, ...]
    when: Mapping[str, frozenset[str]]
    #: The weights of the table this article belongs to.
    weights: Mapping[str, int] = field(default_factory=lambda: WEIGHTS)
    #: Known facts this article must never be shown for.
    excludes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Keys the article declares it fits for every value.
    any: frozenset[str] = frozenset()
    # The steps per (OS, platform markers): both come from content, never from user
    # text, so the few distinct answers are kept (bounded all the same).
    _steps_memo: dict[tuple[str, tuple[Platform, ...]], tuple[str, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @cached_property
    def specificity(self) -> int:
        """The sum of the weights of the facts this article is keyed on."""
        return sum(self.weights[key] for key in self.when)

    def applies(self, facts: Mapping[str, str | None]) -> bool:
        """Whether every fact this article names has one of its listed values."""
        # Plain loops: no generator frames on the path every new fact combination takes.
        for key, allowed in self.when.items():
            if facts.get(key) not in allowed:
                return False
        return all(facts.get(key) not in denied for key, denied in self.excludes.items())

    def steps_for(self, facts: Mapping[str, str | None], platforms: Sequence[Platform]) -> tuple[str, ...]:
        """The steps a user with these facts is shown: other platforms' steps left out."""
        os = facts.get("os")
        if os is None or not platforms:
            return self.steps
        key = (os, tuple(platforms))
        found = self._steps_memo.get(key)
        if found is None:
            found = self._scoped_steps(os, platforms)
            if len(self._steps_memo) < 256:
                self._steps_memo[key] = found
        return found

    def _scoped_steps(self, os: str, platforms: Sequence[Platform]) -> tuple[str, ...]:
        own = [p for p in platforms if p.os == os]
        others = [p for p in platforms if p.os != os]
        return tuple(
            step
            for step in self.steps
            if not any(p.marked_in(step) or p.named_in(step) for p in others) or any(p.named_in(step) for p in own)
        )


@dataclass(frozen=True)
class KnowledgeTable:
    """All articles of one flow, in file order."""

    articles: tuple[Article, ...]
    #: Per OS, the tools and names that mark a step as that platform's.
    platforms: tuple[Platform, ...] = ()
    # Facts take few distinct values, so answers are memoized per process.
    _memo: dict[tuple[object, ...], Article | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def best(self, facts: Mapping[str, str | None], *, exclude: Sequence[str] = ()) -> Article | None:
        """The most specific applicable article whose id is not in ``exclude``."""
        listed = self._listed
        # A value no article names (most error codes) acts like any other such value:
        # all of them share one memo entry, so free-text codes cannot fill the memo.
        key = (
            *(value if value is None or value in listed[name] else _UNLISTED for name, value in self._read(facts)),
            *exclude,
        )
        if key in self._memo:
            return self._memo[key]
        chosen = self._search(facts, exclude)
        if len(self._memo) < 100_000:  # bounded: error codes are free text
            self._memo[key] = chosen
        return chosen

    @cached_property
    def _keys(self) -> tuple[str, ...]:
        # The facts any article is keyed on: only they can change the answer
        # (each table has its own keys, e.g. "problem" and "mail_app").
        return tuple(sorted({key for article in self.articles for key in (*article.when, *article.excludes)}))

    @cached_property
    def _listed(self) -> dict[str, frozenset[str]]:
        # Per key, every value some article names in ``when`` or ``excludes``.
        return {
            key: frozenset(
                value
                for article in self.articles
                for table in (article.when, article.excludes)
                for value in table.get(key, ())
            )
            for key in self._keys
        }

    def _read(self, facts: Mapping[str, str | None]) -> list[tuple[str, str | None]]:
        return [(name, facts.get(name)) for name in self._keys]

    def _search(self, facts: Mapping[str, str | None], exclude: Sequence[str]) -> Article | None:
        # The most specific applicable article, the first in file order among equals:
        # the first applicable one in this order. Every message with a new code or
        # symptom combination misses the memo and lands here.
        for article in self._most_specific_first:
            if article.id not in exclude and article.applies(facts):
                return article
        return None

    @cached_property
    def _most_specific_first(self) -> tuple[Article, ...]:
        # sorted() is stable: file order is kept among articles of equal specificity.
        return tuple(sorted(self.articles, key=lambda article: -article.specificity))

    def article(self, article_id: str) -> Article:
        """The article with this id (``KeyError`` if none)."""
        return self._by_id[article_id]

    @cached_property
    def _by_id(self) -> dict[str, Article]:
        # A turn that gives steps looks one up. Ids are unique in a parsed table; in
        # one built by hand the first of a repeated id wins, as a scan would find it.
        index: dict[str, Article] = {}
        for article in self.articles:
            index.setdefault(article.id, article)
        return index


def parse_table(text: str, *, source: str) -> KnowledgeTable:
    """Parse a knowledge table from TOML text.

    Raises:
        ValueError: the text is not TOML, or an article is malformed.

    """
    return parse_data(tomllib.loads(text), source=source)


def parse_data(data: Mapping[str, Any], *, source: str) -> KnowledgeTable:
    """Build a knowledge table from parsed TOML data (see :func:`parse_table`).

    Raises:
        ValueError: an article is malformed.

    """
    weights_raw = data.get("weights", WEIGHTS)
    if not isinstance(weights_raw, Mapping) or not all(
        isinstance(value, int) and value > 0 for value in weights_raw.values()
    ):
        raise ValueError(f"{source}: 'weights' must map fact names to positive integers")
    weights: Mapping[str, int] = {str(key): int(value) for key, value in weights_raw.items()}
    articles: list[Article] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("article", [])):
        where = f"{source}: article {index + 1}"
        try:
            article_id = str(entry["id"])
            title = str(entry["title"])
            steps = tuple(str(step) for step in entry["steps"])
            when_raw = entry.get("when", {})
            excludes_raw = entry.get("excludes", {})
            any_raw = [str(key) for key in entry.get("any", [])]
        except KeyError as exc:
            raise ValueError(f"{where}: missing {exc.args[0]!r}") from exc
        for part, keys in (("when", set(when_raw)), ("excludes", set(excludes_raw)), ("any", set(any_raw))):
            unknown = keys - set(weights)
            if unknown:
                raise ValueError(f"{where}: unknown keys in {part!r}: {sorted(unknown)}")
        twice = (set(when_raw) & set(excludes_raw)) | (set(any_raw) & (set(when_raw) | set(excludes_raw)))
        if twice:
            raise ValueError(f"{where}: keys declared twice in its scope: {sorted(twice)}")
        if article_id in seen:
            raise ValueError(f"{where}: duplicate id {article_id!r}")
        if not steps:
            raise ValueError(f"{where}: no steps")
        seen.add(article_id)
        when = {key: frozenset(str(v) for v in values) for key, values in when_raw.items()}
        excludes = {key: frozenset(str(v) for v in values) for key, values in excludes_raw.items()}
        articles.append(
            Article(
                id=article_id,
                title=title,
                steps=steps,
                when=when,
                weights=weights,
                excludes=excludes,
                any=frozenset(any_raw),
            )
        )
    platforms = tuple(
        Platform(
            os=str(os),
            markers=tuple(str(m) for m in entry.get("markers", [])),
            names=tuple(str(n) for n in entry.get("names", [])),
        )
        for os, entry in data.get("platforms", {}).items()
    )
    return KnowledgeTable(articles=tuple(articles), platforms=platforms)


#: Tables a content pack loaded, by the key its flows name in ``FlowSpec.knowledge``.
_REGISTERED: dict[str, KnowledgeTable] = {}


def register_table(key: str, table: KnowledgeTable) -> None:
    """Make ``table`` the one :func:`load_table` returns for ``key`` (a content pack's table)."""
    _REGISTERED[key] = table


def load_table(filename: str) -> KnowledgeTable:
    """The table a content pack registered under ``filename``, else the one shipped in ``vpnfsm/flows/``."""
    registered = _REGISTERED.get(filename)
    if registered is not None:
        return registered
    return _shipped_table(filename)


@cache
def _shipped_table(filename: str) -> KnowledgeTable:
    # Loaded once per process.
    text = resources.files("vpnfsm.flows").joinpath(filename).read_text(encoding="utf-8")
    return parse_table(text, source=filename)
