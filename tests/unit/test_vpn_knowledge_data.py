"""Structure checks for vpnfsm/flows/vpn_knowledge.toml.

The selection rule is re-implemented here (as documented at the top of the data
file) only to prove the fallback guarantees the table is written for: every
situation gets two different articles, and every symptom gets two symptom-level
(or more specific) articles.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from vpnfsm.handoff.tags import SLOT_VOCABULARY

DATA = Path(__file__).resolve().parents[2] / "vpnfsm" / "flows" / "vpn_knowledge.toml"

# The taxonomy labels, as the package defines them (pinned against
# shared/nlp-taxonomy.md by the tag vocabulary tests).
LABELS = SLOT_VOCABULARY
WEIGHTS = {"error_code": 8, "client": 4, "symptom": 2, "os": 1}
ARTICLE_KEYS = {"id", "when", "title", "steps", "any"}
#: Scope keys an article may add (see the data file's header).
OPTIONAL_KEYS = {"excludes"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_RE = re.compile(r"^(?:-?\d{1,5}|0x[0-9A-Fa-f]{8})$")
# Error codes the table must cover (the brief's required list).
REQUIRED_CODES = {
    "691",
    "720",
    "789",
    "800",
    "809",
    "812",
    "868",
    "13801",
    "13806",
    "-14",
    "-7200",
    "0x80070005",
}

Facts = Mapping[str, str | None]


@pytest.fixture(scope="module")
def articles() -> list[dict[str, Any]]:
    with DATA.open("rb") as fh:
        data = tomllib.load(fh)
    assert set(data) == {"article", "platforms"}
    return data["article"]


def _applies(article: dict[str, Any], facts: Facts) -> bool:
    excluded = any(facts.get(key) in denied for key, denied in article.get("excludes", {}).items())
    return not excluded and all(facts.get(key) in allowed for key, allowed in article["when"].items())


def _score(article: dict[str, Any]) -> int:
    return sum(WEIGHTS[key] for key in article["when"])


def _ranked(articles: list[dict[str, Any]], facts: Facts) -> list[dict[str, Any]]:
    # sorted() is stable, so ties keep file order, as the selection rule requires.
    return sorted((a for a in articles if _applies(a, facts)), key=_score, reverse=True)


def _first_two(articles: list[dict[str, Any]], facts: Facts) -> tuple[dict[str, Any], dict[str, Any]]:
    ranked = _ranked(articles, facts)
    assert ranked, f"no article for {facts}"
    first = ranked[0]
    second = next((a for a in ranked if a["id"] != first["id"]), None)
    assert second is not None, f"no second article for {facts}"
    return first, second


def _codes(articles: list[dict[str, Any]]) -> set[str]:
    return {code for a in articles for code in a["when"].get("error_code", [])}


def _situations(articles: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    codes = [None, "99999", *sorted(_codes(articles))]
    axes = [
        [None, *LABELS["os"]],
        [None, *LABELS["client"]],
        [None, *LABELS["symptom"]],
        codes,
    ]
    return [{"os": o, "client": c, "symptom": s, "error_code": e} for o, c, s, e in itertools.product(*axes)]


def test_ids_unique_and_well_formed(articles: list[dict[str, Any]]) -> None:
    ids = [a["id"] for a in articles]
    assert len(ids) == len(set(ids))
    assert all(ID_RE.fullmatch(i) for i in ids), [i for i in ids if not ID_RE.fullmatch(i)]


def test_article_shape(articles: list[dict[str, Any]]) -> None:
    for a in articles:
        assert ARTICLE_KEYS <= set(a) <= ARTICLE_KEYS | OPTIONAL_KEYS, a.get("id")
        assert isinstance(a["title"], str)
        assert a["title"].strip()
        assert len(a["title"]) <= 120, a["id"]
        assert isinstance(a["when"], dict)


def test_when_uses_only_known_keys_and_labels(articles: list[dict[str, Any]]) -> None:
    for a in articles:
        for key, allowed in a["when"].items():
            assert key in WEIGHTS, (a["id"], key)
            assert isinstance(allowed, list), (a["id"], key)
            assert allowed, (a["id"], key)
            assert len(allowed) == len(set(allowed)), (a["id"], key)
            for label in allowed:
                assert isinstance(label, str), (a["id"], key, label)
                if key == "error_code":
                    assert CODE_RE.fullmatch(label), (a["id"], label)
                else:
                    assert label in LABELS[key], (a["id"], key, label)


def test_steps(articles: list[dict[str, Any]]) -> None:
    for a in articles:
        steps = a["steps"]
        assert isinstance(steps, list), a["id"]
        assert 3 <= len(steps) <= 6, (a["id"], len(steps))
        assert len(steps) == len(set(steps)), a["id"]
        for step in steps:
            assert isinstance(step, str), a["id"]
            assert step.strip(), a["id"]
            assert step == step.strip(), (a["id"], step)
            assert len(step) <= 300, (a["id"], len(step), step[:60])


def test_no_two_articles_share_content(articles: list[dict[str, Any]]) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for a in articles:
        key = tuple(a["steps"])
        assert key not in seen, (a["id"], seen.get(key))
        seen[key] = a["id"]


def test_two_catch_all_articles(articles: list[dict[str, Any]]) -> None:
    catch_all = [a for a in articles if not a["when"]]
    assert len(catch_all) >= 2
    assert catch_all[0]["steps"] != catch_all[1]["steps"]


@pytest.mark.parametrize("symptom", LABELS["symptom"])
def test_every_symptom_has_two_symptom_only_articles(articles: list[dict[str, Any]], symptom: str) -> None:
    only = [a for a in articles if a["when"] == {"symptom": [symptom]}]
    assert len(only) >= 2, symptom


def test_required_error_codes_covered_code_only(articles: list[dict[str, Any]]) -> None:
    code_only = {c for a in articles if set(a["when"]) == {"error_code"} for c in a["when"]["error_code"]}
    assert code_only >= REQUIRED_CODES, REQUIRED_CODES - code_only


def test_every_situation_gets_two_different_articles(articles: list[dict[str, Any]]) -> None:
    for facts in _situations(articles):
        first, second = _first_two(articles, facts)
        assert first["steps"] != second["steps"], facts


def test_known_symptom_never_falls_back_to_catch_all(articles: list[dict[str, Any]]) -> None:
    """With a known symptom both attempts are at least symptom-specific."""
    for facts in _situations(articles):
        if facts["symptom"] is None:
            continue
        first, second = _first_two(articles, facts)
        assert first["when"], facts
        assert second["when"], facts


def test_error_code_article_wins_first(articles: list[dict[str, Any]]) -> None:
    for code in sorted(_codes(articles)):
        first, _ = _first_two(articles, {"error_code": code})
        assert code in first["when"].get("error_code", []), code


def test_every_article_is_reachable(articles: list[dict[str, Any]]) -> None:
    """Each article is the first or second answer for at least one situation."""
    reached: set[str] = set()
    for facts in _situations(articles):
        first, second = _first_two(articles, facts)
        reached.update((first["id"], second["id"]))
    assert {a["id"] for a in articles} - reached == set()
